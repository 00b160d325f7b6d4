// GRU layer, one direction. Gate order r, z, n (PyTorch).
//   r = σ(a_r)  z = σ(a_z), a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (r and z blocks)
//   resetAfter true:  n = tanh(x W_inᵀ + b_in + r⊙(h W_hnᵀ + b_hn))
//   resetAfter false: n = tanh(x W_inᵀ + b_in + (r⊙h) W_hnᵀ + b_hn)
//   h' = (1−z)⊙n + z⊙h = n + z⊙(h − n)

import * as tf from '@tensorflow/tfjs-core';
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
export type GruSavedTensors = {
  /** [T·B, I] */ xFlat: tf.Tensor;
  /** [3H, I] */ wIh: tf.Tensor;
  /** [3H, H] */ wHh: tf.Tensor;
  /** r and z activations: [T, B, 2H] */ rz: tf.Tensor;
  /** n activation: [T, B, H] */ n: tf.Tensor;
  /** resetAfter only: h W_hnᵀ + b_hn, [T, B, H] */ hn: tf.Tensor | null;
  /** hidden state before step t: [T, B, H] */ hPrev: tf.Tensor;
};

// x: [B, T, I]  h0: [B, H]  →  y: [B, T, H], hT: [B, H]; saves r, z, n (and h W_hnᵀ + b_hn) and h_{t−1}.
export function gruForward(
  seq: Sequence,
  resetAfter: boolean,
  p: TfParams,
  x: tf.Tensor,
  h0: tf.Tensor | undefined,
  training: boolean,
): { y: tf.Tensor; hT: tf.Tensor; saved: GruSavedTensors | null } {
  const { B, H } = seq;
  // b_hn sits inside r⊙(·) (resetAfter) or after W_hn (reset-before), so only b_ih joins the input projection.
  const { xFlat, proj } = projectInput(seq, x, p.wIh, p.bIh);
  const [projRz, projN] = tf.split(proj, [2 * H, H], 2) as [tf.Tensor, tf.Tensor];
  const xRz = tf.unstack(projRz);
  const xN = tf.unstack(projN);
  const mask = maskTensor(seq);
  const keep = mask === null ? null : keepMasks(mask, H);
  const wHhT = tf.transpose(p.wHh); // [H, 3H]
  const [wRzT, wNT] = tf.split(wHhT, [2 * H, H], 1) as [tf.Tensor, tf.Tensor];
  const [bRz, bN] = tf.split(p.bHh, [2 * H, H]) as [tf.Tensor, tf.Tensor];

  let h = h0 ?? tf.zeros([B, H]);
  const rzs: tf.Tensor[] = [], ns: tf.Tensor[] = [], hns: tf.Tensor[] = [], hs: tf.Tensor[] = [], hPrevs: tf.Tensor[] = [];
  for (const t of seq.order) {
    const hIn = h;
    const step = tidy(() => {
      let rz: tf.Tensor, hn: tf.Tensor | null, n: tf.Tensor;
      if (resetAfter) {
        const [hRz, hN] = tf.split(matMulNN(hIn, wHhT, p.bHh), [2 * H, H], 1) as [tf.Tensor, tf.Tensor];
        rz = tf.sigmoid(tf.add(xRz[t]!, hRz));
        const r = tf.slice(rz, [0, 0], [B, H]);
        hn = hN;
        n = tf.tanh(tf.add(xN[t]!, tf.mul(r, hN)));
      } else {
        rz = tf.sigmoid(tf.add(xRz[t]!, matMulNN(hIn, wRzT, bRz)));
        const r = tf.slice(rz, [0, 0], [B, H]);
        hn = null;
        n = tf.tanh(tf.add(xN[t]!, matMulNN(tf.mul(r, hIn), wNT, bN)));
      }
      const z = tf.slice(rz, [0, H], [B, H]);
      let hNew = tf.add(n, tf.mul(z, tf.sub(hIn, n)));
      if (keep !== null) hNew = tf.where(keep[t]!, hNew, hIn);
      return { rz, n, hn, h: hNew };
    });
    if (training) {
      rzs[t] = step.rz; ns[t] = step.n; hPrevs[t] = hIn;
      if (step.hn !== null) hns[t] = step.hn;
    } else {
      tf.dispose([step.rz, step.n]);
      if (step.hn !== null) step.hn.dispose();
    }
    h = step.h;
    hs[t] = h;
  }
  const y = outputFromStates(stackTime(hs), mask);
  const saved: GruSavedTensors | null = training
    ? {
        xFlat,
        wIh: tf.clone(p.wIh),
        wHh: tf.clone(p.wHh),
        rz: stackTime(rzs),
        n: stackTime(ns),
        hn: resetAfter ? stackTime(hns) : null,
        hPrev: stackTime(hPrevs),
      }
    : null;
  return { y, hT: h, saved };
}

