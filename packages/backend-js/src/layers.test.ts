// Dense, embedding, losses and predictions: finite differences on the float64 reference and the
// float32 path against it.

import { describe, expect, it } from 'vitest';
import type { Tensor } from '@rnnkit/core';
import type { JsBackend } from './backend.js';
import type { JsTensor } from './tensor.js';
import { jsBackend, maxScaledError, randoms, readF } from './test-support.js';

/** Central finite differences of f at x (x is modified and restored). */
function numericGrad(x: Float64Array, f: () => number, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]!;
    x[i] = keep + eps;
    const up = f();
    x[i] = keep - eps;
    const down = f();
    x[i] = keep;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

/** Synchronous read of this backend's own handle, for objectives evaluated many times. */
function readSync(_be: JsBackend, t: Tensor): Float64Array {
  return Float64Array.from((t as JsTensor).data);
}

describe('dense', () => {
  const N = 4, I = 3, U = 5;
  const r = randoms(1);
  const x = r(N * I), w = r(U * I), b = r(U), dy = r(N * U);

  async function denseRun(be: JsBackend, xShape: number[]): Promise<Record<string, Float64Array>> {
    const tw = be.tensor(w, [U, I], 'float32');
    const tb = be.tensor(b, [U], 'float32');
    const tx = be.tensor(x, xShape, 'float32');
    const f = be.denseForward(tw, tb, tx, true);
    expect(f.y.shape).toEqual([...xShape.slice(0, -1), U]);
    const tdy = be.tensor(dy, f.y.shape, 'float32');
    const g = be.denseBackward(f.saved!, tdy);
    expect(g.dx.shape).toEqual(xShape);
    const out = { y: await readF(be, f.y), dx: await readF(be, g.dx), dw: await readF(be, g.dw), db: await readF(be, g.db) };
    be.disposeSaved(f.saved!);
    for (const t of [tw, tb, tx, f.y, tdy, g.dx, g.dw, g.db]) be.dispose(t);
    expect(be.liveTensors()).toBe(0);
    return out;
  }

  it('float64: gradients match finite differences', async () => {
    const be = await jsBackend({ precision: 'float64' });
    const a = await denseRun(be, [N, I]);
    const objective = (): number => {
      const tw = be.tensor(w, [U, I], 'float32');
      const tb = be.tensor(b, [U], 'float32');
      const tx = be.tensor(x, [N, I], 'float32');
      const y = readSync(be, be.denseForward(tw, tb, tx, false).y);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * dy[i]!;
      return s;
    };
    expect(maxScaledError(a.dx!, numericGrad(x, objective), 1e-6, 1e-8)).toBeLessThanOrEqual(1);
    expect(maxScaledError(a.dw!, numericGrad(w, objective), 1e-6, 1e-8)).toBeLessThanOrEqual(1);
    expect(maxScaledError(a.db!, numericGrad(b, objective), 1e-6, 1e-8)).toBeLessThanOrEqual(1);
  });

  it('float32 matches float64, and rank-3 input keeps its leading dims', async () => {
    const ref = await denseRun(await jsBackend({ precision: 'float64' }), [N, I]);
    for (const shape of [[N, I], [2, 2, I]]) {
      const fast = await denseRun(await jsBackend({ precision: 'float32' }), shape);
      for (const k of Object.keys(ref)) expect(maxScaledError(fast[k]!, ref[k]!, 1e-4, 1e-5), k).toBeLessThanOrEqual(1);
    }
  });
});

describe('embedding', () => {
  const V = 6, E = 3;
  const ids = Int32Array.from([1, 4, 1, 0, 5, 1]); // [2, 3], token 1 three times
  const r = randoms(2);
  const weight = r(V * E), dy = r(ids.length * E);

  for (const precision of ['float64', 'float32'] as const) {
    it(`${precision}: lookup and per-id accumulated gradient (finite differences on float64)`, async () => {
      const be = await jsBackend({ precision });
      const tw = be.tensor(weight, [V, E], 'float32');
      const tid = be.tensor(ids, [2, 3], 'int32');
      const f = be.embeddingForward(tw, tid, true);
      expect(f.y.shape).toEqual([2, 3, E]);
      const y = await readF(be, f.y);
      for (let n = 0; n < ids.length; n++) {
        for (let e = 0; e < E; e++) expect(y[n * E + e]).toBeCloseTo(weight[ids[n]! * E + e]!, 6);
      }
      const tdy = be.tensor(dy, [2, 3, E], 'float32');
      const dW = await readF(be, be.embeddingBackward(f.saved!, tdy).dWeight);
      const objective = (): number => {
        let s = 0;
        for (let n = 0; n < ids.length; n++) for (let e = 0; e < E; e++) s += weight[ids[n]! * E + e]! * dy[n * E + e]!;
        return s;
      };
      expect(maxScaledError(dW, numericGrad(weight, objective), 1e-5, 1e-6)).toBeLessThanOrEqual(1);
      // Rows of unused ids stay zero.
      for (const unused of [2, 3]) for (let e = 0; e < E; e++) expect(dW[unused * E + e]).toBe(0);
    });
  }
});

