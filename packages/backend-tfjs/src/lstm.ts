// LSTM layer, one direction. Gate order i, f, g, o (PyTorch).
//   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o),  a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
//   c' = f⊙c + i⊙g   h' = o⊙tanh(c')

import * as tf from '@tensorflow/tfjs-core';
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

export interface TfParams {
  /** [G·H, I] */ readonly wIh: tf.Tensor;
  /** [G·H, H] */ readonly wHh: tf.Tensor;
  /** [G·H] */ readonly bIh: tf.Tensor;
  /** [G·H] */ readonly bHh: tf.Tensor;
}

/** Everything [T, B, ·] is time-major and indexed by original time t. */
export type LstmSavedTensors = {
  /** [T·B, I] */ xFlat: tf.Tensor;
  /** [4H, I] */ wIh: tf.Tensor;
  /** [4H, H] */ wHh: tf.Tensor;
  /** gate activations i, f, g, o: [T, B, H] each */
  i: tf.Tensor;
  f: tf.Tensor;
  g: tf.Tensor;
  o: tf.Tensor;
  /** cell state after step t and before it: [T, B, H] */
  c: tf.Tensor;
  cPrev: tf.Tensor;
  /** hidden state before step t: [T, B, H] */
  hPrev: tf.Tensor;
};

