// LSTM layer, one direction, float32 fast path. Same equations as reference/lstm.ts, organised
// around big matrix products:
//   forward:  XW = X [B·T, I] × W_ihᵀ [I, 4H] for all steps at once (plus both biases), then per
//             step one [B, H] × [H, 4H] product and one fused pass over the gates;
//   backward: per step one fused pass producing dGates and one [B, 4H] × [4H, H] product for dh;
//             after the time loop dX, dW_ih and dW_hh are single products over all B·T rows.
// Samples run their own steps (lengths, reverse): at step s, sample b works on time
// t = s (or len_b − 1 − s) while s < len_b. Padded rows of the gate buffers stay 0, so the
// whole-sequence products add nothing for them.

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

export interface FastLstmCache {
  /** gates: [B·T, 4H], activations i, f, g, o */
  readonly gates: Float32Array;
  /** tanhC: [B·T, H], tanh of the cell state leaving each step (kept so backward need not recompute it) */
  readonly tanhC: Float32Array;
  /** hPrev, cPrev: [B·T, H], state entering each step (0 at padded steps) */
  readonly hPrev: Float32Array;
  readonly cPrev: Float32Array;
}

// x: [B, T, I]  wIh: [4H, I]  wHh: [4H, H]  bIh, bHh: [4H]  h0, c0: [B, H]  lengths: [B]
// returns y: [B, T, H], hT, cT: [B, H], cache for lstmBackward when training
export function lstmForward(
  d: RecurrentDims,
  w: W,
  inp: RecurrentInputs<Float32Array>,
  training: boolean,
): RecurrentOutputs<Float32Array, FastLstmCache> {
  const { B, T, I, H } = d;
  const G = 4 * H;
  const BT = B * T;
  const { lengths, reverse } = inp;
  // The gate buffer first holds the input projection, then is overwritten with activations.
  const gates = new Float32Array(BT * G);
  matmulNT(inp.x, 0, I, w.wIh, 0, I, gates, 0, G, BT, I, G, false);
  const bias = new Float32Array(G);
  for (let j = 0; j < G; j++) bias[j] = w.bIh[j]! + w.bHh[j]!;
  const y = new Float32Array(BT * H);
  const tanhC = new Float32Array(BT * H);
  const hPrev = training ? new Float32Array(BT * H) : undefined;
  const cPrev = training ? new Float32Array(BT * H) : undefined;
  const h = inp.h0.slice();
  const c = inp.c0.slice();
  const hw = new Float32Array(B * G);
  const S = maxLength(lengths);
  for (let s = 0; s < S; s++) {
    matmulNT(h, 0, H, w.wHh, 0, H, hw, 0, G, B, H, G, false);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      if (s >= len) continue;
      const bt = b * T + timeAt(s, len, reverse);
      const gr = bt * G;
      const hr = b * G;
      const sr = b * H;
      const yr = bt * H;
      if (hPrev && cPrev) {
        copyRange(h, sr, hPrev, yr, H);
        copyRange(c, sr, cPrev, yr, H);
      }
      // One fused pass: all four gates, the cell update and the output for this row.
      for (let k = 0; k < H; k++) {
        const ig = 1 / (1 + Math.exp(-(gates[gr + k]! + hw[hr + k]! + bias[k]!)));
        const fg = 1 / (1 + Math.exp(-(gates[gr + H + k]! + hw[hr + H + k]! + bias[H + k]!)));
        const gg = Math.tanh(gates[gr + 2 * H + k]! + hw[hr + 2 * H + k]! + bias[2 * H + k]!);
        const og = 1 / (1 + Math.exp(-(gates[gr + 3 * H + k]! + hw[hr + 3 * H + k]! + bias[3 * H + k]!)));
        const cn = fg * c[sr + k]! + ig * gg;
        const tc = Math.tanh(cn);
        const hn = og * tc;
        c[sr + k] = cn;
        h[sr + k] = hn;
        tanhC[yr + k] = tc;
        y[yr + k] = hn;
        gates[gr + k] = ig;
        gates[gr + H + k] = fg;
        gates[gr + 2 * H + k] = gg;
        gates[gr + 3 * H + k] = og;
      }
    }
  }
  const cache = hPrev && cPrev ? { gates, tanhC, hPrev, cPrev } : undefined;
  return { y, hT: h, cT: c, cache };
}

// cache from lstmForward  dy: [B, T, H]  dhT, dcT: [B, H]
// returns dx: [B, T, I], dh0, dc0: [B, H], dWIh: [4H, I], dWHh: [4H, H], dBIh = dBHh: [4H]
export function lstmBackward(
  d: RecurrentDims,
  w: W,
  inp: RecurrentInputs<Float32Array>,
  cache: FastLstmCache,
  up: RecurrentUpstream<Float32Array>,
): RecurrentGrads<Float32Array> {
  const { B, T, I, H } = d;
  const G = 4 * H;
  const BT = B * T;
  const { lengths, reverse } = inp;
  const { gates, tanhC, cPrev } = cache;
  const dy = up.dy;
  const dGates = new Float32Array(BT * G);
  const step = new Float32Array(B * G); // this step's dGates, rows in batch order for the dh product
  const dh = up.dhT ? up.dhT.slice() : new Float32Array(B * H);
  const dc = up.dcT ? up.dcT.slice() : new Float32Array(B * H);
  const dhRec = new Float32Array(B * H);
  const wHhT = transpose(w.wHh, 0, H, G, H); // [H, 4H]: dh = dA · W_hh as rows of W_hhᵀ
  const S = maxLength(lengths);
  for (let s = S - 1; s >= 0; s--) {
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      // A sample is inactive at s ≥ len; walking s down, its step row is still all zeros.
      if (s >= len) continue;
      const bt = b * T + timeAt(s, len, reverse);
      const gr = bt * G;
      const yr = bt * H;
      const sr = b * H;
      const st = b * G;
      for (let k = 0; k < H; k++) {
        const dhk = dh[sr + k]! + (dy ? dy[yr + k]! : 0);
        const ig = gates[gr + k]!;
        const fg = gates[gr + H + k]!;
        const gg = gates[gr + 2 * H + k]!;
        const og = gates[gr + 3 * H + k]!;
        const tc = tanhC[yr + k]!;
        const dck = dc[sr + k]! + dhk * og * (1 - tc * tc);
        const dai = dck * gg * ig * (1 - ig);
        const daf = dck * cPrev[yr + k]! * fg * (1 - fg);
        const dag = dck * ig * (1 - gg * gg);
        const dao = dhk * tc * og * (1 - og);
        dc[sr + k] = dck * fg;
        step[st + k] = dai;
        step[st + H + k] = daf;
        step[st + 2 * H + k] = dag;
        step[st + 3 * H + k] = dao;
      }
      copyRange(step, st, dGates, gr, G);
    }
    // dh_prev = dGates_step [B, 4H] × W_hh [4H, H]
    matmulNT(step, 0, G, wHhT, 0, G, dhRec, 0, H, B, G, H, false);
    for (let b = 0; b < B; b++) {
      if (s >= lengths[b]!) continue;
      copyRange(dhRec, b * H, dh, b * H, H);
    }
  }
  const { dx, dWIh, dWHh, dB } = sequenceGradients(dGates, inp.x, cache.hPrev, w.wIh, BT, G, I, H);
  return { dx, dh0: dh, dc0: dc, dWIh, dWHh, dBIh: dB, dBHh: dB.slice() };
}
