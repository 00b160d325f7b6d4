// One backend on one task, inside its own process: create the backend, load the data, validate
// against the float64 reference, then train (timed), and after every epoch run the test set (timed).
import { Sequential, adam, batchIndices, datasetSize, epochOrder, gatherBatch, type Backend } from '@rnnkit/core';
import { backendEntry, createBackend, createReferenceBackend } from './backends.js';
import { modelLayers, type TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { scoreLogits } from './host-metrics.js';
import { MemorySampler } from './memory.js';
import type { Emit } from './messages.js';
import type { BackendRun, EpochResult } from './results.js';
import { validateBackend } from './validate.js';

export async function runBackend(id: string, config: TaskConfig, emit: Emit): Promise<BackendRun> {
  const started = performance.now();
  const memory = new MemorySampler();
  const entry = backendEntry(id);
  const base = { backend: id, kind: 'rnnkit' as const, epochs: [], lossCurve: [] };
  const finish = (run: Omit<BackendRun, 'wallSeconds' | 'peakRssBytes' | 'maxRssBytes'>): BackendRun => {
    memory.stop();
    return { ...run, peakRssBytes: memory.peakRss, maxRssBytes: memory.maxRss(), wallSeconds: (performance.now() - started) / 1000 };
  };

  let backend: Backend;
  try {
    backend = await createBackend(entry);
  } catch (err) {
    return finish({ ...base, status: 'unavailable', reason: `${entry.packageName}: ${errorText(err)}` });
  }
  const described = { name: backend.name, device: backend.device, precision: backend.precision };
  emit({ type: 'note', text: `${backend.name}: ${backend.device} (${backend.precision})` });

  try {
    emit({ type: 'phase', label: 'load data', total: 1, unit: 'steps' });
    const data = await loadTaskData(config);
    emit({ type: 'tick', done: 1 });
    const specs = modelLayers(config.model);
    const n = datasetSize(data.train);

    // The real first batch of training, checked before anything is timed.
    emit({ type: 'phase', label: 'validate', total: 1, unit: 'steps' });
    const firstBatch = gatherBatch(data.train, batchIndices(epochOrder(n, config.seed, 0, true), config.batchSize)[0]!);
    const reference = await createReferenceBackend();
    const validation = await validateBackend(backend, reference, specs, config.seed, config.loss, firstBatch).finally(() => reference.close());
    emit({ type: 'tick', done: 1 });
    const verdict = `loss ${validation.loss.toPrecision(7)} vs reference ${validation.referenceLoss.toPrecision(7)} (rel. error ${validation.lossError.toExponential(1)}), gradients rel. error ${validation.gradientError.toExponential(1)} (worst: ${validation.worstParameter}), tolerance ${validation.tolerance.toExponential(0)}`;
    emit({ type: 'note', text: `validation ${validation.passed ? 'passed' : 'FAILED'}: ${verdict}` });
    if (!validation.passed) {
      return finish({ ...base, ...described, status: 'failed', reason: `validation against backend-js float64 failed: ${verdict}`, validation });
    }

    const model = Sequential.create(backend, specs, { seed: config.seed });
    const epochs: EpochResult[] = [];
    const lossCurve: number[] = [];
    let trainSeconds = 0;
    let inferSamplesPerSec = 0;
    try {
      let epochStart = 0;
      let lastBatchEnd = 0;
      let done = 0;
      await model.fit(data.train, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        loss: config.loss,
        optimizer: adam({ lr: config.optimizer.lr }),
        callbacks: {
          onEpochBegin: (epoch) => {
            emit({ type: 'phase', label: `train epoch ${epoch + 1}/${config.epochs}`, total: n, unit: 'samples' });
            done = 0;
            epochStart = performance.now();
          },
          onBatchEnd: (log) => {
            lastBatchEnd = performance.now();
            done += log.size;
            lossCurve.push(log.loss);
            memory.sample();
            emit({ type: 'tick', done, loss: log.loss });
          },
          onEpochEnd: async (log) => {
            const seconds = (lastBatchEnd - epochStart) / 1000;
            trainSeconds += seconds;
            const testN = datasetSize(data.test);
            emit({ type: 'phase', label: `test epoch ${log.epoch + 1}/${config.epochs}`, total: testN, unit: 'samples' });
            const t0 = performance.now();
            const logits = await model.predict(data.test.x, {
              batchSize: config.batchSize,
              onBatchEnd: (d) => {
                memory.sample();
                emit({ type: 'tick', done: d });
              },
            });
            const evalSeconds = (performance.now() - t0) / 1000;
            inferSamplesPerSec = testN / evalSeconds;
            const score = scoreLogits(config.loss, logits, data.test.y);
            epochs.push({ epoch: log.epoch, trainLoss: log.loss, testLoss: score.loss, testAccuracy: score.accuracy, trainSeconds: seconds, evalSeconds });
            emit({
              type: 'note',
              text: `epoch ${log.epoch + 1}: train loss ${log.loss.toFixed(4)}, test loss ${score.loss.toFixed(4)}, test accuracy ${(100 * score.accuracy).toFixed(2)}%`,
            });
          },
        },
      });
    } finally {
      model.dispose();
    }
    return finish({
      ...base,
      ...described,
      status: 'ok',
      validation,
      trainSamplesPerSec: (n * config.epochs) / trainSeconds,
      inferSamplesPerSec,
      epochs,
      lossCurve,
    });
  } catch (err) {
    return finish({ ...base, ...described, status: 'failed', reason: errorText(err) });
  } finally {
    backend.close();
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n').slice(0, 4).join(' ');
  return String(err);
}
