// GRU layer, one direction, float32 fast path. Same equations as reference/gru.ts, organised as in
// fast/lstm.ts: one input projection for all steps, one recurrent product per step (two for the
// reset-before form, whose n block multiplies r⊙h and so must wait for r), fused gate passes, and
// weight gradients as whole-sequence products after the time loop.

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
import { columnSums, copyRange, matmulNT, matmulTN, transpose } from './matmul.js';

type W = RecurrentWeights<Float32Array>;

export interface FastGruCache {
  /** gates: [B·T, 3H], activations r, z, n */
  readonly gates: Float32Array;
  /** hn: [B·T, H], W_hn h + b_hn (resetAfter only; the reset-before backward does not need it) */
  readonly hn: Float32Array;
  /** hPrev: [B·T, H], state entering each step */
  readonly hPrev: Float32Array;
  /** rh: [B·T, H], r⊙hPrev (resetBefore only: the input of W_hn) */
  readonly rh: Float32Array;
}

// x: [B, T, I]  wIh: [3H, I]  wHh: [3H, H]  bIh, bHh: [3H]  h0: [B, H]  lengths: [B]
// returns y: [B, T, H], hT: [B, H], cache for gruBackward when training
export function gruForward(
  d: RecurrentDims,
  w: W,
  inp: RecurrentInputs<Float32Array>,
  resetAfter: boolean,
  training: boolean,
): RecurrentOutputs<Float32Array, FastGruCache> {
  const { B, T, I, H } = d;
  const G = 3 * H;
  const BT = B * T;
  const { lengths, reverse } = inp;
  const gates = new Float32Array(BT * G);
  matmulNT(inp.x, 0, I, w.wIh, 0, I, gates, 0, G, BT, I, G, false);
  const y = new Float32Array(BT * H);
  const hnAll = training && resetAfter ? new Float32Array(BT * H) : new Float32Array(0);
  const hPrev = training ? new Float32Array(BT * H) : new Float32Array(0);
  const rhAll = training && !resetAfter ? new Float32Array(BT * H) : new Float32Array(0);
  const h = inp.h0.slice();
  const hw = new Float32Array(B * G);
  const rh = new Float32Array(B * H);
  const { bIh, bHh } = w;
  const S = maxLength(lengths);
  for (let s = 0; s < S; s++) {
    if (resetAfter) {
      matmulNT(h, 0, H, w.wHh, 0, H, hw, 0, G, B, H, G, false);
    } else {
      // r and z blocks first; the n block needs r⊙h.
      matmulNT(h, 0, H, w.wHh, 0, H, hw, 0, G, B, H, 2 * H, false);
      for (let b = 0; b < B; b++) {
        const len = lengths[b]!;
        if (s >= len) continue;
        const gr = (b * T + timeAt(s, len, reverse)) * G;
        for (let k = 0; k < H; k++) {
          const r = 1 / (1 + Math.exp(-(gates[gr + k]! + bIh[k]! + hw[b * G + k]! + bHh[k]!)));
          rh[b * H + k] = r * h[b * H + k]!;
        }
      }
      matmulNT(rh, 0, H, w.wHh, 2 * H * H, H, hw, 2 * H, G, B, H, H, false);
    }
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const bt = b * T + timeAt(s, len, reverse);
      const gr = bt * G;
      const hr = b * G;
      const sr = b * H;
      const yr = bt * H;
      if (training) copyRange(h, sr, hPrev, yr, H);
      if (training && !resetAfter) copyRange(rh, sr, rhAll, yr, H);
      for (let k = 0; k < H; k++) {
        const r = 1 / (1 + Math.exp(-(gates[gr + k]! + bIh[k]! + hw[hr + k]! + bHh[k]!)));
        const z = 1 / (1 + Math.exp(-(gates[gr + H + k]! + bIh[H + k]! + hw[hr + H + k]! + bHh[H + k]!)));
        const hn = hw[hr + 2 * H + k]! + bHh[2 * H + k]!;
        const n = Math.tanh(gates[gr + 2 * H + k]! + bIh[2 * H + k]! + (resetAfter ? r * hn : hn));
        const hNew = (1 - z) * n + z * h[sr + k]!;
        h[sr + k] = hNew;
        y[yr + k] = hNew;
        gates[gr + k] = r;
        gates[gr + H + k] = z;
        gates[gr + 2 * H + k] = n;
        if (training && resetAfter) hnAll[yr + k] = hn;
      }
    }
  }
  const cache = training ? { gates, hn: hnAll, hPrev, rh: rhAll } : undefined;
  return { y, hT: h, cT: new Float32Array(B * H), cache };
}

