// GRU layer, one direction. Gate order r, z, n (PyTorch).
//   r = σ(a_r)  z = σ(a_z), a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (r and z blocks)
//   resetAfter true:  n = tanh(x W_inᵀ + b_in + r⊙(h W_hnᵀ + b_hn))
//   resetAfter false: n = tanh(x W_inᵀ + b_in + (r⊙h) W_hnᵀ + b_hn)
//   h' = (1−z)⊙n + z⊙h = n + z⊙(h − n)
// (sequence.ts explains why steps are computed gate by gate and nothing is sliced in the loops.)

import * as tf from '@tensorflow/tfjs-core';
import { fastTanh, sigmoidDeriv, tanhDeriv } from './activations.js';
import { biasGradient, gateWeights, inputGradients, inputSteps, joinSteps, outputFromStates, stepMasks, upstreamSteps, weightGradient, type Sequence, type TfParams } from './sequence.js';
import { tidy } from './tidy.js';

/** Per-step arrays are indexed by original time t; every tensor is owned by the Saved. */
export type GruSavedTensors = {
  /** [T·B, I], time-major */ xFlat: tf.Tensor;
  /** [3H, I] */ wIh: tf.Tensor;
  /** [3H, H] */ wHh: tf.Tensor;
  /** W_hh's gradient input per step: h_{t−1} (resetAfter), or h_{t−1} for r, z and r⊙h_{t−1} for n: [B, H] */
  hPrev: tf.Tensor[];
  /** reset-before only: r⊙h_{t−1}, [B, H] */
  rh: tf.Tensor[];
  /** resetAfter: ∂(a_r, a_z, a_n)/∂dh = [p⊙hn⊙r(1−r), q, p], [B, 3H]; reset-before: [q] for z… see gruBackward */
  factorsX: tf.Tensor[];
  /** resetAfter: the W_hh side [p⊙hn⊙r(1−r), q, p⊙r]; reset-before: p = ∂a_n/∂dh, [B, H] */
  factorsH: tf.Tensor[];
  /** reset-before only: h_{t−1}⊙r(1−r) and r, [B, H] */
  rFactor: tf.Tensor[];
  r: tf.Tensor[];
  /** ∂h_t/∂h_{t−1} directly: z, [B, H]; 1 at padding (the state passes through) */
  zPass: tf.Tensor[];
};

