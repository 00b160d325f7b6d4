// Tensor handles and the ledger of everything this backend owns.
import type { DType, Tensor } from '@rnnkit/core';
import { release, type Storage } from './engine.js';

/** A float tensor (texture or, after a gpu.js fallback, a Float32Array) or an int32 tensor (always host). */
export class GpujsTensor implements Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Float data; swapped by in-place updates (optimizers, scaleInPlace). */
  storage: Storage | undefined;
  /** int32 data. */
  readonly ints: Int32Array | undefined;
  disposed = false;

  constructor(shape: readonly number[], dtype: DType, storage: Storage | undefined, ints: Int32Array | undefined) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = shapeSize(shape);
    this.storage = storage;
    this.ints = ints;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Counts live handles and the buffers kept inside Saved objects, and frees storage exactly once.
 * `liveTensors()` reads `count`; the leak test also checks that textures are really deleted.
 */
export class Ledger {
  count = 0;
  own(): void {
    this.count++;
  }
  free(s: Storage | undefined): void {
    this.count--;
    if (s !== undefined) release(s);
  }
}