// dy: [B, T, H] (optional)  dhT: [B, H] (optional)  →  dx: [B, T, I], dh0: [B, H], dW*, dB*.
// With dh the total gradient into h' at a step:
//   dA_n = dh⊙(1−z)(1−n²)   dA_z = dh⊙(h_{t−1} − n)⊙z(1−z)
//   resetAfter: dA_r = dA_n⊙(h W_hnᵀ + b_hn)⊙r(1−r); the W_hh side sees [dA_r, dA_z, dA_n⊙r]
//   reset-before: d(r⊙h) = dA_n W_hn, dA_r = d(r⊙h)⊙h_{t−1}⊙r(1−r); the W_hh side sees the same gates
//   dh_prev = (W_hh side) W_hh + dh⊙z (+ d(r⊙h)⊙r in reset-before)
// Factors independent of dh are precomputed for the whole sequence, masked to 0 at padded steps,
// where z is replaced by 1 so the state gradient passes through unchanged.
export function gruBackward(
  seq: Sequence,
  resetAfter: boolean,
  s: GruSavedTensors,
  dy: tf.Tensor | undefined,
  dhT: tf.Tensor | undefined,
): { dx: tf.Tensor; dh0: tf.Tensor; dWIh: tf.Tensor; dWHh: tf.Tensor; dBIh: tf.Tensor; dBHh: tf.Tensor } {
  const { B, T, H } = seq;
  const mask = maskTensor(seq);
  const one = tf.scalar(1);
  const [r, z] = tf.split(s.rz, 2, 2) as [tf.Tensor, tf.Tensor];
  let p = tf.mul(tf.sub(one, z), tf.sub(one, tf.square(s.n))); // dA_n / dh
  let q = tf.mul(tf.sub(s.hPrev, s.n), tf.mul(z, tf.sub(one, z))); // dA_z / dh
  let zPass = z;
  if (mask !== null) {
    p = tf.mul(p, mask);
    q = tf.mul(q, mask);
    zPass = tf.add(tf.mul(z, mask), tf.sub(one, mask));
  }
  const zSteps = tf.unstack(zPass);
  const dySteps = upstreamSteps(dy, mask);
  const rDeriv = tf.mul(r, tf.sub(one, r));
  let dh = dhT ?? tf.zeros([B, H]);

  if (resetAfter) {
    // dA (input side) = [dh, dh, dh] ⊙ [p⊙hn⊙r(1−r), q, p];  W_hh side = dA ⊙ [1, 1, r]
    const factorSteps = tf.unstack(tf.concat([tf.mul(p, tf.mul(s.hn!, rDeriv)), q, p], 2));
    const hSideSteps = tf.unstack(tf.concat([tf.onesLike(s.rz), r], 2));
    const dAx: tf.Tensor[] = [], dAh: tf.Tensor[] = [];
    for (let k = T - 1; k >= 0; k--) {
      const t = seq.order[k]!;
      const dhIn = dh;
      const step = tidy(() => {
        const dhTot = dySteps === null ? dhIn : tf.add(dhIn, dySteps[t]!);
        const ax = tf.mul(tf.concat([dhTot, dhTot, dhTot], 1), factorSteps[t]!);
        const ah = tf.mul(ax, hSideSteps[t]!);
        return { ax, ah, dh: tf.add(matMulNN(ah, s.wHh), tf.mul(dhTot, zSteps[t]!)) };
      });
      dAx[t] = step.ax;
      dAh[t] = step.ah;
      dh = step.dh;
    }
    const ax = tf.reshape(stackTime(dAx), [T * B, 3 * H]) as tf.Tensor2D;
    const ah = tf.reshape(stackTime(dAh), [T * B, 3 * H]);
    const { dx, dWIh, dBIh } = inputGradients(seq, ax, s.wIh, s.xFlat);
    const dWHh = matMulTN(ah, tf.reshape(s.hPrev, [T * B, H]));
    return { dx, dh0: dh, dWIh, dWHh, dBIh, dBHh: tf.sum(ah, 0) };
  }

  const [wRz, wN] = tf.split(s.wHh, [2 * H, H], 0) as [tf.Tensor, tf.Tensor];
  const rFactorSteps = tf.unstack(tf.mul(s.hPrev, rDeriv));
  const pSteps = tf.unstack(p);
  const qSteps = tf.unstack(q);
  const rSteps = tf.unstack(r);
  const dArz: tf.Tensor[] = [], dAn: tf.Tensor[] = [];
  for (let k = T - 1; k >= 0; k--) {
    const t = seq.order[k]!;
    const dhIn = dh;
    const step = tidy(() => {
      const dhTot = dySteps === null ? dhIn : tf.add(dhIn, dySteps[t]!);
      const an = tf.mul(dhTot, pSteps[t]!);
      const drh = matMulNN(an, wN); // d(r⊙h_{t−1})
      const arz = tf.concat([tf.mul(drh, rFactorSteps[t]!), tf.mul(dhTot, qSteps[t]!)], 1);
      const dhPrev = tf.add(tf.add(matMulNN(arz, wRz), tf.mul(drh, rSteps[t]!)), tf.mul(dhTot, zSteps[t]!));
      return { arz, an, dh: dhPrev };
    });
    dArz[t] = step.arz;
    dAn[t] = step.an;
    dh = step.dh;
  }
  const arz = tf.reshape(stackTime(dArz), [T * B, 2 * H]);
  const an = tf.reshape(stackTime(dAn), [T * B, H]);
  const ax = tf.concat([arz, an], 1) as tf.Tensor2D;
  const { dx, dWIh, dBIh } = inputGradients(seq, ax, s.wIh, s.xFlat);
  const hPrev = tf.reshape(s.hPrev, [T * B, H]);
  const rh = tf.reshape(tf.mul(r, s.hPrev), [T * B, H]);
  const dWHh = tf.concat([matMulTN(arz, hPrev), matMulTN(an, rh)], 0);
  return { dx, dh0: dh, dWIh, dWHh, dBIh, dBHh: tf.clone(dBIh) };
}