describe('losses', () => {
  const N = 5, C = 4;
  const r = randoms(3);
  const logits = r(N * C, -3, 3);
  const labels = Int32Array.from([0, 3, 2, 2, 1]);
  const mask = Float64Array.from([1, 0, 1, 1, 0]);
  const probs = r(N, 0, 1);
  const targets = r(N * C);

  type LossCase = { label: string; call: (be: JsBackend, z: Tensor) => { loss: Tensor; grad: Tensor }; shape: number[] };
  const cases: LossCase[] = [
    { label: 'softmaxCrossEntropy', shape: [N, C], call: (be, z) => be.softmaxCrossEntropy(z, be.tensor(labels, [N], 'int32')) },
    {
      label: 'softmaxCrossEntropy with weights',
      shape: [N, C],
      call: (be, z) => be.softmaxCrossEntropy(z, be.tensor(labels, [N], 'int32'), be.tensor(mask, [N], 'float32')),
    },
    {
      label: 'sigmoidBinaryCrossEntropy',
      shape: [N],
      call: (be, z) => be.sigmoidBinaryCrossEntropy(z, be.tensor(probs, [N], 'float32')),
    },
    { label: 'meanSquaredError', shape: [N, C], call: (be, z) => be.meanSquaredError(z, be.tensor(targets, [N, C], 'float32')) },
  ];

  for (const c of cases) {
    it(`${c.label}: gradient matches finite differences (float64), float32 matches float64`, async () => {
      const be = await jsBackend({ precision: 'float64' });
      const z = logits.slice(0, c.shape.reduce((a, b) => a * b, 1));
      const value = (): number => readSync(be, c.call(be, be.tensor(z, c.shape, 'float32')).loss)[0]!;
      const res = c.call(be, be.tensor(z, c.shape, 'float32'));
      expect(res.loss.shape).toEqual([]);
      const grad = await readF(be, res.grad);
      expect(maxScaledError(grad, numericGrad(z, value), 1e-6, 1e-9)).toBeLessThanOrEqual(1);
      const fast = await jsBackend({ precision: 'float32' });
      const f = c.call(fast, fast.tensor(z, c.shape, 'float32'));
      expect(maxScaledError(await readF(fast, f.loss), await readF(be, res.loss), 1e-5, 1e-6)).toBeLessThanOrEqual(1);
      expect(maxScaledError(await readF(fast, f.grad), grad, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    });
  }

  it('softmaxCrossEntropy value equals the hand-computed mean over weighted samples', async () => {
    const be = await jsBackend({ precision: 'float64' });
    const loss = (await readF(be, be.softmaxCrossEntropy(be.tensor(logits.slice(0, N * C), [N, C], 'float32'), be.tensor(labels, [N], 'int32'), be.tensor(mask, [N], 'float32')).loss))[0]!;
    let want = 0;
    for (const n of [0, 2, 3]) {
      const row = Array.from(logits.slice(n * C, n * C + C));
      want += Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[labels[n]!]!;
    }
    expect(loss).toBeCloseTo(want / 3, 12);
  });

  it('losses are stable for huge logits', async () => {
    const be = await jsBackend({ precision: 'float32' });
    const z = be.tensor(Float64Array.from([1000, -1000, 0, 0]), [2, 2], 'float32');
    const ce = await readF(be, be.softmaxCrossEntropy(z, be.tensor(Int32Array.from([1, 0]), [2], 'int32')).loss);
    expect(ce[0]).toBeCloseTo((2000 + Math.log(2)) / 2, 3);
    const bce = await readF(be, be.sigmoidBinaryCrossEntropy(be.tensor(Float64Array.from([800, -800]), [2], 'float32'), be.tensor(Float64Array.from([0, 0]), [2], 'float32')).loss);
    expect(bce[0]).toBeCloseTo(400, 3);
  });
});

describe('softmax and optimizer helpers', () => {
  for (const precision of ['float64', 'float32'] as const) {
    it(`${precision}: softmax, reshape, sumSquares, scaleInPlace`, async () => {
      const be = await jsBackend({ precision });
      const tol = precision === 'float64' ? 12 : 6;
      const xv = Float64Array.from([1, 2, 3, -1, 0, 1000]);
      const x = be.tensor(xv, [2, 3], 'float32');
      const sm = await readF(be, be.softmax(x));
      const e = [Math.exp(1 - 3), Math.exp(2 - 3), 1];
      const s = e[0]! + e[1]! + e[2]!;
      for (let i = 0; i < 3; i++) expect(sm[i]).toBeCloseTo(e[i]! / s, tol);
      expect(sm[5]).toBeCloseTo(1, tol);
      const sl = be.tensor(Float64Array.from([2, 3, 0, 1000]), [2, 2], 'float32');
      const y = be.tensor(Float64Array.from([7, 8]), [2, 1], 'float32');
      const rs = be.reshape(sl, [4]);
      expect(rs.shape).toEqual([4]);
      be.scaleInPlace(rs, 2);
      expect(Array.from(await readF(be, rs))).toEqual([4, 6, 0, 2000]);
      expect(Array.from(await readF(be, sl))).toEqual([2, 3, 0, 1000]); // reshape copies, no aliasing
      const ss = be.sumSquares([sl, y]);
      expect(ss.shape).toEqual([]);
      expect((await readF(be, ss))[0]).toBeCloseTo(4 + 9 + 1e6 + 49 + 64, 3);
    });
  }
});
