// Losses: the value (mean, as a [1] texture) and its gradient, each in a few kernels, no read-back.
import { reduceSum, scalarOp, releaseAll } from './elementwise.js';
import type { Engine, Storage } from './engine.js';
import { floorDiv } from './index-math.js';

export interface LossStorages {
  readonly loss: Storage;
  readonly grad: Storage;
}

/** logsumexp per row: x: [N, C] → [N] */
function rowLogSumExp(e: Engine, x: Storage, N: number, C: number): Storage {
  return e.run(
    {
      key: `lse:${N}:${C}`,
      size: N,
      constants: { C },
      source: `function (x) {
        const base = this.thread.x * this.constants.C;
        let m = x[base];
        for (let c = 1; c < this.constants.C; c++) { m = Math.max(m, x[base + c]); }
        let s = 0;
        for (let c = 0; c < this.constants.C; c++) { s += Math.exp(x[base + c] - m); }
        return m + Math.log(s);
      }`,
    },
    [x],
  );
}

/** x: [N, C] → softmax rows [N, C] */
export function softmax(e: Engine, x: Storage, N: number, C: number): Storage {
  const lse = rowLogSumExp(e, x, N, C);
  const y = e.run(
    {
      key: `softmax:${N}:${C}`,
      size: N * C,
      constants: { C },
      source: `function (x, lse) {
        ${floorDiv('n', 'this.thread.x', 'this.constants.C')}
        return Math.exp(x[this.thread.x] - lse[n]);
      }`,
    },
    [x, lse],
  );
  releaseAll([lse]);
  return y;
}

/**
 * logits: [N, C], labels: [N] (host), weights: [N] texture or undefined.
 * loss = Σ w_n (lse_n − x[n, label_n]) / Σ w_n (0 when Σ w = 0); grad = w_n (softmax − onehot) / Σ w.
 */
export function softmaxCrossEntropy(
  e: Engine,
  logits: Storage,
  labels: Int32Array,
  weights: Storage | undefined,
  N: number,
  C: number,
): LossStorages {
  const lab = Float32Array.from(labels);
  const lse = rowLogSumExp(e, logits, N, C);
  const w = weights ?? e.run({ key: `fill:${N}`, size: N, source: 'function (v) { return v; }' }, [1]);
  const perSample = e.run(
    {
      key: `ce-per:${N}:${C}`,
      size: N,
      constants: { C },
      source: `function (x, lse, lab, w) {
        const n = this.thread.x;
        return w[n] * (lse[n] - x[n * this.constants.C + lab[n]]);
      }`,
    },
    [logits, lse, lab, w],
  );
  const total = reduceSum(e, perSample, N, 'sum');
  const wsum = reduceSum(e, w, N, 'sum');
  const loss = scalarOp(e, 'safediv', total, wsum);
  const grad = e.run(
    {
      key: `ce-grad:${N}:${C}`,
      size: N * C,
      constants: { C },
      source: `function (x, lse, lab, w, wsum) {
        const i = this.thread.x;
        ${floorDiv('n', 'i', 'this.constants.C')}
        const c = i - n * this.constants.C;
        if (wsum[0] <= 0) { return 0; }
        let p = Math.exp(x[i] - lse[n]);
        if (Math.abs(c - lab[n]) < 0.5) { p -= 1; }
        return w[n] * p / wsum[0];
      }`,
    },
    [logits, lse, lab, w, wsum],
  );
  releaseAll([lse, perSample, total, wsum]);
  if (weights === undefined) releaseAll([w]);
  return { loss, grad };
}

/** logits, targets: [N] → mean of max(x,0) − x t + log(1 + e^{−|x|}); grad (σ(x) − t) / N */
export function sigmoidBinaryCrossEntropy(e: Engine, logits: Storage, targets: Storage, N: number): LossStorages {
  const per = e.run(
    {
      key: `bce-per:${N}`,
      size: N,
      source: `function (x, t) {
        const v = x[this.thread.x];
        return Math.max(v, 0) - v * t[this.thread.x] + Math.log(1 + Math.exp(-Math.abs(v)));
      }`,
    },
    [logits, targets],
  );
  const grad = e.run(
    {
      key: `bce-grad:${N}`,
      size: N,
      constants: { N },
      source: `function (x, t) {
        const v = x[this.thread.x];
        return (1 / (1 + Math.exp(-v)) - t[this.thread.x]) / this.constants.N;
      }`,
    },
    [logits, targets],
  );
  return { loss: meanOf(e, per, N), grad };
}

/** predictions, targets: [n] → mean (p − t)²; grad 2 (p − t) / n */
export function meanSquaredError(e: Engine, p: Storage, t: Storage, n: number): LossStorages {
  const diff = e.run({ key: `sub:${n}`, size: n, source: 'function (a, b) { return a[this.thread.x] - b[this.thread.x]; }' }, [p, t]);
  const grad = e.run(
    { key: `mse-grad:${n}`, size: n, constants: { N: n }, source: 'function (d) { return 2 * d[this.thread.x] / this.constants.N; }' },
    [diff],
  );
  const sq = reduceSum(e, diff, n, 'square');
  const loss = e.run({ key: `scale1`, size: 1, source: 'function (a, s) { return a[0] * s; }' }, [sq, 1 / n]);
  releaseAll([diff, sq]);
  return { loss, grad };
}

function meanOf(e: Engine, per: Storage, n: number): Storage {
  const total = reduceSum(e, per, n, 'sum');
  const loss = e.run({ key: `scale1`, size: 1, source: 'function (a, s) { return a[0] * s; }' }, [total, 1 / n]);
  releaseAll([per, total]);
  return loss;
}
