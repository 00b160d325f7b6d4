// Optimizer arithmetic with torch.optim's formulas. Each function returns the new tensors;
// the backend swaps them into the caller's handles (in-place semantics) and frees the old ones.

import * as tf from '@tensorflow/tfjs-core';
import type { AdamHyper, RmspropHyper, SgdHyper } from '@rnnkit/core';

function withWeightDecay(p: tf.Tensor, g: tf.Tensor, weightDecay: number): tf.Tensor {
  return weightDecay === 0 ? g : tf.add(g, tf.mul(p, tf.scalar(weightDecay)));
}

// torch.optim.Adam (L2 decay added to the gradient):
//   g += wd·p;  m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
//   p −= (lr / (1−β1^t)) · m / (sqrt(v) / sqrt(1−β2^t) + eps)
export function adamUpdate(p: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, h: AdamHyper): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const g = withWeightDecay(p, grad, h.weightDecay);
  const m2 = tf.add(tf.mul(m, tf.scalar(h.beta1)), tf.mul(g, tf.scalar(1 - h.beta1)));
  const v2 = tf.add(tf.mul(v, tf.scalar(h.beta2)), tf.mul(tf.square(g), tf.scalar(1 - h.beta2)));
  const bc1 = 1 - Math.pow(h.beta1, h.step);
  const bc2 = 1 - Math.pow(h.beta2, h.step);
  const denom = tf.add(tf.div(tf.sqrt(v2), tf.scalar(Math.sqrt(bc2))), tf.scalar(h.eps));
  const p2 = tf.sub(p, tf.mul(tf.div(m2, denom), tf.scalar(h.lr / bc1)));
  return { p: p2, m: m2, v: v2 };
}

// torch.optim.SGD: g += wd·p; with momentum: buf = g at the first step, else μ buf + (1−dampening) g;
// nesterov: g += μ buf, else g = buf;  p −= lr g
export function sgdUpdate(
  p: tf.Tensor,
  grad: tf.Tensor,
  velocity: tf.Tensor,
  h: SgdHyper & { readonly first: boolean },
): { p: tf.Tensor; velocity: tf.Tensor | null } {
  let g = withWeightDecay(p, grad, h.weightDecay);
  let buf: tf.Tensor | null = null;
  if (h.momentum !== 0) {
    buf = h.first ? tf.clone(g) : tf.add(tf.mul(velocity, tf.scalar(h.momentum)), tf.mul(g, tf.scalar(1 - h.dampening)));
    g = h.nesterov ? tf.add(g, tf.mul(buf, tf.scalar(h.momentum))) : buf;
  }
  return { p: tf.sub(p, tf.mul(g, tf.scalar(h.lr))), velocity: buf };
}

// torch.optim.RMSprop (not centered): g += wd·p;  v = α v + (1−α) g²;  avg = sqrt(v) + eps
//   momentum > 0: buf = μ buf + g/avg, p −= lr buf;  otherwise p −= lr g/avg
export function rmspropUpdate(
  p: tf.Tensor,
  grad: tf.Tensor,
  squareAvg: tf.Tensor,
  buffer: tf.Tensor,
  h: RmspropHyper,
): { p: tf.Tensor; squareAvg: tf.Tensor; buffer: tf.Tensor | null } {
  const g = withWeightDecay(p, grad, h.weightDecay);
  const v = tf.add(tf.mul(squareAvg, tf.scalar(h.alpha)), tf.mul(tf.square(g), tf.scalar(1 - h.alpha)));
  const step = tf.div(g, tf.add(tf.sqrt(v), tf.scalar(h.eps)));
  if (h.momentum > 0) {
    const buf = tf.add(tf.mul(buffer, tf.scalar(h.momentum)), step);
    return { p: tf.sub(p, tf.mul(buf, tf.scalar(h.lr))), squareAvg: v, buffer: buf };
  }
  return { p: tf.sub(p, tf.mul(step, tf.scalar(h.lr))), squareAvg: v, buffer: null };
}
