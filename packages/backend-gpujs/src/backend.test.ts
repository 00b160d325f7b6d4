// Kernels other than the recurrent layer and the primitives, against small hand-computed
// expectations (float32 tolerance), and the invariants this backend still checks itself.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Saved, Tensor } from '@rnnkit/core';
import type { GpujsBackend } from './backend.js';
import { createTestBackend, recurrentParams, TOL } from './test-support.js';

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

  test('empty tensors need no kernel', async () => {
    await expectValues(be.zeros([0, 3]), [], [0, 3]);
    await expectValues(be.tensor(new Float32Array(0), [2, 0], 'float32'), [], [2, 0]);
    await expectValues(await be.matmul(be.zeros([2, 0]), be.zeros([0, 3]), false, false), [0, 0, 0, 0, 0, 0], [2, 3]);
    await expectValues(await be.sumRows(be.zeros([0, 2])), [0, 0], [2]);
  });

  test('softmax, sumSquares, scaleInPlace', async () => {
    const e1 = Math.exp(1);
    await expectValues(await be.softmax(f([0, 1, 0, 0], [2, 2])), [1 / (1 + e1), e1 / (1 + e1), 0.5, 0.5]);
    const big = new Float32Array(1000).fill(0.5); // two reduction passes (chunks of 256)
    await expectValues(await be.sumSquares([f([1, 2], [2]), be.tensor(big, [1000], 'float32'), f([3], [1])]), [1 + 4 + 250 + 9], []);
    const t = f([1, -2], [2]);
    await be.scaleInPlace(t, 0.5);
    await expectValues(t, [0.5, -1]);
  });
});

