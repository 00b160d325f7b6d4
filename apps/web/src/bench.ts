// One benchmark run: the same model, data and seed on each backend in turn; one backend at a time,
// so they never compete for the page's thread or its GPU.
import type { Dataset, Sequential } from '@rnnkit/core';
import { adam, BACKENDS, layers, type BackendEntry } from './backends.js';
import type { Profile } from './profiles.js';

export type Status = 'pending' | 'running' | 'ok' | 'unsupported' | 'failed';

export interface BackendResult {
  readonly id: string;
  readonly family: BackendEntry['family'];
  status: Status;
  /** The backend's own name and device, e.g. `tfjs-webgl` / `tfjs 4.22.0 webgl (WebGL 2, …, ANGLE (…SwiftShader…))`. */
  name?: string;
  device?: string;
  /** Why the backend did not run: the browser's own error. */
  reason?: string;
  /** Training loss of every batch, in order. */
  readonly batchLosses: number[];
  trainSamplesPerSecond?: number;
  inferenceSamplesPerSecond?: number;
  accuracy?: number;
  testLoss?: number;
}

export interface Progress {
  readonly result: BackendResult;
  readonly done: number;
  readonly total: number;
}

export function modelLayers(p: Profile) {
  return [layers.lstm({ inputSize: 28, hiddenSize: p.hiddenSize }), layers.dense({ units: 10 })];
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Runs every backend. `keep` decides which trained model survives for the digit pad (the others
 * are disposed at once: tfjs has one engine per page, so its models cannot all stay alive).
 */
export async function runBenchmark(
  p: Profile,
  data: { train: Dataset; test: Dataset },
  onProgress: (pr: Progress) => void,
): Promise<{ results: BackendResult[]; model: Sequential | undefined }> {
  const results: BackendResult[] = BACKENDS.map((b) => ({ id: b.id, family: b.family, status: 'pending', batchLosses: [] }));
  let kept: Sequential | undefined;
  const batches = Math.ceil(p.train / p.batchSize) * p.epochs;
  for (const [i, entry] of BACKENDS.entries()) {
    const r = results[i]!;
    r.status = 'running';
    onProgress({ result: r, done: 0, total: batches });
    let model: Sequential;
    try {
      model = await entry.build(modelLayers(p), p.seed);
    } catch (e) {
      r.status = 'unsupported';
      r.reason = message(e);
      onProgress({ result: r, done: 0, total: batches });
      continue;
    }
    r.name = model.backend.name;
    r.device = model.backend.device;
    try {
      let done = 0;
      const t0 = performance.now();
      await model.fit(data.train, {
        epochs: p.epochs,
        batchSize: p.batchSize,
        optimizer: adam({ lr: p.lr }),
        loss: 'softmaxCrossEntropy',
        callbacks: {
          onBatchEnd: async (log) => {
            r.batchLosses.push(log.loss);
            onProgress({ result: r, done: ++done, total: batches });
            // Let the page paint between batches.
            await new Promise((resolve) => setTimeout(resolve, 0));
          },
        },
      });
      r.trainSamplesPerSecond = (p.train * p.epochs) / ((performance.now() - t0) / 1000);
      const t1 = performance.now();
      const ev = await model.evaluate(data.test, { batchSize: 256 });
      r.inferenceSamplesPerSecond = p.test / ((performance.now() - t1) / 1000);
      r.accuracy = ev.accuracy;
      r.testLoss = ev.loss;
      r.status = 'ok';
    } catch (e) {
      r.status = 'failed';
      r.reason = message(e);
    }
    onProgress({ result: r, done: batches, total: batches });
    // The first model that trained (js, normally) stays for the digit pad.
    if (r.status === 'ok' && kept === undefined && entry.family !== 'tfjs') kept = model;
    else model.dispose();
  }
  return { results, model: kept };
}
