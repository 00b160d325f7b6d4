// Elman RNN layer, one direction, float64 reference: h' = act(W_ih x + b_ih + W_hh h + b_hh),
// act = tanh or relu.

import type { RnnNonlinearity } from '@rnnkit/core';
import {
  timeAt,
  type RecurrentDims,
  type RecurrentGrads,
  type RecurrentInputs,
  type RecurrentOutputs,
  type RecurrentUpstream,
  type RecurrentWeights,
} from '../recurrent-types.js';

export interface RnnCache {
  /** hPrev: [B, T, H], state entering step t (the output y holds the state leaving it) */
  readonly hPrev: Float64Array;
  /** y: [B, T, H], the forward output, needed for the activation's derivative */
  readonly y: Float64Array;
}

// x: [B, T, I]  wIh: [H, I]  wHh: [H, H]  bIh, bHh: [H]  h0: [B, H]  lengths: [B]
// returns y: [B, T, H], hT: [B, H] and the cache for rnnBackward
export function rnnForward(
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  act: RnnNonlinearity,
  training: boolean,
): RecurrentOutputs<Float64Array, RnnCache> {
  const { B, T, I, H } = d;
  const y = new Float64Array(B * T * H);
  const hT = new Float64Array(B * H);
  const hPrev = new Float64Array(B * T * H);
  const h = new Float64Array(H);
  const a = new Float64Array(H);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) h[k] = inp.h0[b * H + k]!;
    const len = inp.lengths[b]!;
    for (let s = 0; s < len; s++) {
      const t = timeAt(s, len, inp.reverse);
      const bt = b * T + t;
      for (let j = 0; j < H; j++) {
        let sum = w.bIh[j]! + w.bHh[j]!;
        for (let k = 0; k < I; k++) sum += w.wIh[j * I + k]! * inp.x[bt * I + k]!;
        for (let k = 0; k < H; k++) sum += w.wHh[j * H + k]! * h[k]!;
        a[j] = sum;
      }
      for (let k = 0; k < H; k++) {
        hPrev[bt * H + k] = h[k]!;
        const v = act === 'tanh' ? Math.tanh(a[k]!) : Math.max(0, a[k]!);
        h[k] = v;
        y[bt * H + k] = v;
      }
    }
    for (let k = 0; k < H; k++) hT[b * H + k] = h[k]!;
  }
  return { y, hT, cT: new Float64Array(B * H), cache: training ? { hPrev, y: y.slice() } : undefined };
}

// cache from rnnForward  dy: [B, T, H]  dhT: [B, H]
// returns dx: [B, T, I], dh0: [B, H], dWIh: [H, I], dWHh: [H, H], dBIh = dBHh: [H]
export function rnnBackward(
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  act: RnnNonlinearity,
  cache: RnnCache,
  up: RecurrentUpstream<Float64Array>,
): RecurrentGrads<Float64Array> {
  const { B, T, I, H } = d;
  const dx = new Float64Array(B * T * I);
  const dh0 = new Float64Array(B * H);
  const dWIh = new Float64Array(H * I);
  const dWHh = new Float64Array(H * H);
  const dB = new Float64Array(H);
  const dh = new Float64Array(H);
  const da = new Float64Array(H);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) dh[k] = up.dhT ? up.dhT[b * H + k]! : 0;
    const len = inp.lengths[b]!;
    for (let s = len - 1; s >= 0; s--) {
      const t = timeAt(s, len, inp.reverse);
      const bt = b * T + t;
      for (let k = 0; k < H; k++) {
        const g = dh[k]! + (up.dy ? up.dy[bt * H + k]! : 0);
        const v = cache.y[bt * H + k]!;
        // relu'(a) is taken as 0 at a = 0, as PyTorch does.
        da[k] = act === 'tanh' ? g * (1 - v * v) : v > 0 ? g : 0;
      }
      for (let j = 0; j < H; j++) {
        dB[j] = dB[j]! + da[j]!;
        for (let k = 0; k < I; k++) dWIh[j * I + k] = dWIh[j * I + k]! + da[j]! * inp.x[bt * I + k]!;
        for (let k = 0; k < H; k++) dWHh[j * H + k] = dWHh[j * H + k]! + da[j]! * cache.hPrev[bt * H + k]!;
      }
      for (let k = 0; k < I; k++) {
        let sum = 0;
        for (let j = 0; j < H; j++) sum += da[j]! * w.wIh[j * I + k]!;
        dx[bt * I + k] = sum;
      }
      for (let k = 0; k < H; k++) {
        let sum = 0;
        for (let j = 0; j < H; j++) sum += da[j]! * w.wHh[j * H + k]!;
        dh[k] = sum;
      }
    }
    for (let k = 0; k < H; k++) dh0[b * H + k] = dh[k]!;
  }
  return { dx, dh0, dc0: new Float64Array(B * H), dWIh, dWHh, dBIh: dB, dBHh: dB.slice() };
}
