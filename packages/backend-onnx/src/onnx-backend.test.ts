// Execution-provider selection, the layer kernels against hand-computed values, what the backend
// still refuses itself (argument checks are core's: checked-backend.ts and the conformance suite),
// leaks and the session cache.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Saved, Tensor } from '@rnnkit/core';
import { cellCatalogue } from '@rnnkit/core';
import { createOnnxBackend } from './index.js';
import type { OnnxBackend } from './onnx-backend.js';
import { onnxBackend, recurrentParams } from './test-support.js';

let bk: OnnxBackend;
beforeAll(async () => {
  bk = await onnxBackend();
});
afterAll(() => bk.close());

const f32 = (...v: number[]) => Float32Array.from(v);
const read = async (t: Tensor) => Array.from(await bk.read(t));
function close(actual: readonly number[], expected: readonly number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => expect(a, `[${k}]`).toBeCloseTo(expected[k]!, digits));
}

describe('execution providers', () => {
  it("'cpu' runs on CPU and says so", async () => {
    expect(bk.name).toBe('onnx-cpu');
    expect(bk.device).toMatch(/^onnxruntime \d+\.\d+ cpu$/);
    expect(bk.specificationVersion).toBe(3);
    expect(bk.precision).toBe('float32');
    expect(bk.capabilities).toEqual({ training: true });
    // Every kind of core's catalogue: native operators for rnn, lstm, gru, generated graphs for the rest.
    expect(Object.keys(bk.fused).sort()).toEqual(Object.keys(cellCatalogue).sort());
  });

  it("'auto' reports what runs; 'cuda' throws a clear error where the CUDA provider is missing (without probing it)", async () => {
    const auto = await createOnnxBackend();
    try {
      if (auto.name === 'onnx-cpu') {
        expect(auto.device).toMatch(/^onnxruntime \d+\.\d+ cpu \(fell back: CUDA provider not installed\)$/);
        const err = await createOnnxBackend({ executionProvider: 'cuda' }).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/executionProvider 'cuda' is not available/);
        expect((err as Error).message).toMatch(/CUDA provider library is not installed/);
        expect((err as Error).message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
        expect((err as Error).message).toMatch(/CUDA 12 and cuDNN/);
      } else {
        expect(auto.name).toBe('onnx-cuda');
        expect(auto.device).toMatch(/^onnxruntime \d+\.\d+ cuda$/);
        const cuda = await createOnnxBackend({ executionProvider: 'cuda' });
        expect(cuda.name).toBe('onnx-cuda');
        cuda.close();
      }
    } finally {
      auto.close();
    }
  });

  it('rejects bad options', async () => {
    await expect(createOnnxBackend({ executionProvider: 'tpu' as 'cpu' })).rejects.toThrow(
      "executionProvider must be 'auto', 'cuda' or 'cpu', got 'tpu'",
    );
    await expect(createOnnxBackend({ intraOpNumThreads: -1 })).rejects.toThrow('intraOpNumThreads must be a non-negative integer, got -1');
  });
});

describe('tensors', () => {
  it('tensor copies, converts float64 to float32, read returns a copy', async () => {
    const src = Float64Array.of(1.1, 2);
    const t = bk.tensor(src, [2], 'float32');
    src[0] = 99;
    const r = await bk.read(t);
    expect(r).toBeInstanceOf(Float32Array);
    expect(Array.from(r)).toEqual([Math.fround(1.1), 2]);
    r[1] = 7;
    expect(await read(t)).toEqual([Math.fround(1.1), 2]);
    const i = bk.tensor(Int32Array.of(3, 4), [1, 2], 'int32');
    expect(await bk.read(i)).toBeInstanceOf(Int32Array);
    const z = bk.zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(await read(z)).toEqual([0, 0, 0, 0, 0, 0]);
    const zi = bk.zeros([2], 'int32');
    expect(zi.dtype).toBe('int32');
    expect(await bk.read(zi)).toBeInstanceOf(Int32Array);
    for (const x of [t, i, z, zi]) bk.dispose(x);
  });

  it('softmax', async () => {
    const x = bk.tensor(f32(0, Math.log(3), 1000, 1000), [2, 2], 'float32');
    close(await read(bk.softmax(x)), [0.25, 0.75, 0.5, 0.5]);
  });
});

