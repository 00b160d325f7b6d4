// The primitives every cell's step is written in, on both precisions, against small values
// worked out by hand: the generic recurrent path in core is only as right as these.

import { describe, expect, it } from 'vitest';
import type { Backend, Tensor } from '@rnnkit/core';
import { createJsBackend } from './index.js';
import { randoms } from './test-support.js';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

for (const precision of ['float64', 'float32'] as const) {
  const digits = precision === 'float64' ? 12 : 6;

  describe(`primitives (${precision})`, () => {
    let be: Backend;
    const f = (values: number[], shape: number[]): Tensor => be.tensor(Float64Array.from(values), shape, 'float32');
    const i32 = (values: number[], shape: number[]): Tensor => be.tensor(Int32Array.from(values), shape, 'int32');
    const values = async (t: Tensor): Promise<number[]> => Array.from(await be.read(t));
    const close = async (t: Tensor, want: number[]): Promise<void> => {
      const got = await values(t);
      expect(got).toHaveLength(want.length);
      got.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(want[i]!, digits));
    };

    const setup = async (): Promise<void> => {
      be = await createJsBackend({ precision });
    };

    describe('matmul', () => {
      // a: [2, 3], b: [3, 4]; a·b worked out by hand.
      const a = [1, 2, 3, 4, 5, 6];
      const b = [1, 0, 2, -1, 0, 1, 1, 2, 3, -2, 0, 1];
      const ab = [10, -4, 4, 6, 22, -7, 13, 12];
      const transposed = (m: number[], rows: number, cols: number): number[] =>
        range(rows * cols).map((k) => m[(k % rows) * cols + Math.floor(k / rows)]!);

      it('all four transpose combinations give op(a)·op(b)', async () => {
        await setup();
        const aT = transposed(a, 2, 3); // stored [3, 2]
        const bT = transposed(b, 3, 4); // stored [4, 3]
        expect(aT).toEqual([1, 4, 2, 5, 3, 6]);
        const cases: [string, Tensor, Tensor, boolean, boolean][] = [
          ['a·b', f(a, [2, 3]), f(b, [3, 4]), false, false],
          ['aᵀᵀ·b', f(aT, [3, 2]), f(b, [3, 4]), true, false],
          ['a·bᵀᵀ', f(a, [2, 3]), f(bT, [4, 3]), false, true],
          ['aᵀᵀ·bᵀᵀ', f(aT, [3, 2]), f(bT, [4, 3]), true, true],
        ];
        for (const [label, x, y, tA, tB] of cases) {
          const out = await be.matmul(x, y, tA, tB);
          expect(out.shape, label).toEqual([2, 4]);
          expect(out.dtype).toBe('float32');
          expect(await values(out), label).toEqual(ab);
        }
      });

      it('odd sizes (every tile tail) agree with a plain triple loop in each layout', async () => {
        await setup();
        const r = randoms(3);
        for (const [M, K, N] of [[7, 5, 9], [1, 1, 1], [4, 13, 3]] as const) {
          const av = Array.from(r(M * K)), bv = Array.from(r(K * N));
          const want = range(M * N).map((o) => {
            const i = Math.floor(o / N), j = o % N;
            let s = 0;
            for (let k = 0; k < K; k++) s += av[i * K + k]! * bv[k * N + j]!;
            return s;
          });
          // Inputs are rounded to the precision first, so compare at float32 tolerance there.
          const tol = precision === 'float64' ? 1e-12 : 1e-5;
          for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
            const x = tA ? f(transposed(av, M, K), [K, M]) : f(av, [M, K]);
            const y = tB ? f(transposed(bv, K, N), [N, K]) : f(bv, [K, N]);
            const out = await be.matmul(x, y, tA, tB);
            expect(out.shape).toEqual([M, N]);
            (await values(out)).forEach((v, o) => expect(Math.abs(v - want[o]!), `M ${M} K ${K} N ${N} tA ${tA} tB ${tB} [${o}]`).toBeLessThan(tol));
          }
        }
      });
    });

    it('add, sub, mul, affine', async () => {
      await setup();
      const a = f([1, 2, 3, 4], [2, 2]);
      const b = f([0.5, -1, 2, 0], [2, 2]);
      const sum = await be.add(a, b);
      expect(sum.shape).toEqual([2, 2]);
      expect(await values(sum)).toEqual([1.5, 1, 5, 4]);
      expect(await values(await be.sub(a, b))).toEqual([0.5, 3, 1, 4]);
      expect(await values(await be.mul(a, b))).toEqual([0.5, -2, 6, 0]);
      const aff = await be.affine(a, 2, -1);
      expect(aff.shape).toEqual([2, 2]);
      expect(await values(aff)).toEqual([1, 3, 5, 7]);
      await close(await be.affine(f([0.1, -0.3], [2]), -1, 1), [0.9, 1.3]);
      // Inputs are untouched: every result is a new tensor.
      expect(await values(a)).toEqual([1, 2, 3, 4]);
    });

    it('addRow and sumRows', async () => {
      await setup();
      const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
      const row = await be.addRow(x, f([10, 20, 30], [3]));
      expect(row.shape).toEqual([2, 3]);
      expect(await values(row)).toEqual([11, 22, 33, 14, 25, 36]);
      const cols = await be.sumRows(x);
      expect(cols.shape).toEqual([3]);
      expect(await values(cols)).toEqual([5, 7, 9]);
      expect(await values(await be.sumRows(f([1, 2], [1, 2])))).toEqual([1, 2]);
    });

    it('activation: sigmoid, tanh, relu', async () => {
      await setup();
      const x = f([0, 2, -2, 40, -40], [5]);
      const sig = await be.activation('sigmoid', x);
      expect(sig.shape).toEqual([5]);
      // σ(2) = 1 / (1 + e⁻²), σ(−2) = 1 − σ(2); far out it saturates without overflow.
      await close(sig, [0.5, 0.8807970779778823, 0.11920292202211755, 1, 0]);
      await close(await be.activation('tanh', x), [0, 0.9640275800758169, -0.9640275800758169, 1, -1]);
      expect(await values(await be.activation('relu', x))).toEqual([0, 2, 0, 40, 0]);
    });

    it('activationGrad from the output y: sigmoid y(1−y), tanh 1−y², relu [y > 0]', async () => {
      await setup();
      const dy = f([2, -1, 0.5], [3]);
      const sig = await be.activationGrad('sigmoid', f([0.5, 0.25, 0.9], [3]), dy);
      expect(sig.shape).toEqual([3]);
      await close(sig, [2 * 0.25, -1 * 0.1875, 0.5 * 0.09]);
      await close(await be.activationGrad('tanh', f([0.5, 0.25, 0.9], [3]), dy), [2 * 0.75, -1 * 0.9375, 0.5 * 0.19]);
      expect(await values(await be.activationGrad('relu', f([1.5, 0, 3], [3]), dy))).toEqual([2, 0, 0.5]);
    });

    describe('slice and concat on a rank-3 tensor', () => {
      // x: [2, 3, 2], x[b, t, k] = 6b + 2t + k
      const x = (): Tensor => f(range(12), [2, 3, 2]);

      it('slice on axis 0, 1 and 2', async () => {
        await setup();
        const s0 = await be.slice(x(), 0, 1, 1);
        expect(s0.shape).toEqual([1, 3, 2]);
        expect(await values(s0)).toEqual([6, 7, 8, 9, 10, 11]);
        const s1 = await be.slice(x(), 1, 1, 2);
        expect(s1.shape).toEqual([2, 2, 2]);
        expect(await values(s1)).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
        const s2 = await be.slice(x(), 2, 1, 1);
        expect(s2.shape).toEqual([2, 3, 1]);
        expect(await values(s2)).toEqual([1, 3, 5, 7, 9, 11]);
        const step = await be.slice(x(), 1, 0, 1); // one time step, as the generic loop takes it
        expect(step.shape).toEqual([2, 1, 2]);
        expect(await values(step)).toEqual([0, 1, 6, 7]);
        const whole = await be.slice(x(), 2, 0, 2);
        expect(whole.shape).toEqual([2, 3, 2]);
        expect(await values(whole)).toEqual(range(12));
      });

      it('concat on axis 0, 1 and 2', async () => {
        await setup();
        const c0 = await be.concat([x(), f(range(6, 100), [1, 3, 2])], 0);
        expect(c0.shape).toEqual([3, 3, 2]);
        expect(await values(c0)).toEqual([...range(12), ...range(6, 100)]);
        const c1 = await be.concat([x(), f(range(4, 100), [2, 1, 2])], 1);
        expect(c1.shape).toEqual([2, 4, 2]);
        expect(await values(c1)).toEqual([0, 1, 2, 3, 4, 5, 100, 101, 6, 7, 8, 9, 10, 11, 102, 103]);
        const c2 = await be.concat([x(), f(range(6, 100), [2, 3, 1])], 2);
        expect(c2.shape).toEqual([2, 3, 3]);
        expect(await values(c2)).toEqual([0, 1, 100, 2, 3, 101, 4, 5, 102, 6, 7, 103, 8, 9, 104, 10, 11, 105]);
        const three = await be.concat([f([1, 2], [2, 1]), f([3, 4, 5, 6], [2, 2]), f([7, 8], [2, 1])], 1);
        expect(three.shape).toEqual([2, 4]);
        expect(await values(three)).toEqual([1, 3, 4, 7, 2, 5, 6, 8]);
      });

      it('concat undoes slice on every axis', async () => {
        await setup();
        for (const axis of [0, 1, 2]) {
          const n = [2, 3, 2][axis]!;
          const parts = await Promise.all(range(n).map((i) => be.slice(x(), axis, i, 1)));
          const back = await be.concat(parts, axis);
          expect(back.shape).toEqual([2, 3, 2]);
          expect(await values(back)).toEqual(range(12));
        }
      });
    });

    it('int32 slice and concat keep int32', async () => {
      await setup();
      const ids = i32([1, 2, 3, 4, 5, 6], [2, 3]);
      const s = await be.slice(ids, 1, 1, 2);
      expect([s.shape, s.dtype]).toEqual([[2, 2], 'int32']);
      const data = await be.read(s);
      expect(data).toBeInstanceOf(Int32Array);
      expect(Array.from(data)).toEqual([2, 3, 5, 6]);
      const rows = await be.slice(i32(range(12), [2, 3, 2]), 0, 1, 1);
      expect(Array.from(await be.read(rows))).toEqual(range(6, 6));
      const c = await be.concat([ids, i32([7, 8, 9], [1, 3])], 0);
      expect([c.shape, c.dtype]).toEqual([[3, 3], 'int32']);
      expect(await be.read(c)).toEqual(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    });

    it('reshape: same data, new shape, a handle disposed on its own', async () => {
      await setup();
      const x = f(range(6), [2, 3]);
      const before = be.liveTensors();
      const r = await be.reshape(x, [3, 2]);
      expect(be.liveTensors()).toBe(before + 1);
      expect([r.shape, r.dtype]).toEqual([[3, 2], 'float32']);
      expect(await values(r)).toEqual(range(6));
      be.dispose(x);
      expect(await values(r)).toEqual(range(6));
      await be.scaleInPlace(r, 2);
      const again = await be.reshape(r, [6]);
      be.dispose(r);
      expect(await values(again)).toEqual([0, 2, 4, 6, 8, 10]);
      const ids = await be.reshape(i32([4, 5], [2]), [1, 2]);
      expect([ids.shape, ids.dtype]).toEqual([[1, 2], 'int32']);
      expect(await be.read(ids)).toEqual(Int32Array.from([4, 5]));
    });

    it('every result is a new tensor, counted live until disposed', async () => {
      await setup();
      const a = f([1, 2, 3, 4], [2, 2]);
      const v = f([1, 2], [2]);
      const base = be.liveTensors();
      const results = [
        await be.matmul(a, a, false, true),
        await be.add(a, a),
        await be.sub(a, a),
        await be.mul(a, a),
        await be.affine(a, 1, 0),
        await be.addRow(a, v),
        await be.sumRows(a),
        await be.activation('relu', a),
        await be.activationGrad('relu', a, a),
        await be.slice(a, 0, 0, 2),
        await be.concat([a], 0),
        await be.reshape(a, [4]),
      ];
      expect(new Set([...results, a, v]).size).toBe(results.length + 2);
      expect(be.liveTensors()).toBe(base + results.length);
      results.forEach((t) => be.dispose(t));
      expect(be.liveTensors()).toBe(base);
      // Writing into one result never shows in the input it came from.
      const copy = await be.affine(a, 1, 0);
      await be.scaleInPlace(copy, 0);
      expect(await values(a)).toEqual([1, 2, 3, 4]);
    });
  });
}
