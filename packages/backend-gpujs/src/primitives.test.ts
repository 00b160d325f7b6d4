// The primitives every cell's step is written in, as real gpu.js kernels (HeadlessGLKernel under
// Xvfb), against core's host loops (`@rnnkit/core/host`, run here in float64 on the same float32
// inputs) on random data: core's generic recurrent path is only as right as these.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as host from '@rnnkit/core/host';
import type { Activation, Tensor } from '@rnnkit/core';
import { Texture } from 'gpu.js';
import type { GpujsBackend } from './backend.js';
import { allowFallback, createTestBackend, expectClose, randoms } from './test-support.js';

const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu'];
const product = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

let be: GpujsBackend;
beforeAll(async () => {
  be = await createTestBackend();
});
afterAll(() => be?.close());

const r = randoms(7);
/** Random float32 data, its float64 copy for the host loops, and the tensor. */
const input = (shape: readonly number[], lo = -2, hi = 2): { data: Float64Array; t: Tensor } => {
  const data = r(product(shape), lo, hi);
  return { data: Float64Array.from(data), t: be.tensor(data, shape, 'float32') };
};
const expectTensor = async (t: Tensor, shape: readonly number[], want: ArrayLike<number>, what: string, tol = 1e-5): Promise<void> => {
  expect(t.shape, `${what}: shape`).toEqual(shape);
  expect(t.dtype, `${what}: dtype`).toBe('float32');
  expectClose(await be.read(t), want, what, tol, tol);
  be.dispose(t);
};

