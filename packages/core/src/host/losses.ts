// Losses: mean value and gradient in one pass. Precision-generic (sums are taken in JS
// doubles and stored in the array type of the input). Row reductions are the only cost, so the
// float32 path uses these too.

import type { FloatArray as F } from '../backend.js';
import { allocLike } from './alloc.js';

// logits: [N, C]  labels: [N] in [0, C)  weights: [N] or undefined
// loss = Σ_n w_n (logsumexp(z_n) − z_n[label_n]) / Σ_n w_n;  grad = w_n (softmax(z_n) − onehot) / Σ w
// When every weight is 0 the loss and gradient are 0 (nothing is counted), not NaN.
export function softmaxCrossEntropy<A extends F>(
  logits: A,
  labels: Int32Array,
  weights: F | undefined,
  N: number,
  C: number,
): { loss: number; grad: A } {
  const grad = allocLike(logits, N * C);
  let total = 0;
  for (let n = 0; n < N; n++) total += weights ? weights[n]! : 1;
  if (total === 0) return { loss: 0, grad };
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const wn = weights ? weights[n]! : 1;
    if (wn === 0) continue;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[n * C + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[n * C + c]! - max);
    const lse = max + Math.log(sum);
    const label = labels[n]!;
    loss += wn * (lse - logits[n * C + label]!);
    const scale = wn / total;
    for (let c = 0; c < C; c++) {
      const p = Math.exp(logits[n * C + c]! - lse);
      grad[n * C + c] = scale * (p - (c === label ? 1 : 0));
    }
  }
  return { loss: loss / total, grad };
}

// logits, targets: [N]  loss = mean(max(z, 0) − z y + log(1 + exp(−|z|)));  grad = (σ(z) − y) / N
export function sigmoidBinaryCrossEntropy<A extends F>(logits: A, targets: F): { loss: number; grad: A } {
  const N = logits.length;
  const grad = allocLike(logits, N);
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const z = logits[n]!;
    const y = targets[n]!;
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    grad[n] = (stableSigmoid(z) - y) / N;
  }
  return { loss: N === 0 ? 0 : loss / N, grad };
}

// predictions, targets: same shape, M elements  loss = mean((p − t)²);  grad = 2 (p − t) / M
export function meanSquaredError<A extends F>(predictions: A, targets: F): { loss: number; grad: A } {
  const M = predictions.length;
  const grad = allocLike(predictions, M);
  let loss = 0;
  for (let m = 0; m < M; m++) {
    const diff = predictions[m]! - targets[m]!;
    loss += diff * diff;
    grad[m] = (2 * diff) / M;
  }
  return { loss: M === 0 ? 0 : loss / M, grad };
}

// x: [N, C]  →  [N, C], each row exp(x − max) / Σ exp(x − max)
export function softmax<A extends F>(x: A, N: number, C: number): A {
  const y = allocLike(x, N * C);
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, x[n * C + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(x[n * C + c]! - max);
      y[n * C + c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) y[n * C + c] = y[n * C + c]! / sum;
  }
  return y;
}

export function stableSigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

// x: any shape  →  σ(x) element-wise
export function sigmoid<A extends F>(x: A): A {
  const y = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) y[i] = stableSigmoid(x[i]!);
  return y;
}
