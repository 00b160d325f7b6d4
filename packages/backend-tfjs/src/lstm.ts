// LSTM layer, one direction. Gate order i, f, g, o (PyTorch).
//   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o),  a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
//   c' = f⊙c + i⊙g   h' = o⊙tanh(c')
// (sequence.ts explains why steps are computed gate by gate and nothing is sliced in the loops.)

import * as tf from '@tensorflow/tfjs-core';
import { fastTanh, sigmoidDeriv, tanhDeriv, tanhFromSigmoid } from './activations.js';
import { biasGradient, gateWeights, inputGradients, inputSteps, joinSteps, outputFromStates, stepMasks, upstreamSteps, weightGradient, type Sequence, type TfParams } from './sequence.js';
import { tidy } from './tidy.js';

/** Per-step arrays are indexed by original time t; every tensor is owned by the Saved. */
export type LstmSavedTensors = {
  /** [T·B, I], time-major */ xFlat: tf.Tensor;
  /** [4H, I] */ wIh: tf.Tensor;
  /** [4H, H] */ wHh: tf.Tensor;
  /** hidden state before step t: [B, H] each */ hPrev: tf.Tensor[];
  /** ∂(pre-activations)/∂(dc, dc, dc, dh): [g⊙i(1−i), c_{t−1}⊙f(1−f), i⊙(1−g²), tanh(c)⊙o(1−o)], [B, 4H], 0 at padding */
  factors: tf.Tensor[];
  /** ∂c/∂h through h = o⊙tanh(c): o⊙(1−tanh²c), [B, H], 0 at padding */
  dcFromDh: tf.Tensor[];
  /** ∂c_t/∂c_{t−1} = f, [B, H]; 1 at padding (the state passes through) */
  fPass: tf.Tensor[];
};

// x: [B, T, I]  h0, c0: [B, H]  →  y: [B, T, H], hT, cT: [B, H].
// Per step: one Concat [x_t, h] and four fused products (bias and σ fused), then the cell
// arithmetic; with training, backward's per-step factors are computed here too.
export function lstmForward(
  seq: Sequence,
  p: TfParams,
  x: tf.Tensor,
  h0: tf.Tensor | undefined,
  c0: tf.Tensor | undefined,
  training: boolean,
): { y: tf.Tensor; hT: tf.Tensor; cT: tf.Tensor; saved: LstmSavedTensors | null } {
  const { B, T, H } = seq;
  const { w, b } = gateWeights(p.wIh, p.wHh, tf.add(p.bIh, p.bHh), 4, [2]);
  const ones = tf.ones([B, H]);
  const { steps: xs, xFlat } = inputSteps(x);
  const masks = stepMasks(seq);

  // The saved states must not alias the caller's h0 (the caller may dispose it after forward).
  let h = h0 === undefined ? tf.zeros([B, H]) : tf.clone(h0);
  let c = c0 ?? tf.zeros([B, H]);
  const hs: tf.Tensor[] = [], hPrev: tf.Tensor[] = [];
  const factors: tf.Tensor[] = [], dcFromDh: tf.Tensor[] = [], fPass: tf.Tensor[] = [];
  for (const t of seq.order) {
    const hIn = h, cIn = c;
    const step = tidy(() => {
      const xh = tf.concat([xs[t]!, hIn], 1);
      const i = tf.fused.matMul({ a: xh, b: w[0]!, bias: b[0], activation: 'sigmoid' });
      const f = tf.fused.matMul({ a: xh, b: w[1]!, bias: b[1], activation: 'sigmoid' });
      const g = tanhFromSigmoid(tf.fused.matMul({ a: xh, b: w[2]!, bias: b[2], activation: 'sigmoid' }), ones);
      const o = tf.fused.matMul({ a: xh, b: w[3]!, bias: b[3], activation: 'sigmoid' });
      let cNew = tf.add(tf.mul(f, cIn), tf.mul(i, g));
      const tc = fastTanh(cNew, ones);
      let hNew = tf.mul(o, tc);
      let back: { factors: tf.Tensor; dcFromDh: tf.Tensor; fPass: tf.Tensor } | null = null;
      if (training) {
        let fac = tf.concat(
          [
            tf.mul(g, sigmoidDeriv(i)),
            tf.mul(cIn, sigmoidDeriv(f)),
            tf.mul(i, tanhDeriv(g, ones)),
            tf.mul(tc, sigmoidDeriv(o)),
          ],
          1,
        );
        let dcdh = tf.mul(o, tanhDeriv(tc, ones));
        let fp = f;
        if (masks !== null) {
          fac = tf.mul(fac, masks.on[t]!);
          dcdh = tf.mul(dcdh, masks.on[t]!);
          fp = tf.add(tf.mul(f, masks.on[t]!), masks.off[t]!);
        }
        back = { factors: fac, dcFromDh: dcdh, fPass: fp };
      }
      if (masks !== null) {
        cNew = tf.where(masks.keep[t]!, cNew, cIn);
        hNew = tf.where(masks.keep[t]!, hNew, hIn);
      }
      return { c: cNew, h: hNew, back };
    });
    if (step.back !== null) {
      factors[t] = step.back.factors;
      dcFromDh[t] = step.back.dcFromDh;
      fPass[t] = step.back.fPass;
    }
    hPrev[t] = hIn;
    h = step.h;
    c = step.c;
    hs[t] = h;
  }
  const y = outputFromStates(seq, hs);
  const saved: LstmSavedTensors | null = training
    ? { xFlat, wIh: tf.clone(p.wIh), wHh: tf.clone(p.wHh), hPrev, factors, dcFromDh, fPass }
    : null;
  return { y, hT: h, cT: c, saved };
}

