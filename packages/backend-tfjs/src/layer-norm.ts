// Layer normalisation without gain and shift (the contract's layerNorm) and its gradient, per row
// of x: [N, K]. Backward recomputes the row statistics from x instead of keeping them: the
// contract's gradient takes x, and two row reductions cost less than a Saved would.

import * as tf from '@tensorflow/tfjs-core';

/** x: [N, K] → x̂: [N, K], and rstd: [N, 1] = 1/√(var + eps) (biased variance). */
function normalise(x: tf.Tensor, eps: number): { xHat: tf.Tensor; rstd: tf.Tensor } {
  // tf.moments takes the variance as the mean of squared deviations from the mean (two passes,
  // as core's host loop does), not E[x²] − E[x]², which cancels badly in float32.
  const { mean, variance } = tf.moments(x, -1, true);
  const rstd = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
  return { xHat: tf.mul(tf.sub(x, mean), rstd), rstd };
}

/** x: [N, K] → (x − mean) / √(var + eps) per row */
export function layerNorm(x: tf.Tensor, eps: number): tf.Tensor {
  return normalise(x, eps).xHat;
}

/** x, dy: [N, K] → dx = rstd · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)) per row */
export function layerNormGrad(x: tf.Tensor, dy: tf.Tensor, eps: number): tf.Tensor {
  const { xHat, rstd } = normalise(x, eps);
  const meanDy = tf.mean(dy, -1, true); // [N, 1]
  const meanDyXHat = tf.mean(tf.mul(dy, xHat), -1, true); // [N, 1]
  return tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(xHat, meanDyXHat)), rstd);
}