describe('dense and embedding', () => {
  it('dense forward and backward', async () => {
    // x: [2, 3], w: [2, 3], b: [2]
    const x = bk.tensor(f32(1, 2, 3, 4, 5, 6), [2, 3], 'float32');
    const w = bk.tensor(f32(1, 0, -1, 0.5, 0.5, 0.5), [2, 3], 'float32');
    const b = bk.tensor(f32(10, 20), [2], 'float32');
    const { y, saved } = await bk.denseForward(w, b, x, true);
    expect(await read(y)).toEqual([8, 23, 8, 27.5]);
    const dy = bk.tensor(f32(1, 2, 3, 4), [2, 2], 'float32');
    const g = await bk.denseBackward(saved!, dy);
    expect(await read(g.dx)).toEqual([2, 1, 0, 5, 2, -1]); // dy w
    expect(await read(g.dw)).toEqual([13, 17, 21, 18, 24, 30]); // dyᵀ x
    expect(await read(g.db)).toEqual([4, 6]);
    bk.disposeSaved(saved!);
    // [B, T, I] inputs: leading axes flattened
    const x3 = bk.reshape(x, [1, 2, 3]);
    const r3 = await bk.denseForward(w, b, x3, true);
    expect(r3.y.shape).toEqual([1, 2, 2]);
    expect(await read(r3.y)).toEqual([8, 23, 8, 27.5]);
    const g3 = await bk.denseBackward(r3.saved!, bk.reshape(dy, [1, 2, 2]));
    expect(g3.dx.shape).toEqual([1, 2, 3]);
    expect(await read(g3.dx)).toEqual([2, 1, 0, 5, 2, -1]);
    bk.disposeSaved(r3.saved!);
  });

  it('embedding forward and backward (rows summed per id)', async () => {
    const w = bk.tensor(f32(0, 1, 10, 11, 20, 21), [3, 2], 'float32');
    const ids = bk.tensor(Int32Array.of(2, 0, 2, 1), [2, 2], 'int32');
    const { y, saved } = bk.embeddingForward(w, ids, true);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await read(y)).toEqual([20, 21, 0, 1, 20, 21, 10, 11]);
    const dy = bk.tensor(f32(1, 2, 3, 4, 5, 6, 7, 8), [2, 2, 2], 'float32');
    const { dWeight } = bk.embeddingBackward(saved!, dy);
    expect(dWeight.shape).toEqual([3, 2]);
    expect(await read(dWeight)).toEqual([3, 4, 7, 8, 6, 8]);
    bk.disposeSaved(saved!);
  });
});

describe('losses', () => {
  it('softmaxCrossEntropy with and without weights', async () => {
    const logits = bk.tensor(f32(0, Math.log(3), 0, 0), [2, 2], 'float32');
    const labels = bk.tensor(Int32Array.of(1, 0), [2], 'int32');
    const r = bk.softmaxCrossEntropy(logits, labels);
    expect(r.loss.shape).toEqual([]);
    close(await read(r.loss), [(-Math.log(0.75) - Math.log(0.5)) / 2]);
    close(await read(r.grad), [0.25 / 2, -0.25 / 2, -0.5 / 2, 0.5 / 2]);
    const w = bk.tensor(f32(0, 1), [2], 'float32');
    const rw = bk.softmaxCrossEntropy(logits, labels, w);
    close(await read(rw.loss), [-Math.log(0.5)]);
    close(await read(rw.grad), [0, 0, -0.5, 0.5]);
  });

  it('sigmoidBinaryCrossEntropy and meanSquaredError', async () => {
    const x = bk.tensor(f32(0, Math.log(3)), [2], 'float32');
    const t = bk.tensor(f32(1, 0), [2], 'float32');
    const r = bk.sigmoidBinaryCrossEntropy(x, t);
    close(await read(r.loss), [(-Math.log(0.5) - Math.log(0.25)) / 2]);
    close(await read(r.grad), [(0.5 - 1) / 2, 0.75 / 2]);
    const m = bk.meanSquaredError(bk.tensor(f32(1, 2, 3, 4), [2, 2], 'float32'), bk.tensor(f32(1, 0, 3, 5), [2, 2], 'float32'));
    close(await read(m.loss), [(4 + 1) / 4]);
    close(await read(m.grad), [0, 1, 0, -0.5]);
  });
});

