// Elman RNN layer, one direction: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act = tanh | relu.

import * as tf from '@tensorflow/tfjs-core';
import type { RnnNonlinearity } from '@rnnkit/core';
import { tanhDeriv, tanhFromSigmoid } from './activations.js';
import { biasGradient, gateWeights, inputGradients, inputSteps, joinSteps, outputFromStates, stepMasks, upstreamSteps, weightGradient, type Sequence, type TfParams } from './sequence.js';
import { tidy } from './tidy.js';

/** Per-step arrays are indexed by original time t; every tensor is owned by the Saved. */
export type RnnSavedTensors = {
  /** [T·B, I], time-major */ xFlat: tf.Tensor;
  /** [H, I] */ wIh: tf.Tensor;
  /** [H, H] */ wHh: tf.Tensor;
  /** state before step t: [B, H] */ hPrev: tf.Tensor[];
  /** act'(a_t): 1 − h² (tanh) or [h > 0] (relu), [B, H], 0 at padding */ deriv: tf.Tensor[];
};

// x: [B, T, I]  h0: [B, H]  →  y: [B, T, H], hT: [B, H]. Per step: Concat [x_t, h], one fused product.
export function rnnForward(
  seq: Sequence,
  nonlinearity: RnnNonlinearity,
  p: TfParams,
  x: tf.Tensor,
  h0: tf.Tensor | undefined,
  training: boolean,
): { y: tf.Tensor; hT: tf.Tensor; saved: RnnSavedTensors | null } {
  const { B, H } = seq;
  const tanh = nonlinearity === 'tanh';
  const { w, b } = gateWeights(p.wIh, p.wHh, tf.add(p.bIh, p.bHh), 1, tanh ? [0] : []);
  const ones = tf.ones([B, H]);
  const { steps: xs, xFlat } = inputSteps(x);
  const masks = stepMasks(seq);

  let h = h0 === undefined ? tf.zeros([B, H]) : tf.clone(h0);
  const hs: tf.Tensor[] = [], hPrev: tf.Tensor[] = [], deriv: tf.Tensor[] = [];
  for (const t of seq.order) {
    const hIn = h;
    const step = tidy(() => {
      const xh = tf.concat([xs[t]!, hIn], 1);
      const a = tf.fused.matMul({ a: xh, b: w[0]!, bias: b[0], activation: tanh ? 'sigmoid' : 'relu' });
      const hNew = tanh ? tanhFromSigmoid(a, ones) : a;
      let d: tf.Tensor | null = null;
      if (training) {
        d = tanh ? tanhDeriv(hNew, ones) : tf.step(hNew);
        if (masks !== null) d = tf.mul(d, masks.on[t]!);
      }
      return { h: masks === null ? hNew : tf.where(masks.keep[t]!, hNew, hIn), d };
    });
    if (step.d !== null) deriv[t] = step.d;
    hPrev[t] = hIn;
    h = step.h;
    hs[t] = h;
  }
  const y = outputFromStates(seq, hs);
  const saved: RnnSavedTensors | null = training ? { xFlat, wIh: tf.clone(p.wIh), wHh: tf.clone(p.wHh), hPrev, deriv } : null;
  return { y, hT: h, saved };
}

// dy: [B, T, H] (optional)  dhT: [B, H] (optional)  →  dx: [B, T, I], dh0: [B, H], dW*, dB*.
//   dA = (dy_t + dh_next) ⊙ act'(a_t),  dh_prev = dA W_hh  (+ the gradient itself at padded steps)
export function rnnBackward(
  seq: Sequence,
  s: RnnSavedTensors,
  dy: tf.Tensor | undefined,
  dhT: tf.Tensor | undefined,
): { dx: tf.Tensor; dh0: tf.Tensor; dWIh: tf.Tensor; dWHh: tf.Tensor; dBIh: tf.Tensor; dBHh: tf.Tensor } {
  const { B, T, H } = seq;
  const masks = stepMasks(seq, false);
  const dys = upstreamSteps(seq, dy);
  let dh = dhT ?? tf.zeros([B, H]);
  const dAs: tf.Tensor[] = [];
  for (let k = T - 1; k >= 0; k--) {
    const t = seq.order[k]!;
    const dhIn = dh;
    const step = tidy(() => {
      const dhTot = dys === null ? dhIn : tf.add(dhIn, dys[t]!);
      const a = tf.mul(dhTot, s.deriv[t]!);
      let dhPrev = tf.matMul(a, s.wHh as tf.Tensor2D) as tf.Tensor;
      if (masks !== null) dhPrev = tf.add(dhPrev, tf.mul(dhTot, masks.off[t]!));
      return { a, dh: dhPrev };
    });
    dAs[t] = step.a;
    dh = step.dh;
  }
  const a = joinSteps(dAs);
  const { dx, dWIh, dBIh } = inputGradients(seq, a, s.wIh, s.xFlat);
  const dWHh = weightGradient(a, joinSteps(s.hPrev));
  return { dx, dh0: dh, dWIh, dWHh, dBIh, dBHh: tf.clone(dBIh) };
}