// x: [B, T, I]  h0: [B, H]  →  y: [B, T, H], hT: [B, H].
// With dh the total gradient into h' at a step, backward needs
//   p = ∂a_n/∂dh = (1−z)(1−n²),  q = ∂a_z/∂dh = (h_{t−1} − n)⊙z(1−z)
// and (resetAfter) ∂a_r/∂dh = p⊙(h W_hnᵀ + b_hn)⊙r(1−r); all 0 at padded steps.
export function gruForward(
  seq: Sequence,
  resetAfter: boolean,
  p: TfParams,
  x: tf.Tensor,
  h0: tf.Tensor | undefined,
  training: boolean,
): { y: tf.Tensor; hT: tf.Tensor; saved: GruSavedTensors | null } {
  const { B, H } = seq;
  const I = seq.I;
  // r and z: one product on [x_t, h] with the summed bias; n keeps its x and h parts apart
  // (b_hn sits inside r⊙(·) or after W_hn).
  const [bIr, bIz, bIn] = tf.split(p.bIh, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const [bHr, bHz, bHn] = tf.split(p.bHh, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const { w } = gateWeights(p.wIh, p.wHh, tf.add(p.bIh, p.bHh), 3);
  const bR = tf.add(bIr, bHr), bZ = tf.add(bIz, bHz);
  const [wInT, wHnT] = tf.split(w[2]!, [I, H], 0) as [tf.Tensor, tf.Tensor]; // [I, H], [H, H]
  const { steps: xs, xFlat } = inputSteps(x);
  const masks = stepMasks(seq);
  const ones = tf.ones([B, H]);

  let h = h0 === undefined ? tf.zeros([B, H]) : tf.clone(h0);
  const hs: tf.Tensor[] = [], hPrev: tf.Tensor[] = [], rh: tf.Tensor[] = [];
  const factorsX: tf.Tensor[] = [], factorsH: tf.Tensor[] = [], rFactor: tf.Tensor[] = [], rs: tf.Tensor[] = [], zPass: tf.Tensor[] = [];
  for (const t of seq.order) {
    const hIn = h;
    const step = tidy(() => {
      const xh = tf.concat([xs[t]!, hIn], 1);
      const r = tf.fused.matMul({ a: xh, b: w[0]!, bias: bR, activation: 'sigmoid' });
      const z = tf.fused.matMul({ a: xh, b: w[1]!, bias: bZ, activation: 'sigmoid' });
      const xn = tf.fused.matMul({ a: xs[t]! as tf.Tensor2D, b: wInT as tf.Tensor2D, bias: bIn });
      let hn: tf.Tensor | null = null, rhT: tf.Tensor | null = null, n: tf.Tensor;
      if (resetAfter) {
        hn = tf.fused.matMul({ a: hIn as tf.Tensor2D, b: wHnT as tf.Tensor2D, bias: bHn });
        n = fastTanh(tf.add(xn, tf.mul(r, hn)), ones);
      } else {
        rhT = tf.mul(r, hIn);
        n = fastTanh(tf.add(xn, tf.fused.matMul({ a: rhT as tf.Tensor2D, b: wHnT as tf.Tensor2D, bias: bHn })), ones);
      }
      const hMinusN = tf.sub(hIn, n);
      let hNew = tf.add(n, tf.mul(z, hMinusN));
      let back: Record<string, tf.Tensor> | null = null;
      if (training) {
        const rDeriv = sigmoidDeriv(r);
        let pp = tf.mul(tf.sub(ones, z), tanhDeriv(n, ones));
        let q = tf.mul(hMinusN, sigmoidDeriv(z));
        let zp = z;
        if (masks !== null) {
          pp = tf.mul(pp, masks.on[t]!);
          q = tf.mul(q, masks.on[t]!);
          zp = tf.add(tf.mul(z, masks.on[t]!), masks.off[t]!);
        }
        if (hn !== null) {
          const ar = tf.mul(pp, tf.mul(hn, rDeriv));
          back = { fx: tf.concat([ar, q, pp], 1), fh: tf.concat([ar, q, tf.mul(pp, r)], 1), zp };
        } else {
          back = { fx: q, fh: pp, rf: tf.mul(hIn, rDeriv), r, rh: rhT!, zp };
        }
      }
      if (masks !== null) hNew = tf.where(masks.keep[t]!, hNew, hIn);
      return { h: hNew, back };
    });
    if (step.back !== null) {
      const bk = step.back;
      factorsX[t] = bk.fx!;
      factorsH[t] = bk.fh!;
      zPass[t] = bk.zp!;
      if (!resetAfter) {
        rFactor[t] = bk.rf!;
        rs[t] = bk.r!;
        rh[t] = bk.rh!;
      }
    }
    hPrev[t] = hIn;
    h = step.h;
    hs[t] = h;
  }
  const y = outputFromStates(seq, hs);
  const saved: GruSavedTensors | null = training
    ? { xFlat, wIh: tf.clone(p.wIh), wHh: tf.clone(p.wHh), hPrev, rh, factorsX, factorsH, rFactor, r: rs, zPass }
    : null;
  return { y, hT: h, saved };
}

// dy: [B, T, H] (optional)  dhT: [B, H] (optional)  →  dx: [B, T, I], dh0: [B, H], dW*, dB*.
//   resetAfter: dA_x = [dh, dh, dh]⊙[p⊙hn⊙r(1−r), q, p] (input side), dA_h = same with p⊙r in the n block
//               dh_prev = dA_h W_hh + dh⊙z
//   reset-before: dA_n = dh⊙p, d(r⊙h) = dA_n W_hn, dA_rz = [d(r⊙h)⊙h_{t−1}⊙r(1−r), dh⊙q]
//               dh_prev = dA_rz W_hrz + d(r⊙h)⊙r + dh⊙z
// then the weight gradients as single products over the whole sequence.
export function gruBackward(
  seq: Sequence,
  resetAfter: boolean,
  s: GruSavedTensors,
  dy: tf.Tensor | undefined,
  dhT: tf.Tensor | undefined,
): { dx: tf.Tensor; dh0: tf.Tensor; dWIh: tf.Tensor; dWHh: tf.Tensor; dBIh: tf.Tensor; dBHh: tf.Tensor } {
  const { B, T, H } = seq;
  const dys = upstreamSteps(seq, dy);
  let dh = dhT ?? tf.zeros([B, H]);

  if (resetAfter) {
    const dAx: tf.Tensor[] = [], dAh: tf.Tensor[] = [];
    for (let k = T - 1; k >= 0; k--) {
      const t = seq.order[k]!;
      const dhIn = dh;
      const step = tidy(() => {
        const dhTot = dys === null ? dhIn : tf.add(dhIn, dys[t]!);
        const dh3 = tf.concat([dhTot, dhTot, dhTot], 1);
        const ax = tf.mul(dh3, s.factorsX[t]!);
        const ah = tf.mul(dh3, s.factorsH[t]!);
        return { ax, ah, dh: tf.add(tf.matMul(ah, s.wHh as tf.Tensor2D), tf.mul(dhTot, s.zPass[t]!)) };
      });
      dAx[t] = step.ax;
      dAh[t] = step.ah;
      dh = step.dh;
    }
    const ax = joinSteps(dAx);
    const ah = joinSteps(dAh);
    const { dx, dWIh, dBIh } = inputGradients(seq, ax, s.wIh, s.xFlat);
    const dWHh = weightGradient(ah, joinSteps(s.hPrev));
    return { dx, dh0: dh, dWIh, dWHh, dBIh, dBHh: biasGradient(ah) };
  }

  const [wRz, wN] = tf.split(s.wHh, [2 * H, H], 0) as [tf.Tensor2D, tf.Tensor2D];
  const dArz: tf.Tensor[] = [], dAn: tf.Tensor[] = [];
  for (let k = T - 1; k >= 0; k--) {
    const t = seq.order[k]!;
    const dhIn = dh;
    const step = tidy(() => {
      const dhTot = dys === null ? dhIn : tf.add(dhIn, dys[t]!);
      const an = tf.mul(dhTot, s.factorsH[t]!);
      const drh = tf.matMul(an, wN); // d(r⊙h_{t−1})
      const arz = tf.concat([tf.mul(drh, s.rFactor[t]!), tf.mul(dhTot, s.factorsX[t]!)], 1);
      const dhPrev = tf.add(tf.add(tf.matMul(arz, wRz), tf.mul(drh, s.r[t]!)), tf.mul(dhTot, s.zPass[t]!));
      return { arz, an, dh: dhPrev };
    });
    dArz[t] = step.arz;
    dAn[t] = step.an;
    dh = step.dh;
  }
  const arz = joinSteps(dArz);
  const an = joinSteps(dAn);
  const ax = tf.concat([arz, an], 1) as tf.Tensor2D;
  const { dx, dWIh, dBIh } = inputGradients(seq, ax, s.wIh, s.xFlat);
  const dWHh = tf.concat([weightGradient(arz, joinSteps(s.hPrev)), weightGradient(an, joinSteps(s.rh))], 0);
  return { dx, dh0: dh, dWIh, dWHh, dBIh, dBHh: tf.clone(dBIh) };
}
