// Elman RNN layer, one direction, float32 fast path, organised as fast/lstm.ts.

import type { RnnNonlinearity } from '@rnnkit/core';
import {
  maxLength,
  timeAt,
  type RecurrentDims,
  type RecurrentGrads,
  type RecurrentInputs,
  type RecurrentOutputs,
  type RecurrentUpstream,
  type RecurrentWeights,
} from '../recurrent-types.js';
import { copyRange, matmulNT, transpose, sequenceGradients } from './matmul.js';

type W = RecurrentWeights<Float32Array>;

export interface FastRnnCache {
  /** y: [B·T, H], the output (state leaving each step), for the activation's derivative */
  readonly y: Float32Array;
  /** hPrev: [B·T, H], state entering each step */
  readonly hPrev: Float32Array;
}

// x: [B, T, I]  wIh: [H, I]  wHh: [H, H]  bIh, bHh: [H]  h0: [B, H]  lengths: [B]
// returns y: [B, T, H], hT: [B, H], cache for rnnBackward when training
export function rnnForward(
  d: RecurrentDims,
  w: W,
  inp: RecurrentInputs<Float32Array>,
  act: RnnNonlinearity,
  training: boolean,
): RecurrentOutputs<Float32Array, FastRnnCache> {
  const { B, T, I, H } = d;
  const BT = B * T;
  const { lengths, reverse } = inp;
  const xw = new Float32Array(BT * H);
  matmulNT(inp.x, 0, I, w.wIh, 0, I, xw, 0, H, BT, I, H, false);
  const bias = new Float32Array(H);
  for (let j = 0; j < H; j++) bias[j] = w.bIh[j]! + w.bHh[j]!;
  const y = new Float32Array(BT * H);
  const hPrev = training ? new Float32Array(BT * H) : undefined;
  const h = inp.h0.slice();
  const hw = new Float32Array(B * H);
  const tanh = act === 'tanh';
  const S = maxLength(lengths);
  for (let s = 0; s < S; s++) {
    matmulNT(h, 0, H, w.wHh, 0, H, hw, 0, H, B, H, H, false);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const yr = (b * T + timeAt(s, len, reverse)) * H;
      const sr = b * H;
      if (hPrev) copyRange(h, sr, hPrev, yr, H);
      for (let k = 0; k < H; k++) {
        const a = xw[yr + k]! + hw[sr + k]! + bias[k]!;
        const v = tanh ? Math.tanh(a) : a > 0 ? a : 0;
        h[sr + k] = v;
        y[yr + k] = v;
      }
    }
  }
  return { y, hT: h, cT: new Float32Array(B * H), cache: hPrev ? { y: y.slice(), hPrev } : undefined };
}

// cache from rnnForward  dy: [B, T, H]  dhT: [B, H]
// returns dx: [B, T, I], dh0: [B, H], dWIh: [H, I], dWHh: [H, H], dBIh = dBHh: [H]
export function rnnBackward(
  d: RecurrentDims,
  w: W,
  inp: RecurrentInputs<Float32Array>,
  act: RnnNonlinearity,
  cache: FastRnnCache,
  up: RecurrentUpstream<Float32Array>,
): RecurrentGrads<Float32Array> {
  const { B, T, I, H } = d;
  const BT = B * T;
  const { lengths, reverse } = inp;
  const dy = up.dy;
  const yAll = cache.y;
  const dA = new Float32Array(BT * H);
  const step = new Float32Array(B * H);
  const dh = up.dhT ? up.dhT.slice() : new Float32Array(B * H);
  const dhRec = new Float32Array(B * H);
  const wHhT = transpose(w.wHh, 0, H, H, H);
  const tanh = act === 'tanh';
  const S = maxLength(lengths);
  for (let s = S - 1; s >= 0; s--) {
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const yr = (b * T + timeAt(s, len, reverse)) * H;
      const sr = b * H;
      for (let k = 0; k < H; k++) {
        const g = dh[sr + k]! + (dy ? dy[yr + k]! : 0);
        const v = yAll[yr + k]!;
        const da = tanh ? g * (1 - v * v) : v > 0 ? g : 0;
        step[sr + k] = da;
        dA[yr + k] = da;
      }
    }
    matmulNT(step, 0, H, wHhT, 0, H, dhRec, 0, H, B, H, H, false);
    for (let b = 0; b < B; b++) {
      if (s >= lengths[b]!) continue;
      copyRange(dhRec, b * H, dh, b * H, H);
    }
  }
  const { dx, dWIh, dWHh, dB } = sequenceGradients(dA, inp.x, cache.hPrev, w.wIh, BT, H, I, H);
  return { dx, dh0: dh, dc0: new Float32Array(B * H), dWIh, dWHh, dBIh: dB, dBHh: dB.slice() };
}
