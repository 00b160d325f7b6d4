// The contract's primitives (what core's cells write their steps in) as tfjs ops. The backend
// runs each inside tidy, so the intermediates here never outlive a call. Every kernel used is
// registered by wasm and cpu alike; where wasm is slow with the obvious op (transpose flags on
// MatMul, Sum over axis 0) the same result is built from ops it runs fast (see matmul.ts,
// sequence.ts).

import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '@rnnkit/core';
import { sigmoidDeriv } from './activations.js';
import { matMulNN, matMulNT, matMulTN } from './matmul.js';
import { biasGradient } from './sequence.js';

/** op(a) · op(b): a: [M, K] (or [K, M] when transposeA), b: [K, N] (or [N, K] when transposeB) → [M, N] */
export function matmul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (transposeA && transposeB) {
    // aᵀ bᵀ = (b a)ᵀ: one Transpose of the result instead of one of each operand.
    return tf.transpose(matMulNN(b, a));
  }
  if (transposeA) return matMulTN(a, b);
  if (transposeB) return matMulNT(a, b);
  return matMulNN(a, b);
}

/** x·scale + shift; the identity parts are skipped (broadcast scalars cost ~2x a same-shape op on wasm). */
export function affine(x: tf.Tensor, scale: number, shift: number): tf.Tensor {
  const scaled = scale === 1 ? x : tf.mul(x, tf.scalar(scale));
  const shifted = shift === 0 ? scaled : tf.add(scaled, tf.scalar(shift));
  // Still a new tensor when both parts are the identity: the caller disposes the result on its own.
  return shifted === x ? tf.clone(x) : shifted;
}

/** x: [N, K], b: [K] → x + b on every row */
export function addRow(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(x, b);
}

/** x: [N, K] → [K] */
export function sumRows(x: tf.Tensor): tf.Tensor {
  const [N = 0, K = 0] = x.shape;
  // No rows: the product below would have an empty inner dimension.
  return N === 0 ? tf.zeros([K]) : biasGradient(x as tf.Tensor2D);
}

export function activation(f: Activation, x: tf.Tensor): tf.Tensor {
  switch (f) {
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      // tf.tanh, not the 2σ(2a) − 1 of the fused kernels: that form rounds tanh of a tiny a to 0
      // in float32, which a cell's step may not tolerate; the fused kernels are where speed counts.
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
  }
}

/** dy ⊙ f′ from the output y: sigmoid y(1−y), tanh 1−y², relu [y > 0]; same-shape ops only. */
export function activationGrad(f: Activation, y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  switch (f) {
    case 'sigmoid':
      return tf.mul(dy, sigmoidDeriv(y));
    case 'tanh':
      return tf.sub(dy, tf.mul(tf.mul(dy, y), y));
    case 'relu':
      return tf.mul(dy, tf.step(y));
  }
}

/** `size` entries from `start` along `axis`, every other axis whole */
export function slice(x: tf.Tensor, axis: number, start: number, size: number): tf.Tensor {
  const begin = x.shape.map((_, i) => (i === axis ? start : 0));
  const sizes = x.shape.map((d, i) => (i === axis ? size : d));
  return tf.slice(x, begin, sizes);
}

/** Join along `axis` (one tensor: a copy, as tf.concat makes it). */
export function concat(xs: readonly tf.Tensor[], axis: number): tf.Tensor {
  return tf.concat([...xs], axis);
}
