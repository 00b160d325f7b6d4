// The primitives every cell's step is written in, on the backend under test, against the float64
// reference on the same (float32-rounded) random inputs: core's generic recurrent path, and every
// cell of the catalogue, is only as right as these. The reference's own primitives are checked
// against finite differences and direct formulas in core (host/primitives.test.ts).
import { describe, expect, it } from 'vitest';
import { Rng, type Activation, type Backend, type Tensor } from '@rnnkit/core';
import { expectClose } from './compare.js';
import { randomArray, roundF32, size, take } from './host.js';
import type { Suite } from './suite.js';

const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu'];

export function describePrimitives(s: Suite): void {
  describe('primitives', () => {
    const rng = new Rng(7);
    /** The same float32-rounded random data on the backend and on the reference. */
    const pair = (shape: readonly number[], scale = 2, shift = 0): { b: Tensor; r: Tensor; data: Float64Array } => {
      const data = roundF32(randomArray(rng, size(shape), scale).map((v) => v + shift));
      return { b: s.backend.tensor(data, shape, 'float32'), r: s.reference.tensor(data, shape, 'float32'), data };
    };
    const free = (...ps: { b: Tensor; r: Tensor }[]) =>
      ps.forEach((p) => {
        s.backend.dispose(p.b);
        s.reference.dispose(p.r);
      });
    /** Runs `f` on both backends; shapes must agree and values be within `tol`. */
    const same = async (what: string, f: (b: Backend, side: 'b' | 'r') => Tensor | Promise<Tensor>, tol = s.tol.forward): Promise<void> => {
      const got = await f(s.backend, 'b');
      const want = await f(s.reference, 'r');
      expect(got.shape, `${what}: shape`).toEqual(want.shape);
      expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
      const shape = want.shape;
      expectClose(await take(s.backend, got), await take(s.reference, want), tol, what, shape);
    };

    it('matmul in all four transpose combinations', async () => {
      // Large enough (M·K·N ≥ 16384) for engines that switch to another kernel above a size.
      for (const [M, K, N] of [[5, 7, 3], [1, 1, 1], [16, 33, 9], [64, 40, 33]] as const) {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const a = pair(tA ? [K, M] : [M, K]);
          const c = pair(tB ? [N, K] : [K, N]);
          await same(`matmul M ${M} K ${K} N ${N} transposeA ${tA} transposeB ${tB}`, (b, x) => b.matmul(a[x], c[x], tA, tB));
          free(a, c);
        }
      }
    });

    it('add, sub, mul, div, affine', async () => {
      const shape = [3, 4, 5];
      const x = pair(shape);
      const y = pair(shape);
      // Denominators away from zero, as minLSTM's f + i ∈ (0, 2).
      const d = pair(shape, 0.9, 1);
      await same('add', (b, k) => b.add(x[k], y[k]));
      await same('sub', (b, k) => b.sub(x[k], y[k]));
      await same('mul', (b, k) => b.mul(x[k], y[k]));
      await same('div', (b, k) => b.div(x[k], d[k]));
      for (const [scale, shift] of [[-1, 1], [0.5, 0], [1, -0.25], [1, 0], [0, 3]] as const) {
        await same(`affine(${scale}, ${shift})`, (b, k) => b.affine(x[k], scale, shift));
      }
      free(x, y, d);
    });

    it('addRow and sumRows', async () => {
      for (const [N, K] of [[6, 4], [1, 9], [37, 3]] as const) {
        const x = pair([N, K]);
        const row = pair([K]);
        await same(`addRow [${N}, ${K}]`, (b, k) => b.addRow(x[k], row[k]));
        await same(`sumRows [${N}, ${K}]`, (b, k) => b.sumRows(x[k]));
        free(x, row);
      }
    });

    it('activation and activationGrad (from the output) of sigmoid, tanh and relu', async () => {
      const shape = [4, 6];
      // Wide enough to saturate sigmoid and tanh, with exact zeros for relu's kink.
      const data = roundF32(randomArray(rng, size(shape), 12).map((v, i) => (i % 5 === 0 ? 0 : v)));
      const x = { b: s.backend.tensor(data, shape, 'float32'), r: s.reference.tensor(data, shape, 'float32') };
      const dy = pair(shape);
      for (const f of ACTIVATIONS) {
        await same(`activation ${f}`, (b, k) => b.activation(f, x[k]));
        // The gradient is taken from an output, as the generic path does; the same output on both.
        const y = pair(shape, 0.45, 0.5);
        await same(`activationGrad ${f}`, (b, k) => b.activationGrad(f, y[k], dy[k]));
        free(y);
      }
      free(x, dy);
    });

    it('slice and concat on every axis of a rank-3 tensor', async () => {
      const shape = [3, 4, 5];
      const x = pair(shape);
      for (let axis = 0; axis < 3; axis++) {
        const n = shape[axis]!;
        for (const [start, sz] of [[0, 1], [1, n - 2], [n - 1, 1], [0, n]] as const) {
          await same(`slice axis ${axis} start ${start} size ${sz}`, (b, k) => b.slice(x[k], axis, start, sz), 0);
        }
        const parts = [2, 1, 3].map((p) => pair(shape.map((d, i) => (i === axis ? p : d))));
        await same(`concat axis ${axis}`, (b, k) => b.concat(parts.map((p) => p[k]), axis), 0);
        await same(`concat of one tensor on axis ${axis}`, (b, k) => b.concat([parts[0]![k]], axis), 0);
        free(...parts);
      }
      free(x);
    });

    it('int32 slice and concat stay int32 and exact', async () => {
      const b = s.backend;
      const shape = [2, 3, 4];
      const data = Int32Array.from({ length: size(shape) }, (_, i) => i * 7 - 40);
      const ids = b.tensor(data, shape, 'int32');
      const rids = s.reference.tensor(data, shape, 'int32');
      for (let axis = 0; axis < 3; axis++) {
        const n = shape[axis]! - 1;
        const got = await b.slice(ids, axis, 1, n);
        const want = await s.reference.slice(rids, axis, 1, n);
        expect(got.dtype).toBe('int32');
        const gotData = await b.read(got);
        expect(gotData).toBeInstanceOf(Int32Array);
        expect(Array.from(gotData), `int32 slice axis ${axis}`).toEqual(Array.from(await s.reference.read(want)));
        const c = await b.concat([got, ids], axis);
        const rc = await s.reference.concat([want, rids], axis);
        expect(c.dtype).toBe('int32');
        expect(Array.from(await b.read(c)), `int32 concat axis ${axis}`).toEqual(Array.from(await s.reference.read(rc)));
        [got, c].forEach((t) => b.dispose(t));
        [want, rc].forEach((t) => s.reference.dispose(t));
      }
      b.dispose(ids);
      s.reference.dispose(rids);
    });

    it('reshape: same data, new shape, a handle disposed on its own (float32 and int32)', async () => {
      const b = s.backend;
      const x = pair([2, 3, 4]);
      const before = b.liveTensors();
      const flat = await b.reshape(x.b, [6, 4]);
      expect(b.liveTensors()).toBe(before + 1);
      b.dispose(x.b);
      expect(flat.shape).toEqual([6, 4]);
      expectClose(await take(b, flat), x.data, 0, 'reshape after the source was disposed');
      s.reference.dispose(x.r);
      const ids = b.tensor(Int32Array.from([4, 5, 6]), [3], 'int32');
      const col = await b.reshape(ids, [3, 1]);
      b.dispose(ids);
      expect([col.shape, col.dtype, Array.from(await b.read(col))]).toEqual([[3, 1], 'int32', [4, 5, 6]]);
      b.dispose(col);
    });

    it('layerNorm and layerNormGrad per row (biased variance, eps inside the root)', async () => {
      for (const [N, K, eps] of [[5, 4, 1e-5], [1, 7, 1e-5], [9, 16, 1e-3], [3, 1, 1e-5]] as const) {
        const x = pair([N, K], 2, 0.5);
        const dy = pair([N, K]);
        await same(`layerNorm [${N}, ${K}] eps ${eps}`, (b, k) => b.layerNorm(x[k], eps));
        await same(`layerNormGrad [${N}, ${K}] eps ${eps}`, (b, k) => b.layerNormGrad(x[k], dy[k], eps), s.tol.gradient);
        free(x, dy);
      }
    });

    it('conv2d ("same" cross-correlation) with and without bias, and both its gradients', async () => {
      for (const [B, C, H, W, O, k] of [[2, 3, 5, 4, 4, 3], [1, 1, 6, 6, 2, 1], [2, 2, 4, 7, 3, 5], [1, 4, 1, 1, 8, 3]] as const) {
        const x = pair([B, C, H, W]);
        const w = pair([O, C, k, k], 0.5);
        const bias = pair([O]);
        const dy = pair([B, O, H, W]);
        const what = `x [${B}, ${C}, ${H}, ${W}], w [${O}, ${C}, ${k}, ${k}]`;
        await same(`conv2d ${what}`, (b, j) => b.conv2d(x[j], w[j], bias[j]));
        await same(`conv2d without bias ${what}`, (b, j) => b.conv2d(x[j], w[j], undefined));
        await same(`conv2dGradInput ${what}`, (b, j) => b.conv2dGradInput(dy[j], w[j]), s.tol.gradient);
        await same(`conv2dGradFilter ${what}`, (b, j) => b.conv2dGradFilter(x[j], dy[j], k), s.tol.gradient);
        free(x, w, bias, dy);
      }
    });

    it('linearScan forward and reverse, over lengths that are and are not powers of two', async () => {
      for (const [B, T, N] of [[2, 5, 3], [1, 1, 4], [3, 8, 2], [2, 33, 5]] as const) {
        // a in (0, 1) as for the min* cells' gates, so long scans stay bounded.
        const a = pair([B, T, N], 0.5, 0.5);
        const bb = pair([B, T, N]);
        const h0 = pair([B, N]);
        for (const reverse of [false, true]) {
          await same(`linearScan [${B}, ${T}, ${N}] reverse ${reverse}`, (b, k) => b.linearScan(a[k], bb[k], h0[k], reverse));
        }
        free(a, bb, h0);
      }
    });

    it('every result is a new tensor, counted live until disposed, and inputs are untouched', async () => {
      const b = s.backend;
      const a = pair([2, 2], 0.5, 1);
      const v = pair([2]);
      const img = pair([1, 2, 3, 3]);
      const w = pair([2, 2, 3, 3]);
      const seq = pair([2, 3, 2], 0.5, 0.5);
      const base = b.liveTensors();
      const results = await Promise.all([
        b.matmul(a.b, a.b, false, false),
        b.matmul(a.b, a.b, true, true),
        b.add(a.b, a.b),
        b.sub(a.b, a.b),
        b.mul(a.b, a.b),
        b.div(a.b, a.b),
        b.affine(a.b, 1, 0),
        b.addRow(a.b, v.b),
        b.sumRows(a.b),
        ...ACTIVATIONS.map((f) => b.activation(f, a.b)),
        ...ACTIVATIONS.map((f) => b.activationGrad(f, a.b, a.b)),
        b.slice(a.b, 0, 0, 2),
        b.concat([a.b], 0),
        b.concat([a.b, a.b], 1),
        b.reshape(a.b, [4]),
        b.layerNorm(a.b, 1e-5),
        b.layerNormGrad(a.b, a.b, 1e-5),
        b.conv2d(img.b, w.b, v.b),
        b.conv2dGradInput(img.b, w.b),
        b.conv2dGradFilter(img.b, img.b, 3),
        b.linearScan(seq.b, seq.b, a.b, false),
        b.linearScan(seq.b, seq.b, a.b, true),
      ]);
      expect(new Set([...results, a.b, v.b, img.b, w.b, seq.b]).size).toBe(results.length + 5);
      expect(b.liveTensors()).toBe(base + results.length);
      results.forEach((t) => b.dispose(t));
      expect(b.liveTensors()).toBe(base);
      // An in-place update of a result never shows in the input it came from.
      const copy = await b.affine(a.b, 1, 0);
      await b.scaleInPlace(copy, 0);
      expectClose(Float64Array.from(await b.read(a.b)), a.data, 0, 'input after an update of its copy');
      b.dispose(copy);
      free(a, v, img, w, seq);
    });
  });
}