describe('optimizer arithmetic', () => {
  it('sumSquares and scaleInPlace', async () => {
    const a = bk.tensor(f32(1, 2), [2], 'float32');
    const b = bk.tensor(f32(3), [1], 'float32');
    const s = bk.sumSquares([a, b]);
    expect(s.shape).toEqual([]);
    expect(await read(s)).toEqual([14]);
    bk.scaleInPlace(a, 0.5);
    expect(await read(a)).toEqual([0.5, 1]);
  });

  it('Adam: two steps as torch.optim.Adam (L2 weight decay in the gradient)', async () => {
    const p = bk.tensor(f32(1, -2), [2], 'float32');
    const m = bk.zeros([2]);
    const v = bk.zeros([2]);
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const grads = [
      [0.5, 0.25],
      [-1, 0.5],
    ];
    const ref = { p: [1, -2], m: [0, 0], v: [0, 0] };
    for (let step = 1; step <= 2; step++) {
      const g = bk.tensor(Float32Array.from(grads[step - 1]!), [2], 'float32');
      bk.adamUpdate(p, g, m, v, { ...h, step });
      for (let k = 0; k < 2; k++) {
        const gk = grads[step - 1]![k]! + h.weightDecay * ref.p[k]!;
        ref.m[k] = 0.9 * ref.m[k]! + 0.1 * gk;
        ref.v[k] = 0.999 * ref.v[k]! + 0.001 * gk * gk;
        const mh = ref.m[k]! / (1 - 0.9 ** step);
        const vh = ref.v[k]! / (1 - 0.999 ** step);
        ref.p[k] = ref.p[k]! - (h.lr * mh) / (Math.sqrt(vh) + h.eps);
      }
    }
    close(await read(p), ref.p);
    close(await read(m), ref.m);
    close(await read(v), ref.v);
  });

  it('SGD with momentum, dampening and nesterov; plain SGD ignores velocity', async () => {
    const p = bk.tensor(f32(1), [1], 'float32');
    const vel = bk.zeros([1]);
    const h = { lr: 0.1, momentum: 0.9, dampening: 0.5, nesterov: true, weightDecay: 0 };
    bk.sgdUpdate(p, bk.tensor(f32(2), [1], 'float32'), vel, { ...h, first: true }); // buf = 2; d = 2 + 0.9·2
    close(await read(vel), [2]);
    close(await read(p), [1 - 0.1 * 3.8]);
    bk.sgdUpdate(p, bk.tensor(f32(1), [1], 'float32'), vel, { ...h, first: false }); // buf = 1.8 + 0.5; d = 1 + 0.9·2.3
    close(await read(vel), [2.3]);
    close(await read(p), [1 - 0.38 - 0.1 * 3.07]);
    const q = bk.tensor(f32(1), [1], 'float32');
    const unused = bk.zeros([3]);
    bk.sgdUpdate(q, bk.tensor(f32(2), [1], 'float32'), unused, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.5, first: true });
    close(await read(q), [1 - 0.1 * 2.5]);
    expect(await read(unused)).toEqual([0, 0, 0]);
  });

  it('RMSprop with and without momentum', async () => {
    const p = bk.tensor(f32(1), [1], 'float32');
    const sq = bk.zeros([1]);
    const buf = bk.zeros([1]);
    bk.rmspropUpdate(p, bk.tensor(f32(2), [1], 'float32'), sq, buf, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 });
    close(await read(sq), [0.04]);
    close(await read(p), [1 - (0.01 * 2) / (0.2 + 1e-8)]);
    expect(await read(buf)).toEqual([0]);
    const p2 = bk.tensor(f32(1), [1], 'float32');
    const sq2 = bk.zeros([1]);
    bk.rmspropUpdate(p2, bk.tensor(f32(2), [1], 'float32'), sq2, buf, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0.5, weightDecay: 0 });
    close(await read(buf), [2 / (0.2 + 1e-8)]);
    close(await read(p2), [1 - 0.01 * (2 / (0.2 + 1e-8))], 5);
  });

  it('an update never changes what an earlier forward saved or a reshaped handle shows', async () => {
    const w = bk.tensor(f32(1, 2), [1, 2], 'float32');
    const b = bk.zeros([1]);
    const x = bk.tensor(f32(3, 4), [1, 2], 'float32');
    const view = bk.reshape(w, [2]);
    const { y, saved } = await bk.denseForward(w, b, x, true);
    bk.scaleInPlace(w, 0);
    expect(await read(w)).toEqual([0, 0]);
    expect(await read(view)).toEqual([1, 2]);
    // dx = dy · w as it was at forward time
    const g = await bk.denseBackward(saved!, bk.tensor(f32(1), [1, 1], 'float32'));
    expect(await read(g.dx)).toEqual([1, 2]);
    expect(await read(y)).toEqual([11]);
    bk.disposeSaved(saved!);
  });
});

