// Dense, embedding, losses, softmax, tensors and optimizer arithmetic helpers against small hand-worked cases
// (expected values computed here in float64 from the formulas, independently of tfjs).

import { expect, it } from 'vitest';
import { describeEngines, expectClose, f32, i32, values } from './test-support.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describeEngines('layers and losses', (backend) => {
  it('dense forward and backward: y = x wᵀ + b, dx = dy w, dw = dyᵀ x, db = Σ dy', async () => {
    const b = backend();
    const w = f32(b, [1, 2, 3, 4, 5, 6], [2, 3]);
    const bias = f32(b, [0.5, -1], [2]);
    const x = f32(b, [1, 0, -1, 2, 1, 0], [2, 3]);
    const { y, saved } = b.denseForward(w, bias, x, true);
    expect(y.shape).toEqual([2, 2]);
    expectClose(await b.read(y), [-1.5, -3, 4.5, 12], 'y');
    b.dispose(x); // saved must not depend on the caller's handles
    const dy = f32(b, [1, 0, 0, 2], [2, 2]);
    const g = b.denseBackward(saved!, dy);
    expectClose(await b.read(g.dx), [1, 2, 3, 8, 10, 12], 'dx');
    expectClose(await b.read(g.dw), [1, 0, -1, 4, 2, 0], 'dw');
    expectClose(await b.read(g.db), [1, 2], 'db');
    for (const t of [w, bias, y, dy, g.dx, g.dw, g.db]) b.dispose(t);
    b.disposeSaved(saved!);
  });

  it('dense applies to every row of a [B, T, I] input', async () => {
    const b = backend();
    const w = f32(b, [1, 2, 3, 4, 5, 6], [2, 3]);
    const bias = f32(b, [0.5, -1], [2]);
    const x = f32(b, [1, 0, -1, 2, 1, 0], [1, 2, 3]);
    const { y, saved } = b.denseForward(w, bias, x, true);
    expect(y.shape).toEqual([1, 2, 2]);
    expectClose(await b.read(y), [-1.5, -3, 4.5, 12], 'y');
    const dy = f32(b, [1, 0, 0, 2], [1, 2, 2]);
    const g = b.denseBackward(saved!, dy);
    expect(g.dx.shape).toEqual([1, 2, 3]);
    expectClose(await b.read(g.dx), [1, 2, 3, 8, 10, 12], 'dx');
    expectClose(await b.read(g.dw), [1, 0, -1, 4, 2, 0], 'dw');
    for (const t of [w, bias, x, y, dy, g.dx, g.dw, g.db]) b.dispose(t);
    b.disposeSaved(saved!);
  });

  it('dense inference keeps nothing', () => {
    const b = backend();
    const before = b.liveTensors();
    const w = f32(b, [1, 2], [1, 2]), bias = f32(b, [0], [1]), x = f32(b, [1, 1], [1, 2]);
    const r = b.denseForward(w, bias, x, false);
    expect(r.saved).toBeUndefined();
    for (const t of [w, bias, x, r.y]) b.dispose(t);
    expect(b.liveTensors()).toBe(before);
  });

  it('embedding gathers rows and sums dy rows per id (repeated ids accumulate)', async () => {
    const b = backend();
    const weight = f32(b, [0, 1, 2, 3, 4, 5, 6, 7], [4, 2]);
    const ids = i32(b, [1, 3, 1], [1, 3]);
    const { y, saved } = b.embeddingForward(weight, ids, true);
    expect(y.shape).toEqual([1, 3, 2]);
    expectClose(await b.read(y), [2, 3, 6, 7, 2, 3], 'y');
    b.dispose(ids);
    const dy = f32(b, [1, 2, 3, 4, 5, 6], [1, 3, 2]);
    const { dWeight } = b.embeddingBackward(saved!, dy);
    expect(dWeight.shape).toEqual([4, 2]);
    expectClose(await b.read(dWeight), [0, 0, 6, 8, 0, 0, 3, 4], 'dWeight');
    for (const t of [weight, y, dy, dWeight]) b.dispose(t);
    b.disposeSaved(saved!);
  });

  it('embedding backward on a 10k vocabulary matches a host accumulation and is fast', async () => {
    const b = backend();
    const V = 10_000, E = 16, B = 32, T = 100;
    const idsHost = Int32Array.from({ length: B * T }, (_, k) => (k * 7919 + (k % 13) * 104729) % V);
    const dyHost = Float32Array.from({ length: B * T * E }, (_, k) => ((k * 37) % 101) / 101 - 0.5);
    const weight = b.zeros([V, E]);
    const ids = b.tensor(idsHost, [B, T], 'int32');
    const dy = b.tensor(dyHost, [B, T, E], 'float32');
    const t0 = performance.now();
    const { y, saved } = b.embeddingForward(weight, ids, true);
    const { dWeight } = b.embeddingBackward(saved!, dy);
    const got = await b.read(dWeight);
    const ms = performance.now() - t0;
    const expected = new Float64Array(V * E);
    for (let k = 0; k < B * T; k++) for (let e = 0; e < E; e++) expected[idsHost[k]! * E + e]! += dyHost[k * E + e]!;
    expectClose(got, expected, 'dWeight');
    expect(ms).toBeLessThan(2000);
    for (const t of [weight, ids, dy, y, dWeight]) b.dispose(t);
    b.disposeSaved(saved!);
  });

  it('softmax cross-entropy: mean loss and (softmax − onehot)/N', async () => {
    const b = backend();
    const rows = [[1, 2, 3], [1, 1, 1]];
    const labels = [2, 0];
    const logits = f32(b, rows.flat(), [2, 3]);
    const lab = i32(b, labels, [2]);
    const r = b.softmaxCrossEntropy(logits, lab);
    expect(r.loss.shape).toEqual([]);
    let loss = 0;
    const grad: number[] = [];
    rows.forEach((row, n) => {
      const z = row.reduce((s, v) => s + Math.exp(v), 0);
      loss -= Math.log(Math.exp(row[labels[n]!]!) / z) / rows.length;
      row.forEach((v, c) => grad.push((Math.exp(v) / z - (c === labels[n] ? 1 : 0)) / rows.length));
    });
    expectClose(await b.read(r.loss), [loss], 'loss');
    expectClose(await b.read(r.grad), grad, 'grad');
    // weights: only the second sample counts
    const w = f32(b, [0, 1], [2]);
    const rw = b.softmaxCrossEntropy(logits, lab, w);
    expectClose(await b.read(rw.loss), [Math.log(3)], 'weighted loss');
    expectClose(await b.read(rw.grad), [0, 0, 0, 1 / 3 - 1, 1 / 3, 1 / 3], 'weighted grad');
    // no sample counted: 0, not 0/0
    const none = f32(b, [0, 0], [2]);
    const rn = b.softmaxCrossEntropy(logits, lab, none);
    expectClose(await b.read(rn.loss), [0], 'loss with no sample counted', 0, 0);
    expectClose(await b.read(rn.grad), [0, 0, 0, 0, 0, 0], 'grad with no sample counted', 0, 0);
    for (const t of [logits, lab, w, r.loss, r.grad, rw.loss, rw.grad, none, rn.loss, rn.grad]) b.dispose(t);
  });

  it('softmax cross-entropy is stable for large logits', async () => {
    const b = backend();
    const logits = f32(b, [1000, 0, -1000, 0], [2, 2]);
    const lab = i32(b, [1, 0], [2]);
    const r = b.softmaxCrossEntropy(logits, lab);
    expectClose(await b.read(r.loss), [1000], 'loss', 1e-3);
    expectClose(await b.read(r.grad), [0.5, -0.5, -0.5, 0.5], 'grad');
    for (const t of [logits, lab, r.loss, r.grad]) b.dispose(t);
  });

  it('sigmoid binary cross-entropy: stable log-sum-exp form and (σ(x) − t)/N', async () => {
    const b = backend();
    const xs = [0, 2, -3, 100, -100];
    const ts = [1, 0, 0.5, 1, 1];
    const logits = f32(b, xs, [5]);
    const targets = f32(b, ts, [5]);
    const r = b.sigmoidBinaryCrossEntropy(logits, targets);
    const loss = xs.reduce((s, x, k) => s + Math.max(x, 0) - x * ts[k]! + Math.log1p(Math.exp(-Math.abs(x))), 0) / xs.length;
    expectClose(await b.read(r.loss), [loss], 'loss');
    expectClose(await b.read(r.grad), xs.map((x, k) => (sigmoid(x) - ts[k]!) / xs.length), 'grad');
    for (const t of [logits, targets, r.loss, r.grad]) b.dispose(t);
  });

  it('mean squared error: mean over all elements, grad 2(p − t)/numel', async () => {
    const b = backend();
    const p = f32(b, [1, 2, 3, 4], [2, 2]), t = f32(b, [0, 2, 5, 4], [2, 2]);
    const r = b.meanSquaredError(p, t);
    expectClose(await b.read(r.loss), [1.25], 'loss');
    expectClose(await b.read(r.grad), [0.5, 0, -1, 0], 'grad');
    for (const x of [p, t, r.loss, r.grad]) b.dispose(x);
  });

  it('softmax rows', async () => {
    const b = backend();
    const x = f32(b, [1, 2, 3, 0, 0, 0], [2, 3]);
    const s = b.softmax(x);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expectClose(await b.read(s), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 1 / 3, 1 / 3, 1 / 3], 'softmax');
    for (const t of [x, s]) b.dispose(t);
  });

  it('tensors: zeros, int32 round trip, float64 data uploaded as float32', async () => {
    const b = backend();
    const z = b.zeros([2, 2]);
    expect(await values(b, z)).toEqual([0, 0, 0, 0]);
    const zi = b.zeros([3], 'int32');
    expect([zi.dtype, Array.from(await b.read(zi))]).toEqual(['int32', [0, 0, 0]]);
    const ints = b.tensor(Int32Array.from([3, -1]), [2], 'int32');
    const back = await b.read(ints);
    expect(back).toBeInstanceOf(Int32Array);
    expect(Array.from(back)).toEqual([3, -1]);
    const f64 = b.tensor(Float64Array.from([0.1]), [1], 'float32');
    const read = await b.read(f64);
    expect(read).toBeInstanceOf(Float32Array);
    expect(read[0]).toBe(Math.fround(0.1));
    for (const t of [z, zi, ints, f64]) b.dispose(t);
  });

  it('read returns a copy the caller may change', async () => {
    const b = backend();
    const t = f32(b, [1, 2], [2]);
    const first = await b.read(t);
    first[0] = 99;
    expect(await values(b, t)).toEqual([1, 2]);
    b.dispose(t);
  });

  it('sumSquares and scaleInPlace', async () => {
    const b = backend();
    const a = f32(b, [1, 2], [2]), c = f32(b, [3], [1]);
    const s = b.sumSquares([a, c]);
    expect(s.shape).toEqual([]);
    expect(await values(b, s)).toEqual([14]);
    const empty = b.sumSquares([]);
    expect(await values(b, empty)).toEqual([0]);
    const before = b.liveTensors();
    b.scaleInPlace(a, -0.5);
    expect(b.liveTensors()).toBe(before);
    expect(await values(b, a)).toEqual([-0.5, -1]);
    for (const t of [a, c, s, empty]) b.dispose(t);
  });
});
