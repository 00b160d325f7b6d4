// Dense (PyTorch Linear): y = x wᵀ + b.

import * as tf from '@tensorflow/tfjs-core';
import { matMulNN, matMulNT, matMulTN } from './matmul.js';

export type DenseSavedTensors = { /** [N, I] */ x: tf.Tensor; /** [U, I] */ w: tf.Tensor };

// w: [U, I]  b: [U]  x: [N, I]  →  y: [N, U]; saves x and w (clones sharing data, not the caller's handles).
export function denseForward(w: tf.Tensor, b: tf.Tensor, x: tf.Tensor, training: boolean): { y: tf.Tensor; saved: DenseSavedTensors | null } {
  const y = matMulNT(x, w, b);
  return { y, saved: training ? { x: tf.clone(x), w: tf.clone(w) } : null };
}

// dy: [N, U]  →  dx = dy w: [N, I], dw = dyᵀ x: [U, I], db = Σ_n dy: [U]
export function denseBackward(s: DenseSavedTensors, dy: tf.Tensor): { dx: tf.Tensor; dw: tf.Tensor; db: tf.Tensor } {
  return { dx: matMulNN(dy, s.w), dw: matMulTN(dy, s.x), db: tf.sum(dy, 0) };
}
