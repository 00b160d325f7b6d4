// Cuts one long id sequence (a corpus) into next-character training pairs for a language model.
import { Rng, type Dataset, type HostTensor } from '@rnnkit/core';

export interface CharWindowsOptions {
  /** Steps per window: x and y are [N, seqLen]. */
  readonly seqLen: number;
  /** Start of window k+1 minus start of window k. Default seqLen: every id after the first is a target once. */
  readonly stride?: number;
  /** The first window starts at a seeded offset in [0, stride) (Rng(seed).int(stride)); default offset 0. */
  readonly seed?: number;
}

export interface CharWindows extends Dataset {
  /** [N, seqLen] int32: ids[start … start + seqLen − 1] */
  readonly x: HostTensor<Int32Array>;
  /** [N, seqLen] int32: ids[start + 1 … start + seqLen], the next id after each step of x */
  readonly y: HostTensor<Int32Array>;
  /** Where the first window starts. */
  readonly offset: number;
}

/**
 * Windows of seqLen + 1 ids at offset, offset + stride, …, as many as fit: x = the first seqLen,
 * y = the last seqLen. A new seed per epoch shifts the cut points, so a model does not always see
 * the same text at the same step.
 */
export function charWindows(ids: ArrayLike<number>, options: CharWindowsOptions): CharWindows {
  const { seqLen } = options;
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`charWindows: seqLen: expected a positive integer, got ${JSON.stringify(seqLen)}`);
  const stride = options.stride ?? seqLen;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`charWindows: stride: expected a positive integer, got ${JSON.stringify(stride)}`);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new Error(`charWindows: seed: expected an integer, got ${JSON.stringify(options.seed)}`);
  const offset = options.seed === undefined ? 0 : new Rng(options.seed).int(stride);
  const span = seqLen + 1;
  if (ids.length < offset + span) {
    throw new Error(`charWindows: ids: expected at least offset + seqLen + 1 = ${offset} + ${seqLen} + 1 = ${offset + span} ids, got ${ids.length}`);
  }
  const N = Math.floor((ids.length - offset - span) / stride) + 1;
  const x = new Int32Array(N * seqLen);
  const y = new Int32Array(N * seqLen);
  for (let n = 0; n < N; n++) {
    const start = offset + n * stride;
    for (let t = 0; t < seqLen; t++) {
      x[n * seqLen + t] = ids[start + t]!;
      y[n * seqLen + t] = ids[start + t + 1]!;
    }
  }
  return { x: { data: x, shape: [N, seqLen] }, y: { data: y, shape: [N, seqLen] }, offset };
}