// x: [B, T, I]  h0, c0: [B, H]  →  y: [B, T, H], hT, cT: [B, H]; saves gates, c and h_{t−1} per step.
// One product for the input projection of all steps, then per step one [B,H]×[H,4H] product and
// the gate arithmetic.
export function lstmForward(
  seq: Sequence,
  p: TfParams,
  x: tf.Tensor,
  h0: tf.Tensor | undefined,
  c0: tf.Tensor | undefined,
  training: boolean,
): { y: tf.Tensor; hT: tf.Tensor; cT: tf.Tensor; saved: LstmSavedTensors | null } {
  const { B, T, H } = seq;
  const { xFlat, proj } = projectInput(seq, x, p.wIh, tf.add(p.bIh, p.bHh));
  const xs = tf.unstack(proj);
  const wHhT = tf.transpose(p.wHh);
  const mask = maskTensor(seq);
  const keep = mask === null ? null : keepMasks(mask, H);

  let h = h0 ?? tf.zeros([B, H]);
  let c = c0 ?? tf.zeros([B, H]);
  const is: tf.Tensor[] = [], fs: tf.Tensor[] = [], gs: tf.Tensor[] = [], os: tf.Tensor[] = [];
  const cs: tf.Tensor[] = [], cPrevs: tf.Tensor[] = [], hs: tf.Tensor[] = [], hPrevs: tf.Tensor[] = [];
  for (const t of seq.order) {
    const hIn = h, cIn = c;
    const step = tidy(() => {
      const a = tf.add(xs[t]!, tf.matMul(hIn, wHhT));
      const [ai, af, ag, ao] = tf.split(a, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const i = tf.sigmoid(ai), f = tf.sigmoid(af), g = tf.tanh(ag), o = tf.sigmoid(ao);
      let cNew = tf.add(tf.mul(f, cIn), tf.mul(i, g));
      let hNew = tf.mul(o, tf.tanh(cNew));
      if (keep !== null) {
        cNew = tf.where(keep[t]!, cNew, cIn);
        hNew = tf.where(keep[t]!, hNew, hIn);
      }
      return { i, f, g, o, c: cNew, h: hNew };
    });
    if (training) {
      is[t] = step.i; fs[t] = step.f; gs[t] = step.g; os[t] = step.o;
      cPrevs[t] = cIn; hPrevs[t] = hIn; cs[t] = step.c;
    } else {
      tf.dispose([step.i, step.f, step.g, step.o]);
    }
    h = step.h;
    c = step.c;
    hs[t] = h;
  }
  const y = outputFromStates(stackTime(hs), mask);
  const saved: LstmSavedTensors | null = training
    ? {
        xFlat,
        wIh: tf.clone(p.wIh),
        wHh: tf.clone(p.wHh),
        i: stackTime(is),
        f: stackTime(fs),
        g: stackTime(gs),
        o: stackTime(os),
        c: stackTime(cs),
        cPrev: stackTime(cPrevs),
        hPrev: stackTime(hPrevs),
      }
    : null;
  return { y, hT: h, cT: c, saved };
}

// dy: [B, T, H] (optional)  dhT, dcT: [B, H] (optional)  →  dx: [B, T, I], dh0, dc0: [B, H], dW*, dB*.
// Every per-step factor that does not depend on the incoming gradient is computed for the
// whole sequence first, so the reverse-time loop is 7 ops per step (9 with padding):
//   dh = dy_t + dh_next,  dc = dc_next + dh⊙o⊙(1−tanh²c)
//   dA = [dc, dc, dc, dh] ⊙ [g⊙i(1−i), c_{t−1}⊙f(1−f), i⊙(1−g²), tanh(c)⊙o(1−o)]
//   dc_prev = dc⊙f,  dh_prev = dA W_hh
// Padding: those factors are 0 at padded steps (no gate gradient) and the state gradients pass
// through unchanged, as the forward state did.
export function lstmBackward(
  seq: Sequence,
  s: LstmSavedTensors,
  dy: tf.Tensor | undefined,
  dhT: tf.Tensor | undefined,
  dcT: tf.Tensor | undefined,
): { dx: tf.Tensor; dh0: tf.Tensor; dc0: tf.Tensor; dWIh: tf.Tensor; dWHh: tf.Tensor; dBIh: tf.Tensor; dBHh: tf.Tensor } {
  const { B, T, H } = seq;
  const mask = maskTensor(seq);
  const tc = tf.tanh(s.c);
  const one = tf.scalar(1);
  let factors = tf.concat(
    [
      tf.mul(s.g, tf.mul(s.i, tf.sub(one, s.i))),
      tf.mul(s.cPrev, tf.mul(s.f, tf.sub(one, s.f))),
      tf.mul(s.i, tf.sub(one, tf.square(s.g))),
      tf.mul(tc, tf.mul(s.o, tf.sub(one, s.o))),
    ],
    2,
  );
  let dcFromDh = tf.mul(s.o, tf.sub(one, tf.square(tc)));
  let fPass = s.f;
  let notKeep: tf.Tensor[] | null = null;
  if (mask !== null) {
    factors = tf.mul(factors, mask);
    dcFromDh = tf.mul(dcFromDh, mask);
    const inv = tf.sub(one, mask);
    fPass = tf.add(tf.mul(s.f, mask), inv);
    notKeep = tf.unstack(inv);
  }
  const factorSteps = tf.unstack(factors);
  const dcSteps = tf.unstack(dcFromDh);
  const fSteps = tf.unstack(fPass);
  const dySteps = upstreamSteps(dy, mask);

  let dh = dhT ?? tf.zeros([B, H]);
  let dc = dcT ?? tf.zeros([B, H]);
  const dGates: tf.Tensor[] = [];
  for (let k = T - 1; k >= 0; k--) {
    const t = seq.order[k]!;
    const dhIn = dh, dcIn = dc;
    const step = tidy(() => {
      const dhTot = dySteps === null ? dhIn : tf.add(dhIn, dySteps[t]!);
      const dcTot = tf.add(dcIn, tf.mul(dhTot, dcSteps[t]!));
      const dA = tf.mul(tf.concat([dcTot, dcTot, dcTot, dhTot], 1), factorSteps[t]!);
      let dhPrev = matMulNN(dA, s.wHh);
      if (notKeep !== null) dhPrev = tf.add(dhPrev, tf.mul(dhTot, notKeep[t]!));
      return { dA, dh: dhPrev, dc: tf.mul(dcTot, fSteps[t]!) };
    });
    dGates[t] = step.dA;
    dh = step.dh;
    dc = step.dc;
  }
  const dA = tf.reshape(stackTime(dGates), [T * B, 4 * H]) as tf.Tensor2D;
  const { dx, dWIh, dBIh } = inputGradients(seq, dA, s.wIh, s.xFlat);
  const dWHh = matMulTN(dA, tf.reshape(s.hPrev, [T * B, H]));
  return { dx, dh0: dh, dc0: dc, dWIh, dWHh, dBIh, dBHh: tf.clone(dBIh) };
}
