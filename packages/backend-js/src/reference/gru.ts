// GRU layer, one direction, float64 reference. Gate order r, z, n (PyTorch).
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   resetAfter true:  n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))
//   resetAfter false: n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn)
//   h' = (1 − z)⊙n + z⊙h

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

export interface GruCache {
  /** gates: [B, T, 3H], activations r, z, n (0 at padded steps) */
  readonly gates: Float64Array;
  /** hn: [B, T, H], W_hn h + b_hn (resetAfter) or W_hn (r⊙h) + b_hn (resetBefore) */
  readonly hn: Float64Array;
  /** hPrev: [B, T, H], state entering step t */
  readonly hPrev: Float64Array;
}

// x: [B, T, I]  wIh: [3H, I]  wHh: [3H, H]  bIh, bHh: [3H]  h0: [B, H]  lengths: [B]
// returns y: [B, T, H], hT: [B, H] and the cache for gruBackward
export function gruForward(
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  resetAfter: boolean,
  training: boolean,
): RecurrentOutputs<Float64Array, GruCache> {
  const { B, T, I, H } = d;
  const G = 3 * H;
  const y = new Float64Array(B * T * H);
  const hT = new Float64Array(B * H);
  const gates = new Float64Array(B * T * G);
  const hnAll = new Float64Array(B * T * H);
  const hPrev = new Float64Array(B * T * H);
  const h = new Float64Array(H);
  const ax = new Float64Array(G); // W_ih x + b_ih
  const ah = new Float64Array(G); // W_hh h + b_hh (r, z blocks; n block too when resetAfter)
  const rh = new Float64Array(H);
  const r = new Float64Array(H);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) h[k] = inp.h0[b * H + k]!;
    const len = inp.lengths[b]!;
    for (let s = 0; s < len; s++) {
      const t = timeAt(s, len, inp.reverse);
      const bt = b * T + t;
      for (let j = 0; j < G; j++) {
        let sx = w.bIh[j]!;
        for (let k = 0; k < I; k++) sx += w.wIh[j * I + k]! * inp.x[bt * I + k]!;
        ax[j] = sx;
        let sh = w.bHh[j]!;
        for (let k = 0; k < H; k++) sh += w.wHh[j * H + k]! * h[k]!;
        ah[j] = sh;
      }
      for (let k = 0; k < H; k++) r[k] = sigmoid(ax[k]! + ah[k]!);
      if (!resetAfter) {
        // The n block of ah must use r⊙h, not h: recompute it.
        for (let k = 0; k < H; k++) rh[k] = r[k]! * h[k]!;
        for (let j = 0; j < H; j++) {
          let sh = w.bHh[2 * H + j]!;
          for (let k = 0; k < H; k++) sh += w.wHh[(2 * H + j) * H + k]! * rh[k]!;
          ah[2 * H + j] = sh;
        }
      }
      for (let k = 0; k < H; k++) {
        const z = sigmoid(ax[H + k]! + ah[H + k]!);
        const hn = ah[2 * H + k]!;
        const n = Math.tanh(ax[2 * H + k]! + (resetAfter ? r[k]! * hn : hn));
        hPrev[bt * H + k] = h[k]!;
        const hNew = (1 - z) * n + z * h[k]!;
        h[k] = hNew;
        y[bt * H + k] = hNew;
        gates[bt * G + k] = r[k]!;
        gates[bt * G + H + k] = z;
        gates[bt * G + 2 * H + k] = n;
        hnAll[bt * H + k] = hn;
      }
    }
    for (let k = 0; k < H; k++) hT[b * H + k] = h[k]!;
  }
  return { y, hT, cT: new Float64Array(B * H), cache: training ? { gates, hn: hnAll, hPrev } : undefined };
}