// dy: [B, T, H] (optional)  dhT, dcT: [B, H] (optional)  →  dx: [B, T, I], dh0, dc0: [B, H], dW*, dB*.
// Reverse-time loop, 7 ops per step (8 with padding):
//   dh = dy_t + dh_next,  dc = dc_next + dh⊙o⊙(1−tanh²c)
//   dA = [dc, dc, dc, dh] ⊙ factors_t,  dc_prev = dc⊙f,  dh_prev = dA W_hh (+ dh at padded steps)
// then dW_ih = dAᵀ X, dW_hh = dAᵀ H_prev, db = Σ dA as single products over the whole sequence.
export function lstmBackward(
  seq: Sequence,
  s: LstmSavedTensors,
  dy: tf.Tensor | undefined,
  dhT: tf.Tensor | undefined,
  dcT: tf.Tensor | undefined,
): { dx: tf.Tensor; dh0: tf.Tensor; dc0: tf.Tensor; dWIh: tf.Tensor; dWHh: tf.Tensor; dBIh: tf.Tensor; dBHh: tf.Tensor } {
  const { B, T, H } = seq;
  const masks = stepMasks(seq, false);
  const dys = upstreamSteps(seq, dy);
  let dh = dhT ?? tf.zeros([B, H]);
  let dc = dcT ?? tf.zeros([B, H]);
  const dAs: tf.Tensor[] = [];
  for (let k = T - 1; k >= 0; k--) {
    const t = seq.order[k]!;
    const dhIn = dh, dcIn = dc;
    const step = tidy(() => {
      const dhTot = dys === null ? dhIn : tf.add(dhIn, dys[t]!);
      const dcTot = tf.add(dcIn, tf.mul(dhTot, s.dcFromDh[t]!));
      const dA = tf.mul(tf.concat([dcTot, dcTot, dcTot, dhTot], 1), s.factors[t]!);
      let dhPrev = tf.matMul(dA, s.wHh as tf.Tensor2D) as tf.Tensor;
      if (masks !== null) dhPrev = tf.add(dhPrev, tf.mul(dhTot, masks.off[t]!));
      return { dA, dh: dhPrev, dc: tf.mul(dcTot, s.fPass[t]!) };
    });
    dAs[t] = step.dA;
    dh = step.dh;
    dc = step.dc;
  }
  const dA = joinSteps(dAs);
  const { dx, dWIh, dBIh } = inputGradients(seq, dA, s.wIh, s.xFlat);
  const dWHh = weightGradient(dA, joinSteps(s.hPrev));
  return { dx, dh0: dh, dc0: dc, dWIh, dWHh, dBIh, dBHh: tf.clone(dBIh) };
}
