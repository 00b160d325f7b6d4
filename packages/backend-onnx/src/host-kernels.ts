// Small kernels run in plain JS on the host arrays: with the CPU provider ONNX Runtime tensors live in host
// memory anyway, and for element-wise work a session call (feeds, fetches, a thread-pool hop) costs more
// than the arithmetic. Results are new arrays (see tensor.ts: arrays are never written after creation).

import type { AdamHyper, RmspropHyper, SgdHyper } from '@rnnkit/core';

/** a: [R, A], b: [R, Bn] → [R, A+Bn] (rows = product of the leading axes) */
export function concatLastForward(a: Float32Array, A: number, b: Float32Array, Bn: number, rows: number): Float32Array {
  const out = new Float32Array(rows * (A + Bn));
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * A, r * A + A), r * (A + Bn));
    out.set(b.subarray(r * Bn, r * Bn + Bn), r * (A + Bn) + A);
  }
  return out;
}

/** x: [R, N] → [R, size] from column `start` */
export function sliceLastForward(x: Float32Array | Int32Array, N: number, start: number, size: number, rows: number): Float32Array | Int32Array {
  const out = x instanceof Int32Array ? new Int32Array(rows * size) : new Float32Array(rows * size);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * N + start, r * N + start + size), r * size);
  return out;
}

export function addForward(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = (a[k] as number) + (b[k] as number);
  return out;
}

export function mulForward(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = (a[k] as number) * (b[k] as number);
  return out;
}

/** Row-wise softmax, x: [N, C] */
export function softmaxForward(x: Float32Array, N: number, C: number): Float32Array {
  const out = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, x[o + c] as number);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp((x[o + c] as number) - max);
    for (let c = 0; c < C; c++) out[o + c] = Math.exp((x[o + c] as number) - max) / sum;
  }
  return out;
}

export function sigmoidForward(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = 1 / (1 + Math.exp(-(x[k] as number)));
  return out;
}

/** logits: [N, C], labels: [N], weights: [N] or absent → mean loss over weighted samples, dlogits */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: Int32Array,
  weights: Float32Array | undefined,
  N: number,
  C: number,
): { loss: number; grad: Float32Array } {
  const p = softmaxForward(logits, N, C);
  let total = 0;
  let wsum = 0;
  for (let n = 0; n < N; n++) {
    const w = weights ? (weights[n] as number) : 1;
    wsum += w;
    if (w !== 0) total -= w * Math.log(Math.max(p[n * C + (labels[n] as number)] as number, 1e-30));
  }
  // A batch with no counted sample has loss 0 and no gradient (not NaN).
  const scale = wsum > 0 ? 1 / wsum : 0;
  const grad = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    const w = (weights ? (weights[n] as number) : 1) * scale;
    if (w === 0) continue;
    for (let c = 0; c < C; c++) grad[n * C + c] = w * (p[n * C + c] as number);
    const at = n * C + (labels[n] as number);
    grad[at] = (grad[at] as number) - w;
  }
  return { loss: total * scale, grad };
}

/** logits, targets: [N] → mean of the numerically stable BCE-with-logits, dlogits */
export function sigmoidBinaryCrossEntropy(logits: Float32Array, targets: Float32Array): { loss: number; grad: Float32Array } {
  const N = logits.length;
  const grad = new Float32Array(N);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const x = logits[n] as number;
    const t = targets[n] as number;
    total += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
    grad[n] = (1 / (1 + Math.exp(-x)) - t) / N;
  }
  return { loss: total / N, grad };
}

/** predictions, targets: same shape → mean squared error, dpredictions */
export function meanSquaredError(pred: Float32Array, target: Float32Array): { loss: number; grad: Float32Array } {
  const N = pred.length;
  const grad = new Float32Array(N);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const d = (pred[n] as number) - (target[n] as number);
    total += d * d;
    grad[n] = (2 * d) / N;
  }
  return { loss: total / N, grad };
}

/** weight: [V, E], ids: [B·T] → y: [B·T, E] */
export function embeddingForward(weight: Float32Array, ids: Int32Array, E: number): Float32Array {
  const out = new Float32Array(ids.length * E);
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k] as number;
    out.set(weight.subarray(id * E, id * E + E), k * E);
  }
  return out;
}

/** dy: [B·T, E] → dWeight: [V, E], rows of dy summed per token id */
export function embeddingBackward(dy: Float32Array, ids: Int32Array, V: number, E: number): Float32Array {
  const dw = new Float32Array(V * E);
  for (let k = 0; k < ids.length; k++) {
    const o = (ids[k] as number) * E;
    const src = k * E;
    for (let e = 0; e < E; e++) dw[o + e] = (dw[o + e] as number) + (dy[src + e] as number);
  }
  return dw;
}

export function sumSquares(arrays: readonly Float32Array[]): number {
  let s = 0;
  for (const a of arrays) for (let k = 0; k < a.length; k++) s += (a[k] as number) * (a[k] as number);
  return s;
}

export function scale(x: Float32Array, s: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = (x[k] as number) * s;
  return out;
}

/** torch.optim.Adam, one step. Returns the new param, m, v. */
export function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper) {
  const np = new Float32Array(p.length);
  const nm = new Float32Array(p.length);
  const nv = new Float32Array(p.length);
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** h.step);
  const stepSize = h.lr / bc1;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] as number;
    const gk = (g[k] as number) + h.weightDecay * pk;
    const mk = h.beta1 * (m[k] as number) + (1 - h.beta1) * gk;
    const vk = h.beta2 * (v[k] as number) + (1 - h.beta2) * gk * gk;
    nm[k] = mk;
    nv[k] = vk;
    np[k] = pk - (stepSize * mk) / (Math.sqrt(vk) / bc2Sqrt + h.eps);
  }
  return { p: np, m: nm, v: nv };
}

/** torch.optim.SGD, one step. Returns the new param and momentum buffer (unchanged when momentum is 0). */
export function sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array, h: SgdHyper & { readonly first: boolean }) {
  const np = new Float32Array(p.length);
  const nb = h.momentum !== 0 ? new Float32Array(p.length) : buf;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] as number;
    let d = (g[k] as number) + h.weightDecay * pk;
    if (h.momentum !== 0) {
      const b = h.first ? d : h.momentum * (buf[k] as number) + (1 - h.dampening) * d;
      nb[k] = b;
      d = h.nesterov ? d + h.momentum * b : b;
    }
    np[k] = pk - h.lr * d;
  }
  return { p: np, velocity: nb };
}

/** torch.optim.RMSprop (not centered), one step. Returns the new param, square average and buffer. */
export function rmspropUpdate(p: Float32Array, g: Float32Array, sq: Float32Array, buf: Float32Array, h: RmspropHyper) {
  const np = new Float32Array(p.length);
  const nsq = new Float32Array(p.length);
  const nb = h.momentum > 0 ? new Float32Array(p.length) : buf;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] as number;
    const gk = (g[k] as number) + h.weightDecay * pk;
    const s = h.alpha * (sq[k] as number) + (1 - h.alpha) * gk * gk;
    nsq[k] = s;
    const avg = Math.sqrt(s) + h.eps;
    if (h.momentum > 0) {
      const b = h.momentum * (buf[k] as number) + gk / avg;
      nb[k] = b;
      np[k] = pk - h.lr * b;
    } else {
      np[k] = pk - (h.lr * gk) / avg;
    }
  }
  return { p: np, squareAvg: nsq, buffer: nb };
}
