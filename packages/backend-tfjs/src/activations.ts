// Activation helpers shaped around tfjs-backend-wasm's costs (measured on [128, 128] blocks):
// Sigmoid is vectorised (XNNPACK) while Tanh is scalar code, ~8x slower; binary ops with a
// broadcast scalar take ~2x as long as with same-shape operands.

import * as tf from '@tensorflow/tfjs-core';

/**
 * tanh(a) = 2σ(2a) − 1, given s = σ(2a) (fused into the product when the weights are doubled,
 * see gateWeights) and `ones` of the same shape. Absolute error stays around 1e-7 in float32.
 */
export function tanhFromSigmoid(s: tf.Tensor, ones: tf.Tensor): tf.Tensor {
  return tf.sub(tf.add(s, s), ones);
}

/** tanh(a) through tanhFromSigmoid. */
export function fastTanh(a: tf.Tensor, ones: tf.Tensor): tf.Tensor {
  return tanhFromSigmoid(tf.sigmoid(tf.add(a, a)), ones);
}

/** x⊙(1−x) without a broadcast constant: the derivative of σ read off its output. */
export function sigmoidDeriv(x: tf.Tensor): tf.Tensor {
  return tf.sub(x, tf.mul(x, x));
}

/** 1 − x²: the derivative of tanh read off its output. */
export function tanhDeriv(x: tf.Tensor, ones: tf.Tensor): tf.Tensor {
  return tf.sub(ones, tf.mul(x, x));
}