// cache from gruForward  dy: [B, T, H]  dhT: [B, H]
// returns dx: [B, T, I], dh0: [B, H], dWIh: [3H, I], dWHh: [3H, H], dBIh, dBHh: [3H]
export function gruBackward(
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  resetAfter: boolean,
  cache: GruCache,
  up: RecurrentUpstream<Float64Array>,
): RecurrentGrads<Float64Array> {
  const { B, T, I, H } = d;
  const G = 3 * H;
  const dx = new Float64Array(B * T * I);
  const dh0 = new Float64Array(B * H);
  const dWIh = new Float64Array(G * I);
  const dWHh = new Float64Array(G * H);
  const dBIh = new Float64Array(G);
  const dBHh = new Float64Array(G);
  const dh = new Float64Array(H);
  const dhNext = new Float64Array(H);
  const gx = new Float64Array(G); // gradient of the W_ih x + b_ih pre-activations
  const gh = new Float64Array(G); // gradient of the W_hh (·) + b_hh pre-activations
  const drh = new Float64Array(H); // resetBefore: gradient of r⊙h
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) dh[k] = up.dhT ? up.dhT[b * H + k]! : 0;
    const len = inp.lengths[b]!;
    for (let s = len - 1; s >= 0; s--) {
      const t = timeAt(s, len, inp.reverse);
      const bt = b * T + t;
      for (let k = 0; k < H; k++) dh[k] = dh[k]! + (up.dy ? up.dy[bt * H + k]! : 0);
      // n block first: resetBefore needs W_hnᵀ dn before it can form dr.
      for (let k = 0; k < H; k++) {
        const z = cache.gates[bt * G + H + k]!;
        const n = cache.gates[bt * G + 2 * H + k]!;
        const dan = dh[k]! * (1 - z) * (1 - n * n);
        gx[2 * H + k] = dan;
        gh[2 * H + k] = resetAfter ? dan * cache.gates[bt * G + k]! : dan;
      }
      if (!resetAfter) {
        for (let k = 0; k < H; k++) {
          let sum = 0;
          for (let j = 0; j < H; j++) sum += gh[2 * H + j]! * w.wHh[(2 * H + j) * H + k]!;
          drh[k] = sum;
        }
      }
      for (let k = 0; k < H; k++) {
        const r = cache.gates[bt * G + k]!;
        const z = cache.gates[bt * G + H + k]!;
        const n = cache.gates[bt * G + 2 * H + k]!;
        const hp = cache.hPrev[bt * H + k]!;
        const dr = resetAfter ? gx[2 * H + k]! * cache.hn[bt * H + k]! : drh[k]! * hp;
        const dar = dr * r * (1 - r);
        const daz = dh[k]! * (hp - n) * z * (1 - z);
        gx[k] = dar;
        gh[k] = dar;
        gx[H + k] = daz;
        gh[H + k] = daz;
      }
      for (let j = 0; j < G; j++) {
        dBIh[j] = dBIh[j]! + gx[j]!;
        dBHh[j] = dBHh[j]! + gh[j]!;
        for (let k = 0; k < I; k++) dWIh[j * I + k] = dWIh[j * I + k]! + gx[j]! * inp.x[bt * I + k]!;
      }
      for (let j = 0; j < G; j++) {
        const nBlockBefore = !resetAfter && j >= 2 * H;
        for (let k = 0; k < H; k++) {
          const hp = cache.hPrev[bt * H + k]!;
          // resetBefore: the n block of W_hh multiplies r⊙h.
          const input = nBlockBefore ? cache.gates[bt * G + k]! * hp : hp;
          dWHh[j * H + k] = dWHh[j * H + k]! + gh[j]! * input;
        }
      }
      for (let k = 0; k < I; k++) {
        let sum = 0;
        for (let j = 0; j < G; j++) sum += gx[j]! * w.wIh[j * I + k]!;
        dx[bt * I + k] = sum;
      }
      for (let k = 0; k < H; k++) {
        const z = cache.gates[bt * G + H + k]!;
        let sum = dh[k]! * z;
        const jEnd = resetAfter ? G : 2 * H;
        for (let j = 0; j < jEnd; j++) sum += gh[j]! * w.wHh[j * H + k]!;
        if (!resetAfter) sum += drh[k]! * cache.gates[bt * G + k]!;
        dhNext[k] = sum;
      }
      dh.set(dhNext);
    }
    for (let k = 0; k < H; k++) dh0[b * H + k] = dh[k]!;
  }
  return { dx, dh0, dc0: new Float64Array(B * H), dWIh, dWHh, dBIh, dBHh };
}
