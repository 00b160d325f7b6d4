// The strided product in both strategies against a host product, on odd sizes (K not a multiple
// of 4, transposed and offset views, the split second operand of GRU reset-before).
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { GpujsBackend } from './backend.js';
import { upload } from './elementwise.js';
import { toHost } from './engine.js';
import { matmul, matmulPrepared, prepareRight, releaseRight, view, type MatmulStrategy } from './matmul.js';
import { allowFallback, createTestBackend, maxRelErr } from './test-support.js';

let be: GpujsBackend;
beforeAll(async () => {
  be = await createTestBackend();
});
afterAll(() => be?.close());

const strategies: MatmulStrategy[] = allowFallback ? ['simple'] : ['simple', 'packed'];

test.each(strategies)('%s: A [M,K] from a wider buffer at an offset, Bᵀ stored [N,K], bias, split rows', (strategy) => {
  const M = 13, N = 7, K = 37, W = 45, OFF = 3, SPLIT = 9;
  const av = Float32Array.from({ length: M * W }, (_, i) => Math.sin(i * 0.7));
  const bv = Float32Array.from({ length: N * K }, (_, i) => Math.cos(i * 0.3));
  const b2v = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 1.3));
  const bias = Float32Array.from({ length: N }, (_, i) => i - 3);
  const e = be.engine;
  const [A, B, B2, BIAS] = [av, bv, b2v, bias].map((d) => upload(e, d)) as [never, never, never, never];
  // B(k, n) = bv[n·K + k] (a transposed view); B2(k, n) = b2v[k·N + n] (row-major)
  const out = toHost(
    matmul(e, M, N, K, view(A, OFF, W, 1), view(B, 0, 1, K), BIAS, { view: view(B2, 0, N, 1), split: SPLIT }, strategy),
    M * N,
  );
  const ref = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias[n]!;
      for (let k = 0; k < K; k++) s += av[OFF + m * W + k]! * (m < SPLIT ? bv[n * K + k]! : b2v[k * N + n]!);
      ref[m * N + n] = s;
    }
  }
  expect(maxRelErr(out, ref)).toBeLessThan(1e-5);
});

test.each(strategies)('%s: a prepared right operand (W_hh across steps) reused by several products', (strategy) => {
  const M = 6, N = 10, K = 23, STEPS = 3;
  const e = be.engine;
  const wv = Float32Array.from({ length: N * K }, (_, i) => Math.cos(i * 0.11));
  const bias = Float32Array.from({ length: N }, (_, i) => 0.5 * i);
  const [W, BIAS] = [wv, bias].map((d) => upload(e, d)) as [never, never];
  // B(k, n) = W[n, k]: the recurrent product h · W_hhᵀ
  const prepared = prepareRight(e, M, N, K, view(W, 0, 1, K), strategy);
  expect(prepared.b4 !== undefined).toBe(strategy === 'packed');
  for (let step = 0; step < STEPS; step++) {
    const hv = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i * 0.9 + step));
    const out = toHost(matmulPrepared(e, view(upload(e, hv), 0, K, 1), prepared, BIAS), M * N);
    const ref = new Float64Array(M * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = bias[n]!;
        for (let k = 0; k < K; k++) s += hv[m * K + k]! * wv[n * K + k]!;
        ref[m * N + n] = s;
      }
    }
    expect(maxRelErr(out, ref)).toBeLessThan(1e-5);
  }
  releaseRight(prepared);
});