describe('dense and embedding', () => {
  test('dense forward and backward: y = x wᵀ + b', async () => {
    const w = f([1, 2, 3, 4, 5, 6], [2, 3]); // U=2, I=3
    const b = f([0.5, -1], [2]);
    const x = f([1, 0, -1, 2, 1, 0], [2, 3]); // N=2
    const { y, saved } = await be.denseForward(w, b, x, true);
    await expectValues(y, [1 - 3 + 0.5, 4 - 6 - 1, 2 + 2 + 0.5, 8 + 5 - 1], [2, 2]);
    const dy = f([1, 2, 3, 4], [2, 2]);
    const g = await be.denseBackward(saved!, dy);
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
    const { saved } = await be.denseForward(f([1, 1], [1, 2]), f([0], [1]), be.tensor(x, [N, 2], 'float32'), true);
    const g = await be.denseBackward(saved!, be.tensor(dyv, [N, 1], 'float32'));
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
    const { y, saved } = await be.embeddingForward(w, ids, true);
    await expectValues(y, [20, 21, 0, 1, 20, 21, 20, 21], [2, 2, 2]);
    const dy = f([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const { dWeight } = await be.embeddingBackward(saved!, dy);
    await expectValues(dWeight, [3, 4, 0, 0, 1 + 5 + 7, 2 + 6 + 8], [3, 2]);
    be.disposeSaved(saved!);
  });

  test('embedding gradient of an id repeated more often than one chunk sums (two levels)', async () => {
    // 1500 of 2000 positions hold id 0, like the padding id of a 'pre'-padded batch
    const V = 7, E = 3, N = 2000;
    const idv = Array.from({ length: N }, (_, n) => (n % 4 === 0 ? 1 + (n % 6) : 0));
    const w = f(Array.from({ length: V * E }, (_, i) => i), [V, E]);
    const { saved } = await be.embeddingForward(w, ints(idv, [N]), true);
    const dyv = Array.from({ length: N * E }, (_, i) => ((i * 7) % 13) - 6);
    const { dWeight } = await be.embeddingBackward(saved!, f(dyv, [N, E]));
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
      const { saved } = await be.embeddingForward(w, ints(idv, [N]), true);
      const { dWeight } = await be.embeddingBackward(saved!, dy);
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
    const r = await be.softmaxCrossEntropy(logits, labels);
    await expectValues(r.loss, [(l0 + l1) / 2], []);
    await expectValues(r.grad, [(0.5 - 1) / 2, 0.5 / 2, (0.75 - 1) / 2, 0.25 / 2], [2, 2]);
    const rw = await be.softmaxCrossEntropy(logits, labels, f([0, 1], [2]));
    await expectValues(rw.loss, [l1], []);
    await expectValues(rw.grad, [0, 0, 0.75 - 1, 0.25]);
  });

  test('sigmoidBinaryCrossEntropy and meanSquaredError', async () => {
    const x = [0, 2, -30];
    const tg = [1, 0, 0];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const per = x.map((v, i) => Math.max(v, 0) - v * tg[i]! + Math.log(1 + Math.exp(-Math.abs(v))));
    const r = await be.sigmoidBinaryCrossEntropy(f(x, [3]), f(tg, [3]));
    await expectValues(r.loss, [per.reduce((a, b) => a + b) / 3], []);
    await expectValues(r.grad, x.map((v, i) => (sig(v) - tg[i]!) / 3), [3]);
    const m = await be.meanSquaredError(f([1, 2, 3, 4], [2, 2]), f([1, 0, 3, 5], [2, 2]));
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
      await be.adamUpdate(p, f(g, [2]), m, v, { ...h, step });
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
    await be.sgdUpdate(plain, f(g, [2]), be.zeros([2]), { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.5, first: true });
    await expectValues(plain, [1 - 0.1 * 1.5, 1 - 0.1 * -1.5]);
    for (const nesterov of [false, true]) {
      const p = f([1, 1], [2]);
      const buf = be.zeros([2]);
      const h = { lr: 0.1, momentum: 0.9, dampening: nesterov ? 0 : 0.25, nesterov, weightDecay: 0 };
      const ref = { p: [1, 1], b: [0, 0] };
      for (let step = 0; step < 2; step++) {
        await be.sgdUpdate(p, f(g, [2]), buf, { ...h, first: step === 0 });
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
        await be.rmspropUpdate(p, f(g, [2]), sq, buf, h);
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

describe('internal invariants (argument checks are core\'s)', () => {
  test('a disposed handle or a foreign object is refused, naming the call and the argument', () => {
    const t = f([1, 2], [2]);
    be.dispose(t);
    be.dispose(t); // twice is harmless
    expect(() => be.activation('sigmoid', t)).toThrow(/gpujs\.activation: x: tensor \[2\] float32 was already disposed/);
    expect(() => be.add({ shape: [2], dtype: 'float32' }, t)).toThrow(/gpujs\.add: a: expected a tensor of this backend, got Object/);
    const ids = ints([1], [1]);
    be.dispose(ids);
    expect(() => be.slice(ids, 0, 0, 1)).toThrow(/gpujs\.slice: x: tensor \[1\] was already disposed/);
  });

  test('fused kernels name a disposed parameter or state by its local name', () => {
    const H = 2, I = 1;
    const params = recurrentParams(be.zeros([4 * H, I]), be.zeros([4 * H, H]), be.zeros([4 * H]), be.zeros([4 * H]));
    const x = be.zeros([1, 3, I]);
    const h0 = be.zeros([1, H]);
    const cell = { kind: 'lstm', unitForgetBias: false };
    const sizes = { inputSize: I, hiddenSize: H };
    be.dispose(h0);
    expect(() => be.fused.lstm.forward({ cell, sizes, params, x, states: [h0], reverse: false, training: false })).toThrow(/gpujs\.fused\.lstm\.forward: states\[0\] \(h\): tensor \[1, 2\] float32 was already disposed/);
    be.dispose(params.get('weight_hh')!);
    expect(() => be.fused.lstm.forward({ cell, sizes, params, x, reverse: false, training: false })).toThrow(/gpujs\.fused\.lstm\.forward: params 'weight_hh': tensor \[8, 2\] float32 was already disposed/);
    for (const t of [...params.values(), x]) be.dispose(t);
  });

  test('a freed Saved, or one from another kernel, is refused', () => {
    const H = 2;
    const params = recurrentParams(be.zeros([H, 1]), be.zeros([H, H]), be.zeros([H]), be.zeros([H]));
    const x = be.zeros([1, 3, 1]);
    const fwd = be.fused.rnn.forward({ cell: { kind: 'rnn', nonlinearity: 'tanh' }, sizes: { inputSize: 1, hiddenSize: H }, params, x, reverse: false, training: true });
    const saved = fwd.saved!;
    expect(() => be.fused.gru.backward({ saved })).toThrow(/gpujs\.fused\.gru\.backward: saved: expected the Saved of a fused gru forward, got one of rnn/);
    expect(() => be.denseBackward(saved, be.zeros([1, 1]))).toThrow(/gpujs\.denseBackward: saved: expected kind 'dense', got 'recurrent'/);
    expect(() => be.fused.rnn.backward({ saved: { kind: 'recurrent' } as Saved })).toThrow(/saved: expected a Saved of this backend, got Object/);
    be.disposeSaved(saved);
    be.disposeSaved(saved); // twice is harmless
    expect(() => be.fused.rnn.backward({ saved })).toThrow(/gpujs\.fused\.rnn\.backward: saved: this 'recurrent' saved state was already disposed/);
    for (const t of [...params.values(), x, fwd.y, ...fwd.states]) be.dispose(t);
  });

  test('a closed backend refuses work', async () => {
    const b = await createTestBackend();
    const t = b.zeros([2]);
    b.close();
    expect(() => b.affine(t, 2, 1)).toThrow(/gpujs backend: used after close\(\)/);
  });
});
