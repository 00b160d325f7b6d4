// End to end on backend-js with the tiny profile: real data, validation, training, test passes.
import { describe, expect, it } from 'vitest';
import { taskConfig } from './config.js';
import type { WorkerMessage } from './messages.js';
import { runBackend } from './run-backend.js';

describe('runBackend (the worker) on backend-js', () => {
  it('MNIST tiny: validates, trains, scores every epoch and reports throughput and memory', async () => {
    const config = { ...taskConfig('mnist', 'tiny', { epochs: 2 }), trainSamples: 96, testSamples: 40, batchSize: 32 };
    const messages: WorkerMessage[] = [];
    const run = await runBackend('js', config, (m) => messages.push(m));
    expect(run.status, run.reason).toBe('ok');
    expect(run).toMatchObject({ backend: 'js', kind: 'rnnkit', name: 'js', precision: 'float32' });
    expect(run.device).toMatch(/\S/);
    expect(run.validation?.passed).toBe(true);
    expect(run.validation?.batchSize).toBe(32);
    expect(run.validation!.gradientError).toBeLessThan(1e-4);
    // 96 samples / 32 per batch × 2 epochs.
    expect(run.lossCurve).toHaveLength(6);
    expect(run.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    for (const e of run.epochs) {
      expect(e.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.testAccuracy).toBeLessThanOrEqual(1);
      expect(Number.isInteger(e.testAccuracy! * 40)).toBe(true);
      expect(e.testLoss).toBeGreaterThan(0);
      expect(e.trainSeconds).toBeGreaterThan(0);
    }
    // Training on the same 96 samples twice lowers their mean loss.
    expect(run.epochs[1]!.trainLoss).toBeLessThan(run.epochs[0]!.trainLoss);
    expect(run.trainSamplesPerSec).toBeGreaterThan(0);
    expect(run.inferSamplesPerSec).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeGreaterThan(10 * 1024 ** 2);
    expect(run.maxRssBytes).toBeGreaterThan(10 * 1024 ** 2);
    expect(run.wallSeconds).toBeGreaterThan(0);
    // Progress: a bar per step, ticks reaching each total.
    const phases = messages.filter((m) => m.type === 'phase').map((m) => m.label);
    expect(phases).toEqual(['load data', 'validate', 'train epoch 1/2', 'test epoch 1/2', 'train epoch 2/2', 'test epoch 2/2']);
    const ticks = messages.filter((m): m is Extract<WorkerMessage, { type: 'tick' }> => m.type === 'tick');
    expect(ticks.filter((t) => t.loss !== undefined)).toHaveLength(6);
    expect(JSON.parse(JSON.stringify(run))).toEqual(run);
  });

  it('IMDB tiny: the embedding model runs end to end', async () => {
    const config = { ...taskConfig('imdb', 'tiny'), trainSamples: 16, testSamples: 8, batchSize: 8 };
    const run = await runBackend('js', config, () => {});
    expect(run.status, run.reason).toBe('ok');
    expect(run.lossCurve).toHaveLength(2);
    expect(run.epochs).toHaveLength(1);
    expect(run.validation?.worstParameter).toMatch(/^\d\./);
  });

  it('MNIST tiny with another cell (--cell minGru: no fused kernel, the scan path of core): the same loop, the cell is the only change', async () => {
    const config = { ...taskConfig('mnist', 'tiny', { cell: 'minGru' }), trainSamples: 32, testSamples: 16, batchSize: 16 };
    const run = await runBackend('js', config, () => {});
    expect(run.status, run.reason).toBe('ok');
    expect(run.validation?.passed).toBe(true);
    expect(run.validation?.worstParameter).toMatch(/^[01]\./);
    expect(run.lossCurve).toHaveLength(2);
    expect(run.epochs[0]!.testAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('movingMnist tiny: the ConvLSTM validates, trains, and is scored by MSE against the copy-last-frame baseline, with predicted example frames', async () => {
    const config = { ...taskConfig('movingMnist', 'tiny'), trainSamples: 8, testSamples: 4, batchSize: 4 };
    const run = await runBackend('js', config, () => {});
    expect(run.status, run.reason).toBe('ok');
    expect(run.validation?.passed).toBe(true);
    expect(run.lossCurve).toHaveLength(2);
    const e = run.epochs[0]!;
    expect(e.testAccuracy).toBeUndefined();
    expect(e.testLoss).toBeGreaterThan(0);
    // Two digits moving 1–2 px per frame: copying the last frame is wrong on a few percent of the pixel mass.
    expect(e.baselineLoss).toBeGreaterThan(0.005);
    expect(e.baselineLoss).toBeLessThan(0.2);
    expect(run.predictedExamples).toHaveLength(2);
    expect(run.predictedExamples![0]).toMatchObject({ frames: 7, frameSize: 16 });
    expect(JSON.parse(JSON.stringify(run))).toEqual(run);
  });

  it('a time budget stops training and testing after at least one batch each, and says so', async () => {
    // A 1 ms budget is spent before training starts (validation alone takes longer).
    const config = { ...taskConfig('mnist', 'tiny', { epochs: 2, budgetSeconds: 0.001 }), trainSamples: 96, testSamples: 40, batchSize: 32 };
    const run = await runBackend('js', config, () => {});
    expect(run.status, run.reason).toBe('ok');
    expect(run.lossCurve).toHaveLength(1);
    expect(run.epochs).toHaveLength(1);
    expect(run.epochs[0]).toMatchObject({ trainSamples: 32, testSamples: 32 });
    expect(run.cutShort).toBe('time budget (0.001 s per backend): trained 32 of 192 samples, tested 32 of 40 samples');
    expect(run.trainSamplesPerSec).toBeGreaterThan(0);
  });

  it('an unknown backend id is an error naming the valid ids', async () => {
    const run = await runBackend('nonexistent', taskConfig('mnist', 'tiny'), () => {}).catch((e: Error) => e);
    expect(run).toBeInstanceOf(Error);
    expect((run as Error).message).toBe('backends: unknown backend "nonexistent"; expected one of js, tfjs, onnx, gpujs');
  });
});

describe('createBackend (the registry)', () => {
  it('a package that is not installed rejects with the import error, which runBackend reports as unavailable', async () => {
    const { createBackend } = await import('./backends.js');
    await expect(createBackend({ packageName: '@rnnkit/backend-not-there', factory: 'createX', options: {} })).rejects.toThrow(/backend-not-there/);
  });
});