describe('what the backend still refuses itself', () => {
  const lstm = { kind: 'lstm', unitForgetBias: false } as const;
  const sizes = { inputSize: 3, hiddenSize: 2 };
  const params = () => recurrentParams(bk.zeros([8, 3]), bk.zeros([8, 2]), bk.zeros([8]), bk.zeros([8]));

  it('a disposed or foreign handle, a freed or foreign Saved', async () => {
    const t = bk.zeros([1]);
    bk.dispose(t);
    await expect(bk.read(t)).rejects.toThrow('was disposed');
    expect(() => bk.add(t, t)).toThrow('add(a) (shape [1]) was disposed');
    expect(() => bk.add({ shape: [1], dtype: 'float32' }, t)).toThrow('add(a) is not a tensor of this backend');
    const p = params();
    const x = bk.zeros([2, 4, 3]);
    const h0 = bk.zeros([2, 2]);
    bk.dispose(h0);
    await expect(bk.fused.lstm!.forward({ cell: lstm, sizes, params: p, x, states: [h0], reverse: false, training: false })).rejects.toThrow(
      "fused.lstm.forward: states[0] (h) (shape [2, 2]) was disposed",
    );
    const r = await bk.fused.lstm!.forward({ cell: lstm, sizes, params: p, x, reverse: false, training: true });
    await expect(bk.fused.gru!.backward({ saved: r.saved! })).rejects.toThrow('fused.gru.backward: saved comes from fused.lstm.forward');
    await expect(bk.denseBackward(r.saved!, bk.zeros([1, 1]))).rejects.toThrow("denseBackward: saved is not what this backend's matching forward returned (kind 'recurrent')");
    bk.disposeSaved(r.saved!);
    await expect(bk.fused.lstm!.backward({ saved: r.saved! })).rejects.toThrow('fused.lstm.backward: saved was already disposed');
    expect(() => bk.disposeSaved({ kind: 'recurrent' } as Saved)).toThrow('disposeSaved: s is not a Saved of this backend');
    for (const t2 of [...p.values(), x, r.y, ...r.states]) bk.dispose(t2);
  });

  it('fused kernels decline options they do not compute', () => {
    expect(bk.fused.lstm!.supports!({ kind: 'lstm', unitForgetBias: true })).toBe(true);
    expect(bk.fused.gru!.supports!({ kind: 'gru', resetAfter: false })).toBe(true);
    expect(bk.fused.rnn!.supports!({ kind: 'rnn', nonlinearity: 'relu' })).toBe(true);
    expect(bk.fused.rnn!.supports!({ kind: 'rnn', nonlinearity: 'gelu' })).toBe(false);
    expect(bk.fused.lstm!.supports!({ kind: 'lstm', unitForgetBias: true, peepholes: true })).toBe(false);
    expect(bk.fused.gru!.supports!({ kind: 'lstm', unitForgetBias: true })).toBe(false);
  });

  it('caches one session per graph and shape; close() releases them', async () => {
    const own = await onnxBackend();
    const p = recurrentParams(own.zeros([8, 3]), own.zeros([8, 2]), own.zeros([8]), own.zeros([8]));
    const x = own.zeros([2, 4, 3]);
    for (let k = 0; k < 3; k++) {
      const r = await own.fused.lstm!.forward({ cell: lstm, sizes, params: p, x, reverse: false, training: true });
      await own.fused.lstm!.backward({ saved: r.saved!, dStates: [r.states[0]] });
    }
    expect(own.sessionCount).toBe(2);
    await own.fused.lstm!.forward({ cell: lstm, sizes, params: p, x, reverse: true, training: false });
    expect(own.sessionCount).toBe(3);
    // Concurrent first calls of one graph share one session.
    await Promise.all([0, 1, 2].map(() => own.fused.gru!.forward({ cell: { kind: 'gru', resetAfter: true }, sizes, params: recurrentParams(own.zeros([6, 3]), own.zeros([6, 2]), own.zeros([6]), own.zeros([6])), x, reverse: false, training: false })));
    expect(own.sessionCount).toBe(4);
    own.close();
    expect(own.sessionCount).toBe(0);
    await expect(own.fused.lstm!.forward({ cell: lstm, sizes, params: p, x, reverse: false, training: false })).rejects.toThrow('used after close()');
  });
});
