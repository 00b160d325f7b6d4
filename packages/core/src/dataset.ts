// The in-memory data set that `fit`, `evaluate` and `predict` consume, and the seeded batching
// every backend sees identically (same seed and epoch → same sample order).
import { Rng } from './rng.js';

/** Row-major host data with its shape. */
export interface HostTensor<A extends Float32Array | Int32Array = Float32Array | Int32Array> {
  readonly data: A;
  readonly shape: readonly number[];
}

/**
 * Samples along the first axis.
 * - `x`: features `[N, T, I]` float32, or token ids `[N, T]` int32 (models that start with an embedding).
 * - `y`: class labels `[N]` int32 (softmax cross-entropy), per-step labels `[N, T]` int32 (sequence
 *   cross-entropy), binary targets `[N]` float32 (binary cross-entropy), or regression targets float32.
 * - `lengths`: optional per-sample valid lengths in [1, T]; valid steps are the first `lengths[n]`
 *   (post-padding). Sequences padded at the front ('pre') need no lengths: the final state already
 *   follows the last real token.
 */
export interface Dataset {
  readonly x: HostTensor;
  readonly y: HostTensor;
  readonly lengths?: Int32Array | undefined;
}

export function datasetSize(ds: Dataset): number {
  return ds.x.shape[0] ?? 0;
}

/** The sample order for one epoch: a seeded permutation when shuffling, else 0..n-1. */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  if (!shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  // Each epoch's order depends only on (seed, epoch), so resuming at epoch k reproduces it.
  return new Rng(seed * 1000003 + epoch * 7919 + 17).permutation(n);
}

/** Index batches over `order`: the last batch may be smaller. */
export function batchIndices(order: Int32Array, batchSize: number): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize: expected a positive integer, got ${batchSize}`);
  }
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.subarray(i, Math.min(order.length, i + batchSize)));
  return out;
}

/** Gather rows `idx` of a host tensor: `[N, ...rest]` → `[idx.length, ...rest]`. */
export function gatherRows<A extends Float32Array | Int32Array>(t: HostTensor<A>, idx: Int32Array): HostTensor<A> {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const Ctor = t.data.constructor as new (n: number) => A;
  const out = new Ctor(idx.length * row);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i]! * row;
    out.set(t.data.subarray(src, src + row), i * row);
  }
  return { data: out, shape: [idx.length, ...t.shape.slice(1)] };
}

/** The rows of a data set at `idx`, as a new data set (a batch). */
export function gatherBatch(ds: Dataset, idx: Int32Array): Dataset {
  return {
    x: gatherRows(ds.x, idx),
    y: gatherRows(ds.y, idx),
    lengths: ds.lengths ? Int32Array.from(idx, (i) => ds.lengths![i]!) : undefined,
  };
}

/** The first `n` samples (or all, if fewer), without copying. */
export function takeFirst(ds: Dataset, n: number): Dataset {
  const m = Math.min(n, datasetSize(ds));
  const head = <A extends Float32Array | Int32Array>(t: HostTensor<A>): HostTensor<A> => {
    const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
    return { data: t.data.subarray(0, m * row) as A, shape: [m, ...t.shape.slice(1)] };
  };
  return { x: head(ds.x), y: head(ds.y), lengths: ds.lengths?.subarray(0, m) };
}

/**
 * Keras's `validation_split`: the first ⌊N·(1 − fraction)⌋ samples train and the rest (the last
 * fraction) validate, in data order, before any shuffling; views, no copy. Both parts must be
 * non-empty.
 */
export function splitValidation(ds: Dataset, fraction: number): { train: Dataset; validation: Dataset } {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) throw new Error(`validationSplit: expected a number in (0, 1), got ${JSON.stringify(fraction)}`);
  const n = datasetSize(ds);
  const at = Math.floor(n * (1 - fraction));
  if (at < 1 || at >= n) throw new Error(`validationSplit: ${fraction} of ${n} samples leaves ${at} to train and ${n - at} to validate; both need at least one`);
  const rows = <A extends Float32Array | Int32Array>(t: HostTensor<A>, from: number, to: number): HostTensor<A> => {
    const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
    return { data: t.data.subarray(from * row, to * row) as A, shape: [to - from, ...t.shape.slice(1)] };
  };
  const part = (from: number, to: number): Dataset => ({ x: rows(ds.x, from, to), y: rows(ds.y, from, to), lengths: ds.lengths?.subarray(from, to) });
  return { train: part(0, at), validation: part(at, n) };
}
