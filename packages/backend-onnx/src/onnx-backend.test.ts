// Execution-provider selection, the small kernels against hand-computed values, bad input, leaks, caching.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, CellSpec, Tensor } from '@rnnkit/core';
import { createOnnxBackend, OnnxBackend } from './index.js';

let bk: Backend;
beforeAll(async () => {
  bk = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
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
    expect(bk.specificationVersion).toBe(1);
    expect(bk.precision).toBe('float32');
  });

  it("'auto' reports what runs; 'cuda' throws a clear error where the CUDA provider is missing", async () => {
    const auto = await createOnnxBackend();
    try {
      if (auto.name === 'onnx-cpu') {
        expect(auto.device).toMatch(/^onnxruntime \d+\.\d+ cpu \(fell back: CUDA provider not installed\)$/);
        const err = await createOnnxBackend({ executionProvider: 'cuda' }).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/executionProvider 'cuda' is not available/);
        expect((err as Error).message).toMatch(/Failed to load shared library/);
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

describe('tensors and element-wise kernels', () => {
  it('tensor validates data length, shape and dtype', () => {
    expect(() => bk.tensor(f32(1, 2, 3), [2, 2], 'float32')).toThrow('tensor: data.length must equal the product of shape [2, 2] = 4, got 3');
    expect(() => bk.tensor(f32(1), [-1], 'float32')).toThrow('tensor: shape must be a list of non-negative integers, got [-1]');
    expect(() => bk.tensor(f32(1.5), [1], 'int32')).toThrow('tensor: int32 data must hold integers, got data[0] = 1.5');
  });

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
    for (const x of [t, i, z]) bk.dispose(x);
  });

  it('concatLast, sliceLast, add, mul, reshape', async () => {
    const a = bk.tensor(f32(1, 2, 3, 4), [2, 2], 'float32');
    const b = bk.tensor(f32(5, 6), [2, 1], 'float32');
    const c = bk.concatLast(a, b);
    expect(c.shape).toEqual([2, 3]);
    expect(await read(c)).toEqual([1, 2, 5, 3, 4, 6]);
    const s = bk.sliceLast(c, 1, 2);
    expect(s.shape).toEqual([2, 2]);
    expect(await read(s)).toEqual([2, 5, 4, 6]);
    expect(await read(bk.add(a, s))).toEqual([3, 7, 7, 10]);
    expect(await read(bk.mul(a, s))).toEqual([2, 10, 12, 24]);
    const r = bk.reshape(c, [3, 2]);
    expect(r.shape).toEqual([3, 2]);
    expect(await read(r)).toEqual([1, 2, 5, 3, 4, 6]);
    expect(() => bk.concatLast(a, bk.zeros([3, 1]))).toThrow('concatLast: a and b must agree on all but the last axis, got a [2, 2] and b [3, 1]');
    expect(() => bk.sliceLast(c, 2, 2)).toThrow('sliceLast: [start, start + size) must lie in [0, 3], got start 2, size 2');
    expect(() => bk.add(a, b)).toThrow('add: a and b must have the same shape, got [2, 2] and [2, 1]');
    expect(() => bk.reshape(c, [4, 2])).toThrow('reshape: shape must have 6 elements like [2, 3], got [4,2]');
  });

  it('softmax and sigmoid', async () => {
    const x = bk.tensor(f32(0, Math.log(3), 1000, 1000), [2, 2], 'float32');
    close(await read(bk.softmax(x)), [0.25, 0.75, 0.5, 0.5]);
    close(await read(bk.sigmoid(bk.tensor(f32(0, Math.log(3)), [2], 'float32'))), [0.5, 0.75]);
  });
});

describe('dense and embedding', () => {
  it('dense forward and backward', async () => {
    // x: [2, 3], w: [2, 3], b: [2]
    const x = bk.tensor(f32(1, 2, 3, 4, 5, 6), [2, 3], 'float32');
    const w = bk.tensor(f32(1, 0, -1, 0.5, 0.5, 0.5), [2, 3], 'float32');
    const b = bk.tensor(f32(10, 20), [2], 'float32');
    const { y, saved } = bk.denseForward(w, b, x, true);
    expect(await read(y)).toEqual([8, 23, 8, 27.5]);
    const dy = bk.tensor(f32(1, 2, 3, 4), [2, 2], 'float32');
    const g = bk.denseBackward(saved!, dy);
    expect(await read(g.dx)).toEqual([2, 1, 0, 5, 2, -1]); // dy w
    expect(await read(g.dw)).toEqual([13, 17, 21, 18, 24, 30]); // dyᵀ x
    expect(await read(g.db)).toEqual([4, 6]);
    bk.disposeSaved(saved!);
    expect(() => bk.denseForward(w, b, bk.zeros([2, 4]), false)).toThrow('denseForward: x must have shape [N, 3] or [..., 3] (I from w [2, 3]), got [2, 4]');
    // [B, T, I] inputs: leading axes flattened
    const x3 = bk.reshape(x, [1, 2, 3]);
    const r3 = bk.denseForward(w, b, x3, true);
    expect(r3.y.shape).toEqual([1, 2, 2]);
    expect(await read(r3.y)).toEqual([8, 23, 8, 27.5]);
    const g3 = bk.denseBackward(r3.saved!, bk.reshape(dy, [1, 2, 2]));
    expect(g3.dx.shape).toEqual([1, 2, 3]);
    expect(await read(g3.dx)).toEqual([2, 1, 0, 5, 2, -1]);
    expect(() => bk.denseForward(w, bk.zeros([3]), x, false)).toThrow('denseForward: b must have shape [2], got [3]');
  });

  it('embedding forward and backward (rows summed per id)', async () => {
    const w = bk.tensor(f32(0, 1, 10, 11, 20, 21), [3, 2], 'float32');
    const ids = bk.tensor(Int32Array.of(2, 0, 2, 1), [2, 2], 'int32');
    const { y, saved } = bk.embeddingForward(w, ids, true);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await read(y)).toEqual([20, 21, 0, 1, 20, 21, 10, 11]);
    const dy = bk.tensor(f32(1, 2, 3, 4, 5, 6, 7, 8), [2, 2, 2], 'float32');
    expect(await read(bk.embeddingBackward(saved!, dy).dWeight)).toEqual([3, 4, 7, 8, 6, 8]);
    expect(() => bk.embeddingForward(w, bk.tensor(Int32Array.of(3), [1, 1], 'int32'), false)).toThrow(
      'embeddingForward: ids must be in [0, 3), got ids[0] = 3',
    );
    expect(() => bk.embeddingForward(w, bk.zeros([1, 1]), false)).toThrow('embeddingForward(ids) must be int32, got float32');
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
    expect(() => bk.softmaxCrossEntropy(logits, bk.tensor(Int32Array.of(2, 0), [2], 'int32'))).toThrow(
      'softmaxCrossEntropy: labels must be in [0, 2), got labels[0] = 2',
    );
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
    expect(() => bk.meanSquaredError(x, bk.zeros([3]))).toThrow('meanSquaredError: targets must have the shape of predictions [2], got [3]');
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
  });

  it('RMSprop with and without momentum', async () => {
    const p = bk.tensor(f32(1), [1], 'float32');
    const sq = bk.zeros([1]);
    const buf = bk.zeros([1]);
    bk.rmspropUpdate(p, bk.tensor(f32(2), [1], 'float32'), sq, buf, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 });
    close(await read(sq), [0.04]);
    close(await read(p), [1 - (0.01 * 2) / (0.2 + 1e-8)]);
    const p2 = bk.tensor(f32(1), [1], 'float32');
    const sq2 = bk.zeros([1]);
    bk.rmspropUpdate(p2, bk.tensor(f32(2), [1], 'float32'), sq2, buf, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0.5, weightDecay: 0 });
    close(await read(buf), [2 / (0.2 + 1e-8)]);
    close(await read(p2), [1 - 0.01 * (2 / (0.2 + 1e-8))], 5);
    expect(() =>
      bk.rmspropUpdate(p2, bk.zeros([2]), sq2, buf, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 }),
    ).toThrow('rmspropUpdate: grad must have the shape of param [1], got [2]');
  });
});

