// Matrix products with explicit transposes. tfjs-backend-wasm 4.22 is about 10x (transposeB)
// to 15x (transposeA) slower with the transpose flags than with a separate Transpose op followed
// by a plain MatMul (measured: [3584,512]ᵀ×[3584,128] 440 ms with transposeA vs 28 ms), so
// every kernel goes through these helpers instead of matMul(a, b, transposeA, transposeB).

import * as tf from '@tensorflow/tfjs-core';

/** a: [M, K], b: [N, K] → a bᵀ: [M, N] (+ bias: [N]) */
export function matMulNT(a: tf.Tensor, b: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  const bT = tf.transpose(b as tf.Tensor2D);
  return (bias === undefined ? tf.matMul(a as tf.Tensor2D, bT) : tf.fused.matMul({ a: a as tf.Tensor2D, b: bT, bias })) as tf.Tensor2D;
}

/** a: [K, M], b: [K, N] → aᵀ b: [M, N] */
export function matMulTN(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.matMul(tf.transpose(a as tf.Tensor2D), b as tf.Tensor2D);
}

/** a: [M, K], b: [K, N] → a b: [M, N] (+ bias: [N]) */
export function matMulNN(a: tf.Tensor, b: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  return (bias === undefined
    ? tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)
    : tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias })) as tf.Tensor2D;
}
