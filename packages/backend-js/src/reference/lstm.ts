// LSTM layer, one direction, float64 reference. Gate order i, f, g, o (PyTorch).
//   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o),  a = W_ih x + b_ih + W_hh h + b_hh
//   c' = f⊙c + i⊙g,  h' = o⊙tanh(c')
// Written as plain per-sample loops: each sample runs its own valid steps, so sequence lengths
// and the reverse direction need no masking and the code reads like the equations.

import {
  sigmoid,
  timeAt,
  type RecurrentDims,
  type RecurrentGrads,
  type RecurrentInputs,
  type RecurrentOutputs,
  type RecurrentUpstream,
  type RecurrentWeights,
} from '../recurrent-types.js';

export interface LstmCache {
  /** gates: [B, T, 4H], activations i, f, g, o (0 at padded steps) */
  readonly gates: Float64Array;
  /** hPrev, cPrev: [B, T, H], state entering step t */
  readonly hPrev: Float64Array;
  readonly cPrev: Float64Array;
  /** c: [B, T, H], cell state leaving step t */
  readonly c: Float64Array;
}

// x: [B, T, I]  wIh: [4H, I]  wHh: [4H, H]  bIh, bHh: [4H]  h0, c0: [B, H]  lengths: [B]
// returns y: [B, T, H], hT, cT: [B, H] and the cache for lstmBackward
export function lstmForward(
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  training: boolean,
): RecurrentOutputs<Float64Array, LstmCache> {
  const { B, T, I, H } = d;
  const G = 4 * H;
  const y = new Float64Array(B * T * H);
  const hT = new Float64Array(B * H);
  const cT = new Float64Array(B * H);
  const gates = new Float64Array(B * T * G);
  const hPrev = new Float64Array(B * T * H);
  const cPrev = new Float64Array(B * T * H);
  const cOut = new Float64Array(B * T * H);
  const h = new Float64Array(H);
  const c = new Float64Array(H);
  const a = new Float64Array(G);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) {
      h[k] = inp.h0[b * H + k]!;
      c[k] = inp.c0[b * H + k]!;
    }
    const len = inp.lengths[b]!;
    for (let s = 0; s < len; s++) {
      const t = timeAt(s, len, inp.reverse);
      const bt = b * T + t;
      for (let j = 0; j < G; j++) {
        let sum = w.bIh[j]! + w.bHh[j]!;
        for (let k = 0; k < I; k++) sum += w.wIh[j * I + k]! * inp.x[bt * I + k]!;
        for (let k = 0; k < H; k++) sum += w.wHh[j * H + k]! * h[k]!;
        a[j] = sum;
      }
      for (let k = 0; k < H; k++) {
        const ig = sigmoid(a[k]!);
        const fg = sigmoid(a[H + k]!);
        const gg = Math.tanh(a[2 * H + k]!);
        const og = sigmoid(a[3 * H + k]!);
        hPrev[bt * H + k] = h[k]!;
        cPrev[bt * H + k] = c[k]!;
        const cn = fg * c[k]! + ig * gg;
        const hn = og * Math.tanh(cn);
        c[k] = cn;
        h[k] = hn;
        cOut[bt * H + k] = cn;
        y[bt * H + k] = hn;
        gates[bt * G + k] = ig;
        gates[bt * G + H + k] = fg;
        gates[bt * G + 2 * H + k] = gg;
        gates[bt * G + 3 * H + k] = og;
      }
    }
    for (let k = 0; k < H; k++) {
      hT[b * H + k] = h[k]!;
      cT[b * H + k] = c[k]!;
    }
  }
  return { y, hT, cT, cache: training ? { gates, hPrev, cPrev, c: cOut } : undefined };
}

// cache from lstmForward  dy: [B, T, H]  dhT, dcT: [B, H]
// returns dx: [B, T, I], dh0, dc0: [B, H], dWIh: [4H, I], dWHh: [4H, H], dBIh = dBHh: [4H]
export function lstmBackward(
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  cache: LstmCache,
  up: RecurrentUpstream<Float64Array>,
): RecurrentGrads<Float64Array> {
  const { B, T, I, H } = d;
  const G = 4 * H;
  const dx = new Float64Array(B * T * I);
  const dh0 = new Float64Array(B * H);
  const dc0 = new Float64Array(B * H);
  const dWIh = new Float64Array(G * I);
  const dWHh = new Float64Array(G * H);
  const dB = new Float64Array(G);
  const dh = new Float64Array(H);
  const dc = new Float64Array(H);
  const da = new Float64Array(G);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) {
      dh[k] = up.dhT ? up.dhT[b * H + k]! : 0;
      dc[k] = up.dcT ? up.dcT[b * H + k]! : 0;
    }
    const len = inp.lengths[b]!;
    // Walk the sample's steps in the opposite order to the forward pass.
    for (let s = len - 1; s >= 0; s--) {
      const t = timeAt(s, len, inp.reverse);
      const bt = b * T + t;
      for (let k = 0; k < H; k++) {
        const dhk = dh[k]! + (up.dy ? up.dy[bt * H + k]! : 0);
        const ig = cache.gates[bt * G + k]!;
        const fg = cache.gates[bt * G + H + k]!;
        const gg = cache.gates[bt * G + 2 * H + k]!;
        const og = cache.gates[bt * G + 3 * H + k]!;
        const tc = Math.tanh(cache.c[bt * H + k]!);
        const dck = dc[k]! + dhk * og * (1 - tc * tc);
        da[k] = dck * gg * ig * (1 - ig);
        da[H + k] = dck * cache.cPrev[bt * H + k]! * fg * (1 - fg);
        da[2 * H + k] = dck * ig * (1 - gg * gg);
        da[3 * H + k] = dhk * tc * og * (1 - og);
        dc[k] = dck * fg;
      }
      for (let j = 0; j < G; j++) {
        const g = da[j]!;
        dB[j] = dB[j]! + g;
        for (let k = 0; k < I; k++) dWIh[j * I + k] = dWIh[j * I + k]! + g * inp.x[bt * I + k]!;
        for (let k = 0; k < H; k++) dWHh[j * H + k] = dWHh[j * H + k]! + g * cache.hPrev[bt * H + k]!;
      }
      for (let k = 0; k < I; k++) {
        let sum = 0;
        for (let j = 0; j < G; j++) sum += da[j]! * w.wIh[j * I + k]!;
        dx[bt * I + k] = sum;
      }
      for (let k = 0; k < H; k++) {
        let sum = 0;
        for (let j = 0; j < G; j++) sum += da[j]! * w.wHh[j * H + k]!;
        dh[k] = sum;
      }
    }
    for (let k = 0; k < H; k++) {
      dh0[b * H + k] = dh[k]!;
      dc0[b * H + k] = dc[k]!;
    }
  }
  return { dx, dh0, dc0, dWIh, dWHh, dBIh: dB, dBHh: dB.slice() };
}