describe('recurrent input validation and lifecycle', () => {
  const lstm: CellSpec = { kind: 'lstm' };
  const params = () => ({ wIh: bk.zeros([8, 3]), wHh: bk.zeros([8, 2]), bIh: bk.zeros([8]), bHh: bk.zeros([8]) });

  it('names the bad argument, expected and actual', async () => {
    const x = bk.zeros([2, 4, 3]);
    expect(() => bk.recurrentForward({ cell: lstm, params: params(), x: bk.zeros([2, 3]), reverse: false, training: false })).toThrow(
      'recurrentForward: x must have shape [B, T, I], got [2, 3]',
    );
    expect(() =>
      bk.recurrentForward({ cell: lstm, params: { ...params(), wIh: bk.zeros([8, 4]) }, x, reverse: false, training: false }),
    ).toThrow('recurrentForward: params.wIh must have shape [8, 3], got [8, 4]');
    expect(() =>
      bk.recurrentForward({ cell: { kind: 'gru', resetAfter: true }, params: params(), x, reverse: false, training: false }),
    ).toThrow('recurrentForward: params.wHh must have shape [3·H, H] for gru(resetAfter), got [8, 2]');
    expect(() =>
      bk.recurrentForward({ cell: lstm, params: params(), x, h0: bk.zeros([2, 3]), reverse: false, training: false }),
    ).toThrow('recurrentForward: h0 must have shape [2, 2], got [2, 3]');
    expect(() =>
      bk.recurrentForward({ cell: lstm, params: params(), x, lengths: Int32Array.of(4, 5), reverse: false, training: false }),
    ).toThrow('recurrentForward: lengths[1] must be in [1, 4], got 5');
    expect(() =>
      bk.recurrentForward({ cell: lstm, params: params(), x, lengths: Int32Array.of(4), reverse: false, training: false }),
    ).toThrow('recurrentForward: lengths must have length B = 2, got 1');
    const r = bk.recurrentForward({ cell: lstm, params: params(), x, reverse: false, training: true });
    expect(() => bk.recurrentBackward({ saved: r.saved!, dy: bk.zeros([2, 4, 3]) })).toThrow(
      'recurrentBackward: dy must have shape [2, 4, 2], got [2, 4, 3]',
    );
    bk.disposeSaved(r.saved!);
    expect(() => bk.recurrentBackward({ saved: r.saved! })).toThrow('recurrentBackward: saved was already disposed');
    const t = bk.zeros([1]);
    bk.dispose(t);
    await expect(bk.read(t)).rejects.toThrow('was disposed');
  });

  it('caches one session per graph and shape; close() releases them', async () => {
    const own = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
    expect(own).toBeInstanceOf(OnnxBackend);
    const p = { wIh: own.zeros([8, 3]), wHh: own.zeros([8, 2]), bIh: own.zeros([8]), bHh: own.zeros([8]) };
    const x = own.zeros([2, 4, 3]);
    for (let k = 0; k < 3; k++) {
      const r = own.recurrentForward({ cell: lstm, params: p, x, reverse: false, training: true });
      own.recurrentBackward({ saved: r.saved!, dhT: r.hT });
    }
    expect((own as OnnxBackend).sessionCount).toBe(2);
    own.recurrentForward({ cell: lstm, params: p, x, reverse: true, training: false });
    expect((own as OnnxBackend).sessionCount).toBe(3);
    own.close();
    expect((own as OnnxBackend).sessionCount).toBe(0);
    expect(() => own.recurrentForward({ cell: lstm, params: p, x, reverse: false, training: false })).toThrow('used after close()');
  });
});
