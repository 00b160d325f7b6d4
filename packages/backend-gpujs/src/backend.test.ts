// Kernels other than the recurrent layer, against small hand-computed expectations (float32 tolerance).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '@rnnkit/core';
import type { GpujsBackend } from './backend.js';
import { createTestBackend, TOL } from './test-support.js';

let be: GpujsBackend;
beforeAll(async () => {
  be = await createTestBackend();
});
afterAll(() => be?.close());

const f = (data: number[], shape: number[]): Tensor => be.tensor(Float32Array.from(data), shape, 'float32');
const ints = (data: number[], shape: number[]): Tensor => be.tensor(Int32Array.from(data), shape, 'int32');

async function expectValues(t: Tensor, expected: number[], shape?: number[]): Promise<void> {
  if (shape) expect(t.shape).toEqual(shape);
  const got = Array.from(await be.read(t));
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => expect(Math.abs(v - expected[i]!), `element ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(TOL * (1 + Math.abs(expected[i]!))));
}

describe('tensors and shape helpers', () => {
  test('tensor/read round trip, zeros, int32 on the host', async () => {
    await expectValues(f([1.5, -2, 3], [3]), [1.5, -2, 3], [3]);
    await expectValues(be.zeros([2, 2]), [0, 0, 0, 0], [2, 2]);
    const i = ints([3, 1, 4], [3]);
    expect(i.dtype).toBe('int32');
    expect(Array.from(await be.read(i))).toEqual([3, 1, 4]);
    expect(await be.read(ints([7], [1]))).toBeInstanceOf(Int32Array);
  });

  test('concatLast, sliceLast, add, mul, reshape', async () => {
    const a = f([1, 2, 3, 4], [2, 2]);
    const b = f([5, 6, 7, 8, 9, 10], [2, 3]);
    await expectValues(be.concatLast(a, b), [1, 2, 5, 6, 7, 3, 4, 8, 9, 10], [2, 5]);
    await expectValues(be.sliceLast(b, 1, 2), [6, 7, 9, 10], [2, 2]);
    await expectValues(be.add(a, a), [2, 4, 6, 8]);
    await expectValues(be.mul(a, f([0, 2, 0.5, 1], [2, 2])), [0, 4, 1.5, 4]);
    const r = be.reshape(b, [3, 2]);
    await expectValues(r, [5, 6, 7, 8, 9, 10], [3, 2]);
    be.dispose(b); // the reshaped handle owns its own reference to the data
    await expectValues(r, [5, 6, 7, 8, 9, 10]);
  });

  test('softmax, sigmoid, sumSquares, scaleInPlace', async () => {
    const e1 = Math.exp(1);
    await expectValues(be.softmax(f([0, 1, 0, 0], [2, 2])), [1 / (1 + e1), e1 / (1 + e1), 0.5, 0.5]);
    await expectValues(be.sigmoid(f([0, 2], [2])), [0.5, 1 / (1 + Math.exp(-2))]);
    const big = new Float32Array(1000).fill(0.5); // two reduction passes (chunks of 256)
    await expectValues(be.sumSquares([f([1, 2], [2]), be.tensor(big, [1000], 'float32'), f([3], [1])]), [1 + 4 + 250 + 9], []);
    const t = f([1, -2], [2]);
    be.scaleInPlace(t, 0.5);
    await expectValues(t, [0.5, -1]);
  });
});

describe('dense and embedding', () => {
  test('dense forward and backward: y = x wᵀ + b', async () => {
    const w = f([1, 2, 3, 4, 5, 6], [2, 3]); // U=2, I=3
    const b = f([0.5, -1], [2]);
    const x = f([1, 0, -1, 2, 1, 0], [2, 3]); // N=2
    const { y, saved } = be.denseForward(w, b, x, true);
    await expectValues(y, [1 - 3 + 0.5, 4 - 6 - 1, 2 + 2 + 0.5, 8 + 5 - 1], [2, 2]);
    const dy = f([1, 2, 3, 4], [2, 2]);
    const g = be.denseBackward(saved!, dy);
    // dx = dy w: [1·1+2·4, 1·2+2·5, 1·3+2·6; 3·1+4·4, 3·2+4·5, 3·3+4·6]
    await expectValues(g.dx, [9, 12, 15, 19, 26, 33], [2, 3]);
    // dw = dyᵀ x: [1·x0 + 3·x1; 2·x0 + 4·x1]
    await expectValues(g.dw, [1 + 6, 0 + 3, -1 + 0, 2 + 8, 0 + 4, -2 + 0], [2, 3]);
    await expectValues(g.db, [4, 6], [2]);
    be.disposeSaved(saved!);
  });

  test('long reductions (K = 1500 > gpu.js loopMaxIterations 1000) are not truncated', async () => {
    const N = 1500;
    const x = Float32Array.from({ length: N * 2 }, (_, i) => Math.sin(i));
    const dyv = Float32Array.from({ length: N }, (_, i) => Math.cos(i));
    const { saved } = be.denseForward(f([1, 1], [1, 2]), f([0], [1]), be.tensor(x, [N, 2], 'float32'), true);
    const g = be.denseBackward(saved!, be.tensor(dyv, [N, 1], 'float32'));
    let dw0 = 0, dw1 = 0, db = 0;
    for (let n = 0; n < N; n++) {
      dw0 += dyv[n]! * x[2 * n]!;
      dw1 += dyv[n]! * x[2 * n + 1]!;
      db += dyv[n]!;
    }
    await expectValues(g.dw, [dw0, dw1]);
    await expectValues(g.db, [db]);
    be.disposeSaved(saved!);
  });

  test('embedding lookup and per-id gradient accumulation', async () => {
    const w = f([0, 1, 10, 11, 20, 21], [3, 2]); // V=3, E=2
    const ids = ints([2, 0, 2, 2], [2, 2]);
    const { y, saved } = be.embeddingForward(w, ids, true);
    await expectValues(y, [20, 21, 0, 1, 20, 21, 20, 21], [2, 2, 2]);
    const dy = f([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const { dWeight } = be.embeddingBackward(saved!, dy);
    await expectValues(dWeight, [3, 4, 0, 0, 1 + 5 + 7, 2 + 6 + 8], [3, 2]);
    be.disposeSaved(saved!);
  });

  test('embedding gradient of an id repeated more often than one chunk sums (two levels)', async () => {
    // 1500 of 2000 positions hold id 0, like the padding id of a 'pre'-padded batch
    const V = 7, E = 3, N = 2000;
    const idv = Array.from({ length: N }, (_, n) => (n % 4 === 0 ? 1 + (n % 6) : 0));
    const w = f(Array.from({ length: V * E }, (_, i) => i), [V, E]);
    const { saved } = be.embeddingForward(w, ints(idv, [N]), true);
    const dyv = Array.from({ length: N * E }, (_, i) => ((i * 7) % 13) - 6);
    const { dWeight } = be.embeddingBackward(saved!, f(dyv, [N, E]));
    const want = new Array<number>(V * E).fill(0);
    idv.forEach((id, n) => {
      for (let c = 0; c < E; c++) want[id * E + c]! += dyv[n * E + c]!;
    });
    await expectValues(dWeight, want, [V, E]);
    be.disposeSaved(saved!);
  });

  test('embedding gradients of batches with different id counts reuse a few compiled kernels', async () => {
    // a new chunk count per batch once compiled a new kernel per batch (memory grew by GiBs over an IMDB epoch)
    const V = 50, E = 2, N = 3000;
    const w = f(new Array<number>(V * E).fill(0), [V, E]);
    const dy = f(Array.from({ length: N * E }, (_, i) => (i % 5) - 2), [N, E]);
    const counts: number[] = [];
    for (const pads of [400, 900, 1300, 1700, 2100, 2500, 2200, 1100]) {
      const idv = Array.from({ length: N }, (_, n) => (n < pads ? 0 : 1 + ((n * 7) % (V - 1))));
      const { saved } = be.embeddingForward(w, ints(idv, [N]), true);
      const { dWeight } = be.embeddingBackward(saved!, dy);
      const got = await be.read(dWeight);
      let pad0 = 0;
      for (let n = 0; n < pads; n++) pad0 += ((n * E) % 5) - 2;
      expect(got[0]).toBeCloseTo(pad0, 3);
      be.dispose(dWeight);
      be.disposeSaved(saved!);
      counts.push(be.engine.kernelCount());
    }
    expect(counts[counts.length - 1]! - counts[2]!).toBeLessThanOrEqual(2);
  });
});

describe('losses', () => {
  test('softmaxCrossEntropy with and without weights', async () => {
    const logits = f([0, 0, Math.log(3), 0], [2, 2]);
    const labels = ints([0, 0], [2]);
    // sample 0: p = (½, ½), −log ½; sample 1: p = (¾, ¼), −log ¾
    const l0 = Math.log(2);
    const l1 = -Math.log(0.75);
    const r = be.softmaxCrossEntropy(logits, labels);
    await expectValues(r.loss, [(l0 + l1) / 2], []);
    await expectValues(r.grad, [(0.5 - 1) / 2, 0.5 / 2, (0.75 - 1) / 2, 0.25 / 2], [2, 2]);
    const rw = be.softmaxCrossEntropy(logits, labels, f([0, 1], [2]));
    await expectValues(rw.loss, [l1], []);
    await expectValues(rw.grad, [0, 0, 0.75 - 1, 0.25]);
  });

  test('sigmoidBinaryCrossEntropy and meanSquaredError', async () => {
    const x = [0, 2, -30];
    const tg = [1, 0, 0];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const per = x.map((v, i) => Math.max(v, 0) - v * tg[i]! + Math.log(1 + Math.exp(-Math.abs(v))));
    const r = be.sigmoidBinaryCrossEntropy(f(x, [3]), f(tg, [3]));
    await expectValues(r.loss, [per.reduce((a, b) => a + b) / 3], []);
    await expectValues(r.grad, x.map((v, i) => (sig(v) - tg[i]!) / 3), [3]);
    const m = be.meanSquaredError(f([1, 2, 3, 4], [2, 2]), f([1, 0, 3, 5], [2, 2]));
    await expectValues(m.loss, [(4 + 1) / 4], []);
    await expectValues(m.grad, [0, 1, 0, -0.5], [2, 2]);
  });
});

describe('optimizers (PyTorch formulas, two steps)', () => {
  test('adam with weight decay', async () => {
    const p = f([1, -1], [2]);
    const m = be.zeros([2]);
    const v = be.zeros([2]);
    const g = [0.5, 2];
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const ref = { p: [1, -1], m: [0, 0], v: [0, 0] };
    for (let step = 1; step <= 2; step++) {
      be.adamUpdate(p, f(g, [2]), m, v, { ...h, step });
      for (let i = 0; i < 2; i++) {
        const gg = g[i]! + h.weightDecay * ref.p[i]!;
        ref.m[i] = h.beta1 * ref.m[i]! + (1 - h.beta1) * gg;
        ref.v[i] = h.beta2 * ref.v[i]! + (1 - h.beta2) * gg * gg;
        const bc1 = 1 - h.beta1 ** step;
        const bc2 = 1 - h.beta2 ** step;
        ref.p[i] = ref.p[i]! - (h.lr / bc1) * (ref.m[i]! / (Math.sqrt(ref.v[i]!) / Math.sqrt(bc2) + h.eps));
      }
    }
    await expectValues(p, ref.p);
    await expectValues(m, ref.m);
    await expectValues(v, ref.v);
  });

  test('sgd: plain, momentum with dampening, nesterov', async () => {
    const g = [1, -2];
    const plain = f([1, 1], [2]);
    be.sgdUpdate(plain, f(g, [2]), be.zeros([2]), { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.5, first: true });
    await expectValues(plain, [1 - 0.1 * 1.5, 1 - 0.1 * -1.5]);
    for (const nesterov of [false, true]) {
      const p = f([1, 1], [2]);
      const buf = be.zeros([2]);
      const h = { lr: 0.1, momentum: 0.9, dampening: nesterov ? 0 : 0.25, nesterov, weightDecay: 0 };
      const ref = { p: [1, 1], b: [0, 0] };
      for (let step = 0; step < 2; step++) {
        be.sgdUpdate(p, f(g, [2]), buf, { ...h, first: step === 0 });
        for (let i = 0; i < 2; i++) {
          ref.b[i] = step === 0 ? g[i]! : h.momentum * ref.b[i]! + (1 - h.dampening) * g[i]!;
          const d = nesterov ? g[i]! + h.momentum * ref.b[i]! : ref.b[i]!;
          ref.p[i] = ref.p[i]! - h.lr * d;
        }
      }
      await expectValues(p, ref.p);
      await expectValues(buf, ref.b);
    }
  });

  test('rmsprop with and without momentum', async () => {
    const g = [0.5, -3];
    for (const momentum of [0, 0.9]) {
      const p = f([1, 1], [2]);
      const sq = be.zeros([2]);
      const buf = be.zeros([2]);
      const h = { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum, weightDecay: 0.1 };
      const ref = { p: [1, 1], v: [0, 0], b: [0, 0] };
      for (let step = 0; step < 2; step++) {
        be.rmspropUpdate(p, f(g, [2]), sq, buf, h);
        for (let i = 0; i < 2; i++) {
          const gg = g[i]! + h.weightDecay * ref.p[i]!;
          ref.v[i] = h.alpha * ref.v[i]! + (1 - h.alpha) * gg * gg;
          if (momentum > 0) {
            ref.b[i] = momentum * ref.b[i]! + gg / (Math.sqrt(ref.v[i]!) + h.eps);
            ref.p[i] = ref.p[i]! - h.lr * ref.b[i]!;
          } else {
            ref.p[i] = ref.p[i]! - (h.lr * gg) / (Math.sqrt(ref.v[i]!) + h.eps);
          }
        }
      }
      await expectValues(p, ref.p);
      await expectValues(sq, ref.v);
      if (momentum > 0) await expectValues(buf, ref.b);
    }
  });
});

describe('bad input', () => {
  test('errors name the argument, expected and actual values', () => {
    expect(() => be.tensor(new Float32Array(5), [2, 3], 'float32')).toThrow(/length must equal.*6.*\[2, 3\].*got 5/);
    const w = f([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => be.denseForward(w, f([0, 0], [2]), f([1, 2], [1, 2]), false)).toThrow(/dense x must be \[N, 3\] \(or \[\.\.\., 3\]\), got \[1, 2\]/);
    expect(() => be.add(f([1], [1]), f([1, 2], [2]))).toThrow(/add: b must have shape \[1\], got \[2\]/);
    expect(() => be.sliceLast(w, 2, 2)).toThrow(/sliceLast start 2 size 2 out of range for last dim 3/);
    expect(() => be.reshape(w, [4])).toThrow(/reshape to \[4\] needs 6 elements/);
    expect(() => be.embeddingForward(w, ints([0, 2], [2]), false)).toThrow(/ids\[1\] must be in \[0, 2\), got 2/);
    expect(() => be.softmaxCrossEntropy(f([0, 0], [1, 2]), ints([2], [1]))).toThrow(/labels\[0\] must be in \[0, 2\), got 2/);
    const params = { wIh: f(new Array(8).fill(0), [4, 2]), wHh: f(new Array(16).fill(0), [4, 4]), bIh: f([0, 0, 0, 0], [4]), bHh: f([0, 0, 0, 0], [4]) };
    const x = be.zeros([1, 3, 2]);
    const cell = { kind: 'rnn', nonlinearity: 'tanh' } as const;
    expect(() => be.recurrentForward({ cell, params, x: be.zeros([1, 3, 5]), reverse: false, training: false })).toThrow(/params.wIh must have shape \[4, 5\], got \[4, 2\]/);
    expect(() => be.recurrentForward({ cell, params, x, lengths: Int32Array.from([4]), reverse: false, training: false })).toThrow(/lengths\[0\] must be in \[1, 3\], got 4/);
    expect(() => be.recurrentForward({ cell, params, x, h0: be.zeros([2, 4]), reverse: false, training: false })).toThrow(/h0 must have shape \[1, 4\], got \[2, 4\]/);
    const d = be.zeros([1]);
    be.dispose(d);
    expect(() => be.add(d, d)).toThrow(/already disposed/);
  });
});
