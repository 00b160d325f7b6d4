// The inference reference for backend-onnx (issue #17): the trained model exported by
// exportModelOnnx and run directly in an onnxruntime-node InferenceSession, created with ORT's
// default options as a user would, on the same test batches at the same batch size. backend-onnx's
// predict throughput is then reported as a ratio of it: what rnnkit's model API costs on top of
// the plain exported graph.
import { createRequire } from 'node:module';
import type { HostTensor, Sequential } from '@rnnkit/core';
import { batchIndices, epochOrder, gatherRows } from '@rnnkit/core/internal';
import type { PlainGraphRun } from './results.js';
import { errorText } from './run-backend.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- onnxruntime-node is resolved at run time from backend-onnx (untyped here on purpose). */
type Ort = any;

/**
 * onnxruntime-node as backend-onnx resolves it: the very binary the backend runs, and no second
 * copy for the bench to depend on.
 */
export async function loadOnnxRuntime(): Promise<{ ort: Ort; version: string }> {
  const backendUrl = import.meta.resolve('@rnnkit/backend-onnx');
  const require = createRequire(backendUrl);
  const ort = require('onnxruntime-node') as Ort;
  const version = (require('onnxruntime-node/package.json') as { version: string }).version;
  return { ort, version };
}

export interface PlainGraphInput {
  readonly model: Sequential;
  /** The test inputs ([N, T, I] float32 rows or [N, T] int32 token ids). */
  readonly x: HostTensor;
  /** How many test samples the backend's last pass scored (the plain graph runs exactly these). */
  readonly samples: number;
  readonly batchSize: number;
  /** The backend's logits over those samples, to check both ran the same model. */
  readonly logits: Float32Array;
  /** The backend's execution provider ('cpu' or 'cuda'). */
  readonly provider: string;
  /** backend-onnx's predict over the same samples (one timed pass), interleaved with the plain passes. */
  readonly predictPass: () => Promise<void>;
  /** Called after each batch (memory sampling). */
  readonly onBatch?: () => void;
}

/** Passes of each side; the best of each is kept, so a burst of load from other processes on one pass does not decide the ratio. */
export const PLAIN_GRAPH_ROUNDS = 3;

/**
 * Exports `model` and times the plain session over the same batches, alternating with backend-onnx's
 * predict, PLAIN_GRAPH_ROUNDS passes each; compares the plain logits with the backend's.
 */
export async function plainGraphInference(input: PlainGraphInput): Promise<PlainGraphRun> {
  const { model, x, samples, batchSize, logits } = input;
  let session: Ort | undefined;
  try {
    const { exportModelOnnx } = (await import('@rnnkit/backend-onnx')) as { exportModelOnnx: (m: Sequential, o?: { idsType?: 'int32' | 'int64' }) => Promise<Uint8Array> };
    const { ort, version } = await loadOnnxRuntime();
    const ids = x.data instanceof Int32Array;
    // int32 ids: the bench's arrays as they are, so neither side converts token ids per batch.
    const bytes = await exportModelOnnx(model, ids ? { idsType: 'int32' } : {});
    const providers = input.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
    // backend-onnx's own session settings (all cores, workers not spinning), so that the ratio is
    // the model API's cost and not a thread setting: ORT's default spinning workers lost up to 30×
    // here when other processes shared the two cores.
    session = await ort.InferenceSession.create(bytes, { executionProviders: providers, extra: { 'session.intra_op.allow_spinning': '0' } });
    const feed = (batch: HostTensor) => (ids ? { ids: new ort.Tensor('int32', batch.data, batch.shape) } : { x: new ort.Tensor('float32', batch.data, batch.shape) });
    const batches = batchIndices(epochOrder(samples, 0, 0, false), batchSize);
    // One untimed run: session start-up (arena, pre-packed weights) is not per-batch work.
    await session.run(feed(gatherRows(x, batches[0]!)));
    const out = new Float32Array(logits.length);
    const row = logits.length / samples;
    let plainBest = 0;
    let predictBest = 0;
    for (let round = 0; round < PLAIN_GRAPH_ROUNDS; round++) {
      let done = 0;
      const t0 = performance.now();
      for (const idx of batches) {
        const result = await session.run(feed(gatherRows(x, idx)));
        out.set(result.logits.data as Float32Array, done * row);
        done += idx.length;
        input.onBatch?.();
      }
      plainBest = Math.max(plainBest, done / ((performance.now() - t0) / 1000));
      const t1 = performance.now();
      await input.predictPass();
      predictBest = Math.max(predictBest, samples / ((performance.now() - t1) / 1000));
    }
    let maxAbsDiff = 0;
    for (let i = 0; i < out.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(out[i]! - logits[i]!));
    return {
      status: 'ok',
      device: `onnxruntime-node ${version} InferenceSession (${providers[0]} provider, all cores, no spinning, as backend-onnx), exportModelOnnx graph${ids ? ' (int32 ids)' : ''}`,
      inferSamplesPerSec: plainBest,
      samples,
      maxAbsDiff,
      predictWarmSamplesPerSec: predictBest,
      rounds: PLAIN_GRAPH_ROUNDS,
    };
  } catch (err) {
    return { status: 'failed', reason: errorText(err) };
  } finally {
    await session?.release?.();
  }
}