describe('primitives against @rnnkit/core/host', () => {
  test.skipIf(allowFallback)('the kernels really run on WebGL: a result is a GPU texture, not a host array', () => {
    expect(be.engine.kernelClass).toBe('HeadlessGLKernel');
    const a = input([2, 3]);
    const y = be.activation('tanh', a.t);
    expect((y as unknown as { storage: unknown }).storage).toBeInstanceOf(Texture);
    for (const t of [a.t, y]) be.dispose(t);
  });

  test('matmul in all four transpose combinations (simple and vec4-packed products)', async () => {
    // [64, 40, 96]: 245k multiply-adds, below the packing threshold; [128, 72, 128]: above it
    for (const [M, K, N] of [[5, 7, 3], [1, 1, 1], [16, 33, 9], [64, 40, 96], [128, 72, 128]] as const) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = input(tA ? [K, M] : [M, K]);
        const c = input(tB ? [N, K] : [K, N]);
        const want = host.matmul(a.data, c.data, M, K, N, tA, tB);
        await expectTensor(await be.matmul(a.t, c.t, tA, tB), [M, N], want, `matmul M ${M} K ${K} N ${N} transposeA ${tA} transposeB ${tB}`, 1e-4);
        be.dispose(a.t);
        be.dispose(c.t);
      }
    }
  });

  test('add, sub, mul, affine', async () => {
    const shape = [3, 4, 5];
    const x = input(shape);
    const y = input(shape);
    await expectTensor(await be.add(x.t, y.t), shape, host.add(x.data, y.data), 'add');
    await expectTensor(await be.sub(x.t, y.t), shape, host.sub(x.data, y.data), 'sub');
    await expectTensor(await be.mul(x.t, y.t), shape, host.mul(x.data, y.data), 'mul');
    for (const [scale, shift] of [[-1, 1], [0.5, 0], [1, -0.25], [1, 0], [0, 3]] as const) {
      await expectTensor(await be.affine(x.t, scale, shift), shape, host.affine(x.data, scale, shift), `affine(${scale}, ${shift})`);
    }
    for (const t of [x.t, y.t]) be.dispose(t);
  });

  test('addRow and sumRows', async () => {
    for (const [N, K] of [[6, 4], [1, 9], [37, 3], [1500, 5]] as const) {
      const x = input([N, K]);
      const row = input([K]);
      await expectTensor(await be.addRow(x.t, row.t), [N, K], host.addRow(x.data, row.data), `addRow [${N}, ${K}]`);
      await expectTensor(await be.sumRows(x.t), [K], host.sumRows(x.data, K), `sumRows [${N}, ${K}]`, 1e-4);
      for (const t of [x.t, row.t]) be.dispose(t);
    }
  });

  test('activation and activationGrad (from the output) of sigmoid, tanh and relu', async () => {
    const shape = [5, 8];
    // Wide enough to saturate sigmoid and tanh (and to overflow a naive exp), with exact zeros
    // for relu's kink and tiny values where a tanh through exp cancels.
    const x = input(shape, -100, 100);
    const xz = x.data.map((v, i) => (i % 5 === 0 ? 0 : i % 5 === 1 ? v * 1e-6 : i % 5 === 2 ? v / 200 : v));
    const tx = be.tensor(Float32Array.from(xz), shape, 'float32');
    const x32 = Float64Array.from(Float32Array.from(xz));
    const dy = input(shape);
    for (const f of ACTIVATIONS) {
      const want = host.activation(f, x32);
      const y = await be.activation(f, tx);
      expect(y.shape).toEqual(shape);
      // relative to each value: tanh(1e-6·v) must not round to 0 or lose digits to cancellation
      expectClose(await be.read(y), want, `activation ${f}`, 1e-9, 1e-5);
      // The gradient is taken from the backend's own output, as the generic path does.
      const yHost = Float64Array.from(await be.read(y));
      await expectTensor(await be.activationGrad(f, y, dy.t), shape, host.activationGrad(f, yHost, dy.data), `activationGrad ${f}`);
      be.dispose(y);
    }
    for (const t of [x.t, tx, dy.t]) be.dispose(t);
  });

  test('slice and concat on axes 0, 1 and 2 of a rank-3 tensor', async () => {
    const shape = [3, 4, 5];
    const x = input(shape);
    for (let axis = 0; axis < 3; axis++) {
      const n = shape[axis]!;
      for (const [start, size] of [[0, 1], [1, n - 2], [n - 1, 1], [0, n]] as const) {
        const out = shape.map((d, i) => (i === axis ? size : d));
        await expectTensor(await be.slice(x.t, axis, start, size), out, host.slice(x.data, shape, axis, start, size), `slice axis ${axis} start ${start} size ${size}`, 0);
      }
      // Three parts of different extents along the axis, every other axis equal.
      const sizes = [2, 1, 3];
      const parts = sizes.map((s) => input(shape.map((d, i) => (i === axis ? s : d))));
      const joined = shape.map((d, i) => (i === axis ? 6 : d));
      const want = host.concat(parts.map((p) => p.data), parts.map((p) => p.t.shape), axis);
      await expectTensor(await be.concat(parts.map((p) => p.t), axis), joined, want, `concat axis ${axis}`, 0);
      await expectTensor(await be.concat([parts[0]!.t], axis), parts[0]!.t.shape, parts[0]!.data, `concat of one tensor on axis ${axis}`, 0);
      for (const p of parts) be.dispose(p.t);
    }
    be.dispose(x.t);
  });

  test('concat of more parts than one kernel reads (the generic loop joins T steps) and of empty parts', async () => {
    // 40 steps [B, 1, H] → [B, 40, H]: a tree of joins; sizes vary so group boundaries fall mid-axis
    const B = 3, H = 4;
    const steps = Array.from({ length: 40 }, (_, t) => input([B, 1 + (t % 3 === 0 ? 1 : 0), H]));
    const total = steps.reduce((a, s) => a + s.t.shape[1]!, 0);
    const want = host.concat(steps.map((s) => s.data), steps.map((s) => s.t.shape), 1);
    await expectTensor(await be.concat(steps.map((s) => s.t), 1), [B, total, H], want, 'concat of 40 parts', 0);
    // 40 equal parts: the same join kernel runs for several groups of one call, while its earlier
    // outputs are alive (gpu.js binds a kernel's fresh output texture to unit 15 then).
    const equal = Array.from({ length: 40 }, () => input([B, 1, H]));
    const wantEqual = host.concat(equal.map((s) => s.data), equal.map((s) => s.t.shape), 1);
    await expectTensor(await be.concat(equal.map((s) => s.t), 1), [B, 40, H], wantEqual, 'concat of 40 equal parts', 0);
    equal.forEach((s) => be.dispose(s.t));
    const empty = be.zeros([B, 0, H]);
    await expectTensor(await be.concat([empty, steps[0]!.t, empty], 1), steps[0]!.t.shape, steps[0]!.data, 'concat with empty parts', 0);
    await expectTensor(await be.concat([empty, empty], 1), [B, 0, H], [], 'concat of empty parts only', 0);
    for (const t of [empty, ...steps.map((s) => s.t)]) be.dispose(t);
  });

  test('int32 slice and concat stay int32 and exact', async () => {
    const shape = [2, 3, 4];
    const data = Int32Array.from({ length: product(shape) }, (_, i) => i * 7 - 40);
    const ids = be.tensor(data, shape, 'int32');
    for (let axis = 0; axis < 3; axis++) {
      const s = await be.slice(ids, axis, 1, shape[axis]! - 1);
      expect(s.dtype).toBe('int32');
      const got = await be.read(s);
      expect(got).toBeInstanceOf(Int32Array);
      expect(Array.from(got), `int32 slice axis ${axis}`).toEqual(Array.from(host.slice(data, shape, axis, 1, shape[axis]! - 1)));
      const c = await be.concat([s, ids], axis);
      expect(c.dtype).toBe('int32');
      const want = host.concat([host.slice(data, shape, axis, 1, shape[axis]! - 1), data], [s.shape, shape], axis);
      expect(Array.from(await be.read(c)), `int32 concat axis ${axis}`).toEqual(Array.from(want));
      be.dispose(s);
      be.dispose(c);
    }
    be.dispose(ids);
  });

  test('reshape: same data, new shape, a handle disposed on its own (float32 and int32)', async () => {
    const x = input([2, 3, 4]);
    const before = be.liveTensors();
    const flat = await be.reshape(x.t, [6, 4]);
    expect(be.liveTensors()).toBe(before + 1);
    be.dispose(x.t);
    await expectTensor(flat, [6, 4], x.data, 'reshape after the source was disposed', 0);
    const ids = be.tensor(Int32Array.from([4, 5, 6]), [3], 'int32');
    const col = await be.reshape(ids, [3, 1]);
    be.dispose(ids);
    expect([col.shape, col.dtype, Array.from(await be.read(col))]).toEqual([[3, 1], 'int32', [4, 5, 6]]);
    be.dispose(col);
  });

  test('every result is a new tensor, counted live until disposed, and inputs are untouched', async () => {
    const a = input([2, 2]);
    const v = input([2]);
    const base = be.liveTensors();
    const results = await Promise.all([
      be.matmul(a.t, a.t, false, false),
      be.matmul(a.t, a.t, true, false),
      be.matmul(a.t, a.t, false, true),
      be.matmul(a.t, a.t, true, true),
      be.add(a.t, a.t),
      be.sub(a.t, a.t),
      be.mul(a.t, a.t),
      be.affine(a.t, 1, 0),
      be.affine(a.t, 2, 1),
      be.addRow(a.t, v.t),
      be.sumRows(a.t),
      ...ACTIVATIONS.map((f) => be.activation(f, a.t)),
      ...ACTIVATIONS.map((f) => be.activationGrad(f, a.t, a.t)),
      be.slice(a.t, 0, 0, 2),
      be.concat([a.t], 0),
      be.concat([a.t, a.t], 1),
      be.reshape(a.t, [4]),
    ]);
    expect(new Set([...results, a.t, v.t]).size).toBe(results.length + 2);
    expect(be.liveTensors()).toBe(base + results.length);
    results.forEach((t) => be.dispose(t));
    expect(be.liveTensors()).toBe(base);
    // An in-place update of a result never shows in the input it came from.
    const copy = await be.affine(a.t, 1, 0);
    await be.scaleInPlace(copy, 0);
    expectClose(await be.read(a.t), a.data, 'input after an update of its copy', 0, 0);
    for (const t of [copy, a.t, v.t]) be.dispose(t);
    expect(be.liveTensors()).toBe(base - 2);
  });

  test('once warmed, calls with new starts and scalars compile nothing (the generic loop calls them per step)', async () => {
    const B = 4, T = 9, I = 3, H = 5;
    const x = input([B, T, I]);
    const w = input([4 * H, I]);
    const bias = input([4 * H]);
    const step = async (t: number): Promise<void> => {
      const made: Tensor[] = [];
      const keep = <T extends Tensor>(v: T): T => (made.push(v), v);
      const xt = keep(await be.reshape(keep(await be.slice(x.t, 1, t, 1)), [B, I]));
      const pre = keep(await be.addRow(keep(await be.matmul(xt, w.t, false, true)), bias.t));
      const gates = (await Promise.all([0, 1, 2, 3].map((g) => be.slice(pre, 1, g * H, H)))).map(keep);
      keep(await be.affine(keep(await be.activation('tanh', gates[2]!)), 0.5 + t, -t));
      made.forEach((v) => be.dispose(v));
    };
    await step(0);
    const warmed = be.engine.kernelCount();
    for (let t = 1; t < T; t++) await step(t);
    expect(be.engine.kernelCount()).toBe(warmed);
    for (const t of [x.t, w.t, bias.t]) be.dispose(t);
  });
});
