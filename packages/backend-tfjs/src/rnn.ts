// Elman RNN layer, one direction: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act = tanh | relu.

import * as tf from '@tensorflow/tfjs-core';
import type { RnnNonlinearity } from '@rnnkit/core';
import type { TfParams } from './lstm.js';
import { tidy } from './tidy.js';
import { matMulNN, matMulTN } from './matmul.js';
import {
  inputGradients,
  keepMasks,
  maskTensor,
  outputFromStates,
  projectInput,
  stackTime,
  upstreamSteps,
  type Sequence,
} from './sequence.js';

/** Everything [T, B, ·] is time-major and indexed by original time t. */
export type RnnSavedTensors = {
  /** [T·B, I] */ xFlat: tf.Tensor;
  /** [H, I] */ wIh: tf.Tensor;
  /** [H, H] */ wHh: tf.Tensor;
  /** state after step t (= act(a_t) at valid steps): [T, B, H] */ h: tf.Tensor;
  /** state before step t: [T, B, H] */ hPrev: tf.Tensor;
};

// x: [B, T, I]  h0: [B, H]  →  y: [B, T, H], hT: [B, H]; saves h_t and h_{t−1}.
export function rnnForward(
  seq: Sequence,
  nonlinearity: RnnNonlinearity,
  p: TfParams,
  x: tf.Tensor,
  h0: tf.Tensor | undefined,
  training: boolean,
): { y: tf.Tensor; hT: tf.Tensor; saved: RnnSavedTensors | null } {
  const { B, H } = seq;
  const { xFlat, proj } = projectInput(seq, x, p.wIh, tf.add(p.bIh, p.bHh));
  const xs = tf.unstack(proj);
  const wHhT = tf.transpose(p.wHh);
  const mask = maskTensor(seq);
  const keep = mask === null ? null : keepMasks(mask, H);
  const act = nonlinearity === 'tanh' ? tf.tanh : tf.relu;

  let h = h0 ?? tf.zeros([B, H]);
  const hs: tf.Tensor[] = [], hPrevs: tf.Tensor[] = [];
  for (const t of seq.order) {
    const hIn = h;
    h = tidy(() => {
      const hNew = act(tf.add(xs[t]!, tf.matMul(hIn, wHhT)));
      return keep === null ? hNew : tf.where(keep[t]!, hNew, hIn);
    });
    hPrevs[t] = hIn;
    hs[t] = h;
  }
  const states = stackTime(hs);
  const y = outputFromStates(states, mask);
  const saved: RnnSavedTensors | null = training
    ? { xFlat, wIh: tf.clone(p.wIh), wHh: tf.clone(p.wHh), h: states, hPrev: stackTime(hPrevs) }
    : null;
  return { y, hT: h, saved };
}

// dy: [B, T, H] (optional)  dhT: [B, H] (optional)  →  dx: [B, T, I], dh0: [B, H], dW*, dB*.
//   dA = (dy_t + dh_next) ⊙ act'(a_t),  dh_prev = dA W_hh  (+ the gradient itself at padded steps)
// act' is read off the saved output: 1 − h² for tanh, [h > 0] for relu.
export function rnnBackward(
  seq: Sequence,
  nonlinearity: RnnNonlinearity,
  s: RnnSavedTensors,
  dy: tf.Tensor | undefined,
  dhT: tf.Tensor | undefined,
): { dx: tf.Tensor; dh0: tf.Tensor; dWIh: tf.Tensor; dWHh: tf.Tensor; dBIh: tf.Tensor; dBHh: tf.Tensor } {
  const { B, T, H } = seq;
  const mask = maskTensor(seq);
  let deriv = nonlinearity === 'tanh' ? tf.sub(tf.scalar(1), tf.square(s.h)) : tf.step(s.h);
  let notKeep: tf.Tensor[] | null = null;
  if (mask !== null) {
    deriv = tf.mul(deriv, mask);
    notKeep = tf.unstack(tf.sub(tf.scalar(1), mask));
  }
  const derivSteps = tf.unstack(deriv);
  const dySteps = upstreamSteps(dy, mask);
  let dh = dhT ?? tf.zeros([B, H]);
  const dA: tf.Tensor[] = [];
  for (let k = T - 1; k >= 0; k--) {
    const t = seq.order[k]!;
    const dhIn = dh;
    const step = tidy(() => {
      const dhTot = dySteps === null ? dhIn : tf.add(dhIn, dySteps[t]!);
      const a = tf.mul(dhTot, derivSteps[t]!);
      let dhPrev = matMulNN(a, s.wHh);
      if (notKeep !== null) dhPrev = tf.add(dhPrev, tf.mul(dhTot, notKeep[t]!));
      return { a, dh: dhPrev };
    });
    dA[t] = step.a;
    dh = step.dh;
  }
  const a = tf.reshape(stackTime(dA), [T * B, H]) as tf.Tensor2D;
  const { dx, dWIh, dBIh } = inputGradients(seq, a, s.wIh, s.xFlat);
  const dWHh = matMulTN(a, tf.reshape(s.hPrev, [T * B, H]));
  return { dx, dh0: dh, dWIh, dWHh, dBIh, dBHh: tf.clone(dBIh) };
}
