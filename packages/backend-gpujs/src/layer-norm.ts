// Layer normalisation over the rows of x: [N, K] (no gain or shift; the layer-normalised LSTM
// applies those with the gate algebra), and its gradient. The row statistics are a kernel of
// their own, one fragment per row and statistic, that the element-wise pass reads: normalising
// each element inside one kernel would repeat its row's two passes for every element (K² fetches
// per row instead of K).
import { releaseAll } from './elementwise.js';
import type { Engine, Storage } from './engine.js';
import { floorDiv } from './index-math.js';

/**
 * x: [N, K] → stats: [N, 2], (mean, 1/√(var + eps)) per row, biased variance in two passes as
 * core's host loop computes it (a one-pass E[x²] − mean² cancels in float32). eps is a uniform.
 */
function rowStats(e: Engine, x: Storage, N: number, K: number, eps: number): Storage {
  return e.run(
    {
      key: `ln-stats:${N}:${K}`,
      size: N * 2,
      constants: { K },
      source: `function (x, eps) {
        const i = this.thread.x;
        ${floorDiv('r', 'i', '2')}
        const base = r * this.constants.K;
        let m = 0;
        for (let k = 0; k < this.constants.K; k++) { m += x[base + k]; }
        m = m / this.constants.K;
        if (i - r * 2 < 0.5) { return m; }
        let v = 0;
        for (let k = 0; k < this.constants.K; k++) {
          const d = x[base + k] - m;
          v += d * d;
        }
        return 1 / Math.sqrt(v / this.constants.K + eps);
      }`,
    },
    [x, eps],
  );
}

/** x: [N, K] → (x − mean) / √(var + eps) per row */
export function layerNorm(e: Engine, x: Storage, N: number, K: number, eps: number): Storage {
  const stats = rowStats(e, x, N, K, eps);
  const y = e.run(
    {
      key: `ln:${N}:${K}`,
      size: N * K,
      constants: { K },
      source: `function (x, st) {
        const i = this.thread.x;
        ${floorDiv('r', 'i', 'this.constants.K')}
        return (x[i] - st[r * 2]) * st[r * 2 + 1];
      }`,
    },
    [x, stats],
  );
  releaseAll([stats]);
  return y;
}

/** x, dy: [N, K] → dx = rstd · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)) per row, x̂ the normalised row */
export function layerNormGrad(e: Engine, x: Storage, dy: Storage, N: number, K: number, eps: number): Storage {
  const stats = rowStats(e, x, N, K, eps);
  // means: [N, 2], (mean(dy), mean(dy ⊙ x̂)) per row
  const means = e.run(
    {
      key: `ln-grad-means:${N}:${K}`,
      size: N * 2,
      constants: { K },
      source: `function (x, dy, st) {
        const i = this.thread.x;
        ${floorDiv('r', 'i', '2')}
        const base = r * this.constants.K;
        const m = st[r * 2];
        const rs = st[r * 2 + 1];
        let s = 0;
        if (i - r * 2 < 0.5) {
          for (let k = 0; k < this.constants.K; k++) { s += dy[base + k]; }
        } else {
          for (let k = 0; k < this.constants.K; k++) { s += dy[base + k] * (x[base + k] - m) * rs; }
        }
        return s / this.constants.K;
      }`,
    },
    [x, dy, stats],
  );
  const dx = e.run(
    {
      key: `ln-grad:${N}:${K}`,
      size: N * K,
      constants: { K },
      source: `function (x, dy, st, mm) {
        const i = this.thread.x;
        ${floorDiv('r', 'i', 'this.constants.K')}
        const rs = st[r * 2 + 1];
        const xh = (x[i] - st[r * 2]) * rs;
        return rs * (dy[i] - mm[r * 2] - xh * mm[r * 2 + 1]);
      }`,
    },
    [x, dy, stats, means],
  );
  releaseAll([stats, means]);
  return dx;
}