// cache from gruForward  dy: [B, T, H]  dhT: [B, H]
// returns dx: [B, T, I], dh0: [B, H], dWIh: [3H, I], dWHh: [3H, H], dBIh, dBHh: [3H]
export function gruBackward(
  d: RecurrentDims,
  w: W,
  inp: RecurrentInputs<Float32Array>,
  resetAfter: boolean,
  cache: FastGruCache,
  up: RecurrentUpstream<Float32Array>,
): RecurrentGrads<Float32Array> {
  const { B, T, I, H } = d;
  const G = 3 * H;
  const BT = B * T;
  const { lengths, reverse } = inp;
  const { gates, hn: hnAll, hPrev } = cache;
  const dy = up.dy;
  // Gradients of the input-side pre-activations; for resetAfter the hidden side differs in the
  // n block (dn·r instead of dn), so it gets its own buffer. For resetBefore they are equal.
  const dGx = new Float32Array(BT * G);
  const dGh = resetAfter ? new Float32Array(BT * G) : dGx;
  const step = new Float32Array(B * G); // hidden-side gradients of this step, batch order
  const dh = up.dhT ? up.dhT.slice() : new Float32Array(B * H);
  const dhv = new Float32Array(B * H); // dh plus dy at this step
  const drh = new Float32Array(B * H); // resetBefore: gradient of r⊙h
  const dhRec = new Float32Array(B * H);
  const wHhT = transpose(w.wHh, 0, H, G, H); // [H, 3H]: products with W_hh as rows of W_hhᵀ
  const S = maxLength(lengths);
  for (let s = S - 1; s >= 0; s--) {
    // Pass 1: the n block (and everything, for resetAfter).
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const bt = b * T + timeAt(s, len, reverse);
      const gr = bt * G;
      const yr = bt * H;
      const sr = b * H;
      const st = b * G;
      for (let k = 0; k < H; k++) {
        const g = dh[sr + k]! + (dy ? dy[yr + k]! : 0);
        dhv[sr + k] = g;
        const r = gates[gr + k]!;
        const z = gates[gr + H + k]!;
        const n = gates[gr + 2 * H + k]!;
        const dan = g * (1 - z) * (1 - n * n);
        dGx[gr + 2 * H + k] = dan;
        if (resetAfter) {
          const dar = dan * hnAll[yr + k]! * r * (1 - r);
          const daz = g * (hPrev[yr + k]! - n) * z * (1 - z);
          dGx[gr + k] = dar;
          dGx[gr + H + k] = daz;
          step[st + k] = dar;
          step[st + H + k] = daz;
          step[st + 2 * H + k] = dan * r;
        } else {
          step[st + 2 * H + k] = dan;
        }
      }
      if (resetAfter) copyRange(step, st, dGh, gr, G);
    }
    if (resetAfter) {
      matmulNT(step, 0, G, wHhT, 0, G, dhRec, 0, H, B, G, H, false);
      for (let b = 0; b < B; b++) {
        if (s >= lengths[b]!) continue;
        const gr = (b * T + timeAt(s, lengths[b]!, reverse)) * G;
        for (let k = 0; k < H; k++) dh[b * H + k] = dhRec[b * H + k]! + dhv[b * H + k]! * gates[gr + H + k]!;
      }
      continue;
    }
    // resetBefore: d(r⊙h) = dn_pre [B, H] × W_hn [H, H], then the r and z blocks.
    matmulNT(step, 2 * H, G, wHhT, 2 * H, G, drh, 0, H, B, H, H, false);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const bt = b * T + timeAt(s, len, reverse);
      const gr = bt * G;
      const yr = bt * H;
      const sr = b * H;
      const st = b * G;
      for (let k = 0; k < H; k++) {
        const r = gates[gr + k]!;
        const z = gates[gr + H + k]!;
        const n = gates[gr + 2 * H + k]!;
        const hp = hPrev[yr + k]!;
        const dar = drh[sr + k]! * hp * r * (1 - r);
        const daz = dhv[sr + k]! * (hp - n) * z * (1 - z);
        dGx[gr + k] = dar;
        dGx[gr + H + k] = daz;
        step[st + k] = dar;
        step[st + H + k] = daz;
      }
    }
    matmulNT(step, 0, G, wHhT, 0, G, dhRec, 0, H, B, 2 * H, H, false);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const gr = (b * T + timeAt(s, len, reverse)) * G;
      for (let k = 0; k < H; k++) {
        const i = b * H + k;
        dh[i] = dhRec[i]! + dhv[i]! * gates[gr + H + k]! + drh[i]! * gates[gr + k]!;
      }
    }
  }
  const dx = new Float32Array(BT * I);
  matmulNT(dGx, 0, G, transpose(w.wIh, 0, I, G, I), 0, G, dx, 0, I, BT, G, I, false);
  // dW = dGᵀ · X as matmulNT's dot products along B·T, with dGx transposed once for all its uses.
  const dGxT = transpose(dGx, 0, G, BT, G); // [3H, BT]
  const dWIh = new Float32Array(G * I);
  matmulNT(dGxT, 0, BT, transpose(inp.x, 0, I, BT, I), 0, BT, dWIh, 0, I, G, BT, I, false);
  const dWHh = new Float32Array(G * H);
  if (resetAfter) {
    matmulTN(dGh, 0, G, hPrev, 0, H, dWHh, 0, H, G, BT, H, false);
  } else {
    matmulNT(dGxT, 0, BT, transpose(hPrev, 0, H, BT, H), 0, BT, dWHh, 0, H, 2 * H, BT, H, false);
    matmulNT(dGxT, 2 * H * BT, BT, transpose(cache.rh, 0, H, BT, H), 0, BT, dWHh, 2 * H * H, H, H, BT, H, false);
  }
  return {
    dx,
    dh0: dh,
    dc0: new Float32Array(B * H),
    dWIh,
    dWHh,
    dBIh: columnSums(dGx, 0, G, BT, G),
    dBHh: columnSums(dGh, 0, G, BT, G),
  };
}
