// The primitives every cell's step is written in, against core's host loops (`@rnnkit/core/host`,
// run here in float64 on the same float32 inputs) on random data: core's generic recurrent path is
// only as right as these. matmul runs both of its routes (the host loop for tiny products, an ORT
// Gemm session otherwise), so both are checked against the same reference.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as host from '@rnnkit/core/host';
import type { Activation, Tensor } from '@rnnkit/core';
import { HOST_MATMUL_MAX_WORK } from './matmul.js';
import type { OnnxBackend } from './onnx-backend.js';
import { expectClose, onnxBackend, randoms } from './test-support.js';

const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu'];
const product = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

let b: OnnxBackend;
beforeAll(async () => {
  b = await onnxBackend();
});
afterAll(() => b.close());

describe('primitives vs @rnnkit/core/host', () => {
  const r = randoms(7);
  /** Random float32 data, its float64 copy for the host loops, and the tensor. */
  const input = (shape: readonly number[], lo = -2, hi = 2): { data: Float64Array; t: Tensor } => {
    const data = r(product(shape), lo, hi);
    return { data: Float64Array.from(data), t: b.tensor(data, shape, 'float32') };
  };
  const expectTensor = async (t: Tensor, shape: readonly number[], want: ArrayLike<number>, what: string, tol = 1e-5): Promise<void> => {
    expect(t.shape, `${what}: shape`).toEqual(shape);
    expect(t.dtype, `${what}: dtype`).toBe('float32');
    const got = await b.read(t);
    expect(got, `${what}: precision`).toBeInstanceOf(Float32Array);
    expectClose(got, want, what, tol, tol);
    b.dispose(t);
  };

  it('matmul in all four transpose combinations, on the host loop and on ORT', async () => {
    // [1, 1, 1] and [5, 7, 3] stay on the host; the others run the Gemm session.
    const shapes = [[1, 1, 1], [5, 7, 3], [24, 33, 40], [64, 40, 96], [3, 600, 20]] as const;
    expect(shapes.map(([M, K, N]) => M * K * N < HOST_MATMUL_MAX_WORK)).toEqual([true, true, false, false, false]);
    for (const [M, K, N] of shapes) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = input(tA ? [K, M] : [M, K]);
        const c = input(tB ? [N, K] : [K, N]);
        const want = host.matmul(a.data, c.data, M, K, N, tA, tB);
        // Sums of K products: the tolerance grows with K (float32 against float64).
        await expectTensor(await b.matmul(a.t, c.t, tA, tB), [M, N], want, `matmul M ${M} K ${K} N ${N} transposeA ${tA} transposeB ${tB}`, 1e-6 * K + 1e-5);
        b.dispose(a.t);
        b.dispose(c.t);
      }
    }
    // One Gemm session per transpose combination, whatever the shapes.
    expect(b.sessionCount).toBe(4);
  });

  it('add, sub, mul, affine', async () => {
    const shape = [3, 4, 5];
    const x = input(shape);
    const y = input(shape);
    await expectTensor(b.add(x.t, y.t), shape, host.add(x.data, y.data), 'add');
    await expectTensor(b.sub(x.t, y.t), shape, host.sub(x.data, y.data), 'sub');
    await expectTensor(b.mul(x.t, y.t), shape, host.mul(x.data, y.data), 'mul');
    for (const [scale, shift] of [[-1, 1], [0.5, 0], [1, -0.25], [1, 0], [0, 3]] as const) {
      await expectTensor(b.affine(x.t, scale, shift), shape, host.affine(x.data, scale, shift), `affine(${scale}, ${shift})`);
    }
    for (const t of [x.t, y.t]) b.dispose(t);
  });

  it('addRow and sumRows', async () => {
    for (const [N, K] of [[6, 4], [1, 9], [37, 3]] as const) {
      const x = input([N, K]);
      const row = input([K]);
      await expectTensor(b.addRow(x.t, row.t), [N, K], host.addRow(x.data, row.data), `addRow [${N}, ${K}]`);
      await expectTensor(b.sumRows(x.t), [K], host.sumRows(x.data, K), `sumRows [${N}, ${K}]`);
      for (const t of [x.t, row.t]) b.dispose(t);
    }
  });

  it('activation and activationGrad (from the output) of sigmoid, tanh and relu', async () => {
    const shape = [4, 6];
    // Wide enough to saturate sigmoid and tanh, with exact zeros for relu's kink.
    const x = input(shape, -12, 12);
    const xz = x.data.map((v, i) => (i % 5 === 0 ? 0 : v));
    const tx = b.tensor(Float32Array.from(xz), shape, 'float32');
    const dy = input(shape);
    for (const f of ACTIVATIONS) {
      const y = b.activation(f, tx);
      expect(y.shape).toEqual(shape);
      expectClose(await b.read(y), host.activation(f, xz), `activation ${f}`, 1e-6, 1e-5);
      // The gradient is taken from the backend's own output, as the generic path does.
      const yHost = Float64Array.from(await b.read(y));
      await expectTensor(b.activationGrad(f, y, dy.t), shape, host.activationGrad(f, yHost, dy.data), `activationGrad ${f}`);
      b.dispose(y);
    }
    for (const t of [x.t, tx, dy.t]) b.dispose(t);
  });

  it('slice and concat on axes 0, 1 and 2 of a rank-3 tensor', async () => {
    const shape = [3, 4, 5];
    const x = input(shape);
    for (let axis = 0; axis < 3; axis++) {
      const n = shape[axis]!;
      for (const [start, size] of [[0, 1], [1, n - 2], [n - 1, 1], [0, n]] as const) {
        const out = shape.map((d, i) => (i === axis ? size : d));
        await expectTensor(b.slice(x.t, axis, start, size), out, host.slice(x.data, shape, axis, start, size), `slice axis ${axis} start ${start} size ${size}`);
      }
      // Three parts of different extents along the axis, every other axis equal.
      const parts = [2, 1, 3].map((s) => input(shape.map((d, i) => (i === axis ? s : d))));
      const joined = shape.map((d, i) => (i === axis ? 6 : d));
      const want = host.concat(parts.map((p) => p.data), parts.map((p) => p.t.shape), axis);
      await expectTensor(b.concat(parts.map((p) => p.t), axis), joined, want, `concat axis ${axis}`);
      await expectTensor(b.concat([parts[0]!.t], axis), parts[0]!.t.shape, parts[0]!.data, `concat of one tensor on axis ${axis}`);
      for (const p of parts) b.dispose(p.t);
    }
    b.dispose(x.t);
  });

  it('int32 slice and concat stay int32 and exact', async () => {
    const shape = [2, 3, 4];
    const data = Int32Array.from({ length: product(shape) }, (_, i) => i * 7 - 40);
    const ids = b.tensor(data, shape, 'int32');
    for (let axis = 0; axis < 3; axis++) {
      const part = host.slice(data, shape, axis, 1, shape[axis]! - 1);
      const s = b.slice(ids, axis, 1, shape[axis]! - 1);
      expect(s.dtype).toBe('int32');
      const got = await b.read(s);
      expect(got).toBeInstanceOf(Int32Array);
      expect(Array.from(got), `int32 slice axis ${axis}`).toEqual(Array.from(part));
      const c = b.concat([s, ids], axis);
      expect(c.dtype).toBe('int32');
      expect(Array.from(await b.read(c)), `int32 concat axis ${axis}`).toEqual(Array.from(host.concat([part, data], [s.shape, shape], axis)));
      b.dispose(s);
      b.dispose(c);
    }
    b.dispose(ids);
  });

  it('reshape: same data, new shape, a handle disposed on its own (float32 and int32)', async () => {
    const x = input([2, 3, 4]);
    const before = b.liveTensors();
    const flat = b.reshape(x.t, [6, 4]);
    expect(b.liveTensors()).toBe(before + 1);
    b.dispose(x.t);
    await expectTensor(flat, [6, 4], x.data, 'reshape after the source was disposed');
    const ids = b.tensor(Int32Array.from([4, 5, 6]), [3], 'int32');
    const col = b.reshape(ids, [3, 1]);
    b.dispose(ids);
    expect([col.shape, col.dtype, Array.from(await b.read(col))]).toEqual([[3, 1], 'int32', [4, 5, 6]]);
    b.dispose(col);
  });

  it('every result is a new tensor, counted live until disposed, and inputs are untouched', async () => {
    const a = input([2, 2]);
    const v = input([2]);
    const big = input([32, 32]);
    const base = b.liveTensors();
    const results = [
      await b.matmul(a.t, a.t, false, false),
      await b.matmul(a.t, a.t, true, false),
      await b.matmul(a.t, a.t, false, true),
      await b.matmul(a.t, a.t, true, true),
      await b.matmul(big.t, big.t, false, true),
      b.add(a.t, a.t),
      b.sub(a.t, a.t),
      b.mul(a.t, a.t),
      b.affine(a.t, 1, 0),
      b.affine(a.t, 2, 1),
      b.addRow(a.t, v.t),
      b.sumRows(a.t),
      ...ACTIVATIONS.map((f) => b.activation(f, a.t)),
      ...ACTIVATIONS.map((f) => b.activationGrad(f, a.t, a.t)),
      b.slice(a.t, 0, 0, 2),
      b.concat([a.t], 0),
      b.concat([a.t, a.t], 1),
      b.reshape(a.t, [4]),
    ];
    expect(new Set([...results, a.t, v.t, big.t]).size).toBe(results.length + 3);
    expect(b.liveTensors()).toBe(base + results.length);
    results.forEach((t) => b.dispose(t));
    expect(b.liveTensors()).toBe(base);
    // An in-place update of a result never shows in the input it came from.
    const copy = b.affine(a.t, 1, 0);
    const view = b.reshape(a.t, [4]);
    b.scaleInPlace(copy, 0);
    b.scaleInPlace(view, 0);
    expectClose(await b.read(a.t), a.data, 'input after an update of its copy and of a reshape of it', 0, 0);
    for (const t of [copy, view, a.t, v.t, big.t]) b.dispose(t);
    expect(b.liveTensors()).toBe(base - 3);
  });
});
