// PyTorch's conv2d (cross-correlation, stride 1, "same" zero padding (k − 1)/2, k odd) and its two
// gradients, in the contract's NCHW layout with filters [O, C, k, k].
//
// tfjs convolutions are NHWC with filters [k, k, C, O] (wasm's Conv2D refuses NCHW), so the
// tensors are transposed in and out. Both gradients are forward convolutions too (Conv2D and
// FusedConv2D run on both engines, through XNNPACK on wasm): wasm has no Conv2DBackpropFilter
// kernel, and its Conv2DBackpropInput is slow (below). Nothing here uses tf.grad (the Node build
// of tfjs-core registers no gradients).

import * as tf from '@tensorflow/tfjs-core';

/** [B, C, H, W] → [B, H, W, C] */
const toNhwc = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
/** [B, H, W, C] → [B, C, H, W] */
const toNchw = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
/** w: [O, C, k, k] → [k, k, C, O], tfjs's filter layout */
const filterOf = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;

/** x: [B, C, H, W], w: [O, C, k, k], bias: [O] or absent → y: [B, O, H, W] */
export function conv2d(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
  // 'same' at stride 1 pads (k − 1)/2 on each side for an odd k: PyTorch's padding exactly.
  const y = tf.fused.conv2d({ x: toNhwc(x), filter: filterOf(w), strides: 1, pad: 'same', bias });
  return toNchw(y);
}

/** dy: [B, O, H, W], w: [O, C, k, k] → dx: [B, C, H, W] */
export function conv2dGradInput(dy: tf.Tensor, w: tf.Tensor): tf.Tensor {
  // dx[b, c, i, j] = Σ_o,u,v dy[b, o, i − u + p, j − v + p] · w[o, c, u, v] is a "same" forward
  // convolution of dy by w flipped in space with its channel roles swapped ([k, k, O, C]). Not
  // tf.conv2dTranspose: wasm's Conv2DBackpropInput is a plain loop, 7x slower than its Conv2D
  // (XNNPACK) on [16, 32, 16, 16] → 64 channels (cpu's is 2x faster than its Conv2D; wasm is the default).
  const flipped = tf.transpose(tf.reverse(w, [2, 3]), [2, 3, 0, 1]) as tf.Tensor4D;
  return toNchw(tf.conv2d(toNhwc(dy), flipped, 1, 'same'));
}

/** x: [B, C, H, W], dy: [B, O, H, W] → dw: [O, C, k, k] */
export function conv2dGradFilter(x: tf.Tensor, dy: tf.Tensor, k: number): tf.Tensor {
  // dw[o, c, u, v] = Σ_b,i,j x_pad[b, c, i + u, j + v] · dy[b, o, i, j] is a "valid" convolution
  // of x with batch and channels swapped (xs: [C, H, W, B], the batch as input channels) by dy
  // as an H × W filter (fs: [H, W, B, O]); padded by (k − 1)/2 its output is [C, k, k, O].
  const xs = tf.transpose(x, [1, 2, 3, 0]) as tf.Tensor4D;
  const fs = tf.transpose(dy, [2, 3, 0, 1]) as tf.Tensor4D;
  // Explicit paddings, not the number (k − 1)/2: with a number tfjs 4.22 sizes both output axes
  // from the filter's height alone, which is wrong for a filter that is not square (H ≠ W).
  const p = (k - 1) / 2;
  const dw = tf.conv2d(xs, fs, 1, [[0, 0], [p, p], [p, p], [0, 0]]); // [C, k, k, O]
  return tf.transpose(dw, [3, 0, 1, 2]);
}
