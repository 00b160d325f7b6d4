// The catalogue's primitives as host loops are the float64 reference every backend is compared
// with, so they are checked here from first principles: gradients by central differences of
// ⟨dy, f(x)⟩, the convolution against its definition, the scan against its recurrence.
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import * as host from './primitives.js';

const rng = new Rng(11);
const rand = (n: number, scale = 1, shift = 0) => Float64Array.from({ length: n }, () => rng.uniform(-scale, scale) + shift);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);

/** d⟨dy, f(x)⟩/dx by central differences. */
function numericGrad(f: (x: Float64Array) => Float64Array, x: Float64Array, dy: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = x.slice();
    const m = x.slice();
    p[i]! += eps;
    m[i]! -= eps;
    g[i] = (dot(dy, f(p)) - dot(dy, f(m))) / (2 * eps);
  }
  return g;
}

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${what} [${i}]: ${got[i]} vs ${want[i]}`).toBeLessThan(tol * Math.max(1, Math.abs(want[i]!)));
}

describe('host primitives of the catalogue', () => {
  it('div', () => {
    expect(Array.from(host.div(Float64Array.from([1, -3, 0.5]), Float64Array.from([2, 4, -0.25])))).toEqual([0.5, -0.75, -2]);
  });

  it('layerNorm: zero mean, unit biased variance per row; layerNormGrad matches finite differences', () => {
    const [N, K, eps] = [3, 5, 1e-5];
    const x = rand(N * K, 2, 1);
    const y = host.layerNorm(x, K, eps);
    for (let r = 0; r < N; r++) {
      const row = Array.from(y.subarray(r * K, (r + 1) * K));
      const mean = row.reduce((a, b) => a + b, 0) / K;
      const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / K;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      // var(x̂) = var/(var + eps): just under 1.
      expect(v).toBeLessThan(1);
      expect(v).toBeGreaterThan(1 - 1e-3);
    }
    const dy = rand(N * K);
    expectNear(host.layerNormGrad(x, dy, K, eps), numericGrad((v) => host.layerNorm(v, K, eps), x, dy), 1e-7, 'layerNormGrad');
  });

  it('conv2d equals its definition with zero padding; both gradients match finite differences', () => {
    const s = { B: 2, C: 2, H: 4, W: 5, O: 3, k: 3 };
    const { B, C, H, W, O, k } = s;
    const x = rand(B * C * H * W);
    const w = rand(O * C * k * k);
    const bias = rand(O);
    const y = host.conv2d(x, w, bias, s);
    const p = (k - 1) / 2;
    for (let b = 0; b < B; b++)
      for (let o = 0; o < O; o++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) {
            let acc = bias[o]!;
            for (let c = 0; c < C; c++)
              for (let u = 0; u < k; u++)
                for (let v = 0; v < k; v++) {
                  const ii = i + u - p;
                  const jj = j + v - p;
                  if (ii >= 0 && ii < H && jj >= 0 && jj < W) acc += x[((b * C + c) * H + ii) * W + jj]! * w[((o * C + c) * k + u) * k + v]!;
                }
            expect(y[((b * O + o) * H + i) * W + j]).toBeCloseTo(acc, 12);
          }
    const dy = rand(B * O * H * W);
    expectNear(host.conv2dGradInput(dy, w, s), numericGrad((v) => host.conv2d(v, w, undefined, s), x, dy), 1e-7, 'conv2dGradInput');
    expectNear(host.conv2dGradFilter(x, dy, s), numericGrad((v) => host.conv2d(x, v, undefined, s), w, dy), 1e-7, 'conv2dGradFilter');
  });

  it('linearScan follows h_t = a_t h_{t−1} + b_t forward and from the end in reverse', () => {
    const [B, T, N] = [2, 4, 3];
    const a = rand(B * T * N, 0.5, 0.5);
    const b = rand(B * T * N);
    const h0 = rand(B * N);
    for (const reverse of [false, true]) {
      const h = host.linearScan(a, b, h0, B, T, N, reverse);
      for (let s = 0; s < B; s++)
        for (let n = 0; n < N; n++) {
          let prev = h0[s * N + n]!;
          for (let k = 0; k < T; k++) {
            const t = reverse ? T - 1 - k : k;
            const at = (s * T + t) * N + n;
            prev = a[at]! * prev + b[at]!;
            expect(h[at]).toBe(prev);
          }
        }
    }
  });
});
