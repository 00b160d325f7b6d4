// How close a backend must come to the float64 reference, derived once from the precision it
// declares. Every comparison in the suite is |actual − reference| ≤ tol · max(1, |reference|):
// absolute near zero (where relative error is meaningless: gates saturate, gradients cancel)
// and relative for large values (losses, long sums).
//
// Why these numbers:
// - float64 backends compute the same equations in the same precision as the reference; only
//   summation order may differ, which costs ~1e-15 per operation. 1e-9 leaves six orders of
//   headroom and still catches any real bug (a wrong gate or a missing term is ≥ 1e-3).
// - float32 carries ~6e-8 relative per rounding. A forward pass over the suite's shapes
//   (T ≤ 8, H ≤ 8, ≤ 2 stacked layers) accumulates ~1e-6 on the JS fast path; GPU paths
//   (WebGL on a software rasteriser, reduced-precision exp/tanh) reach ~1e-5. 1e-4 covers both.
// - Gradients run the recurrence backwards through every step and layer and sum T·B products
//   per weight, roughly squaring the forward chain's conditioning: 1e-3.
// - One optimizer update is a handful of element-wise operations: forward tolerance.
// - A loss trace over ~20 training steps compounds every step's rounding through the weights;
//   measured drift on float32 is ~1e-5 relative, 2e-3 leaves room for GPU transcendental error.
// - The model API hands data across the host boundary as Float32Array (inputs, outputs, states,
//   getWeights), so model-level comparisons can never be tighter than float32: `host` is at
//   least 1e-6 even for float64 backends.
import type { Precision } from '@rnnkit/core';

export interface Tolerance {
  /** Forward values: layer outputs, states, losses, element-wise ops. */
  readonly forward: number;
  /** Gradients: backward through T steps and stacked layers. */
  readonly gradient: number;
  /** One optimizer update. */
  readonly update: number;
  /** Loss traces over ~20 training steps, and weights after training steps. */
  readonly trace: number;
  /** Values that crossed the model API's Float32Array host boundary. */
  readonly host: number;
}

/** Agreement the float64 reference must reach with PyTorch's float64 golden numbers. */
export const GOLDEN_REFERENCE_TOLERANCE = 1e-10;

/** Central differences in float64 with eps 1e-6: truncation ~1e-12, rounding ~1e-9 on O(10) losses. */
export const FINITE_DIFFERENCE_EPS = 1e-6;
export const FINITE_DIFFERENCE_TOLERANCE = 1e-6;

export function toleranceFor(precision: Precision): Tolerance {
  switch (precision) {
    case 'float64':
      return { forward: 1e-9, gradient: 1e-9, update: 1e-9, trace: 1e-8, host: 1e-6 };
    case 'float32':
      return { forward: 1e-4, gradient: 1e-3, update: 1e-4, trace: 2e-3, host: 1e-4 };
    default:
      throw new Error(`backend.precision: expected 'float32' or 'float64', got ${String(precision)}`);
  }
}
