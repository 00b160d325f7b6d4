// The PyTorch row against backend-js on real PyTorch (Debian's python3-torch at /usr/bin/python3):
// the first training step's loss must agree within float32 rounding, which holds only when both
// start from the same weights and see the same samples in the same order with the same loss; the
// following Adam steps agree too. Skipped, with the reason in the name, where python3-torch is absent.
import { describe, expect, it } from 'vitest';
import { adam, datasetSize } from '@rnnkit/core';
import { batchIndices, epochOrder, gatherBatch } from '@rnnkit/core/internal';
import { createBackend, backendEntry } from './backends.js';
import { taskConfig, type TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import type { WorkerMessage } from './messages.js';
import { createModel } from './model.js';
import { runTorchPeer, torchAvailability, torchUnsupported } from './torch-peer.js';

const torch = torchAvailability();

/** backend-js float32's loss for each training batch of the first epoch, in fit's order. */
async function jsLosses(config: TaskConfig): Promise<number[]> {
  const backend = await createBackend(backendEntry('js'));
  const model = createModel(backend, config);
  try {
    const { train } = await loadTaskData(config);
    const optimizer = adam({ lr: config.optimizer.lr });
    const losses: number[] = [];
    for (const idx of batchIndices(epochOrder(datasetSize(train), config.seed, 0, true), config.batchSize)) {
      losses.push(await model.trainStep(gatherBatch(train, idx), { loss: config.loss, optimizer }));
    }
    return losses;
  } finally {
    model.dispose();
    backend.close();
  }
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe(torch.ok ? `torch peer on PyTorch ${torch.version}: same weights, data and order as backend-js` : `torch peer: skipped, ${torch.ok ? '' : torch.reason}`, () => {
  // Small sizes: the tiny profile's samples, in batches of 16 (several steps).
  const cases: [string, TaskConfig][] = [
    ['MNIST LSTM', { ...taskConfig('mnist', 'tiny'), batchSize: 16 }],
    ['MNIST GRU (--cell gru)', { ...taskConfig('mnist', 'tiny', { cell: 'gru' }), batchSize: 16 }],
    ['MNIST RNN (--cell rnn)', { ...taskConfig('mnist', 'tiny', { cell: 'rnn' }), batchSize: 16 }],
    ['IMDB embedding + LSTM', { ...taskConfig('imdb', 'tiny'), batchSize: 8 }],
  ];
  for (const [name, config] of cases) {
    it.skipIf(!torch.ok)(`${name}: the first step's loss equals backend-js's within float32 tolerance`, { timeout: 180_000 }, async () => {
      const notes: string[] = [];
      const run = await runTorchPeer(config, (m: WorkerMessage) => void (m.type === 'note' && notes.push(m.text)), { tuneThreads: false });
      expect(run.status, `${run.reason ?? ''} ${notes.join(' | ')}`).toBe('ok');
      expect(run.validation?.passed).toBe(true);
      const js = await jsLosses(config);
      expect(run.lossCurve.length).toBe(js.length);
      expect(relative(run.lossCurve[0]!, js[0]!)).toBeLessThan(1e-5);
      // A few Adam steps later the two still follow the same path (float32 rounding grows slowly).
      for (let i = 1; i < js.length; i++) expect(relative(run.lossCurve[i]!, js[i]!), `step ${i + 1}`).toBeLessThan(1e-3);
      expect(run.epochs[0]!.testSamples).toBe(config.testSamples);
      expect(run.peakRssBytes).toBeGreaterThan(0);
    });
  }
});

describe('torch peer: cells and tasks PyTorch has no module for', () => {
  it('names the cell, with a clear message and no row', async () => {
    const config = taskConfig('mnist', 'tiny', { cell: 'minGru' });
    expect(torchUnsupported(config)).toBe('PyTorch has no module for the minGru cell (--cell minGru); the torch peer mirrors rnn, lstm and gru (nn.RNN, nn.LSTM, nn.GRU)');
    const run = await runTorchPeer(config, () => {});
    expect(run).toMatchObject({ backend: 'peer:torch', status: 'unavailable', reason: torchUnsupported(config) });
    expect(torchUnsupported(taskConfig('movingMnist', 'tiny'))).toMatch(/no ConvLSTM module/);
    expect(torchUnsupported(taskConfig('mnist', 'tiny', { cell: 'gru' }))).toBeUndefined();
  });
});
