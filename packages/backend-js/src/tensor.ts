// Tensor handles and saved state of the pure TypeScript backend.
//
// A handle owns one typed array: Float64Array on the float64 (reference) path,
// Float32Array on the float32 (fast) path, Int32Array for int32 tensors whatever the precision.

import type { DType, Saved, Tensor } from '@rnnkit/core';

export type JsArray = Float32Array | Float64Array | Int32Array;

export class JsTensor implements Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The data, row-major. Optimizer updates write into it in place. */
  readonly data: JsArray;
  disposed = false;

  constructor(shape: readonly number[], dtype: DType, data: JsArray) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.data = data;
  }
}

/**
 * What a forward kernel keeps for backward. `arrays` is how many typed arrays it holds that
 * count as live tensors (its cache), so `liveTensors()` sees memory held between forward and backward.
 */
export class JsSaved<P = unknown> implements Saved {
  readonly kind: string;
  readonly payload: P;
  readonly arrays: number;
  disposed = false;

  constructor(kind: string, payload: P, arrays: number) {
    this.kind = kind;
    this.payload = payload;
    this.arrays = arrays;
  }
}
