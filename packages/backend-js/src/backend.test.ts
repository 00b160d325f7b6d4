// The backend object: identity, handle lifecycle and live-tensor counting, and the messages of
// bad input.

import { describe, expect, it } from 'vitest';
import { SPECIFICATION_VERSION, type Backend, type Tensor } from '@rnnkit/core';
import { createJsBackend, JsBackend } from './index.js';
import { randoms } from './test-support.js';

describe('identity', () => {
  it('names, precision, capabilities', async () => {
    const f32 = await createJsBackend();
    const f64 = await createJsBackend({ precision: 'float64' });
    expect(f32).toBeInstanceOf(JsBackend);
    expect([f32.name, f32.precision, f64.name, f64.precision]).toEqual(['js', 'float32', 'js-f64', 'float64']);
    expect(f32.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(f32.device).toContain('TypeScript');
    expect(f32.capabilities).toEqual({ training: true, cells: ['rnn', 'lstm', 'gru'], gruResetBefore: true, sequenceLengths: true });
    await expect(createJsBackend({ precision: 'float16' as never })).rejects.toThrow("JsBackend: options.precision: expected 'float32' or 'float64', got float16");
    expect(new JsBackend({ precision: 'float64' }).name).toBe('js-f64');
  });

  it('stores floats in the backend precision and int32 as Int32Array', async () => {
    const f32 = await createJsBackend();
    const f64 = await createJsBackend({ precision: 'float64' });
    expect(await f32.read(f32.tensor(Float64Array.from([0.1]), [1], 'float32'))).toBeInstanceOf(Float32Array);
    expect(await f64.read(f64.tensor(Float32Array.from([0.1]), [1], 'float32'))).toBeInstanceOf(Float64Array);
    expect(await f64.read(f64.zeros([2], 'int32'))).toBeInstanceOf(Int32Array);
    expect(Array.from(await f64.read(f64.zeros([2, 2])))).toEqual([0, 0, 0, 0]);
  });
});

describe('lifecycle', () => {
  it('counts handles and saved state, and returns to zero after a training loop', async () => {
    for (const precision of ['float32', 'float64'] as const) {
      const be = await createJsBackend({ precision });
      const r = randoms(4);
      const B = 3, T = 4, I = 2, H = 5, C = 3;
      const t = (n: number, shape: number[]): Tensor => be.tensor(r(n, -0.5, 0.5), shape, 'float32');
      const params = { wIh: t(4 * H * I, [4 * H, I]), wHh: t(4 * H * H, [4 * H, H]), bIh: t(4 * H, [4 * H]), bHh: t(4 * H, [4 * H]) };
      const w = t(C * H, [C, H]);
      const b = t(C, [C]);
      const all = [params.wIh, params.wHh, params.bIh, params.bHh, w, b];
      const moments = all.map((p) => [be.zeros(p.shape), be.zeros(p.shape)] as const);
      const base = be.liveTensors();
      expect(base).toBe(6 + 12);
      let firstLoss = 0, lastLoss = 0;
      const x = t(B * T * I, [B, T, I]);
      const labels = be.tensor(Int32Array.from([0, 2, 1]), [B], 'int32');
      for (let step = 1; step <= 60; step++) {
        const f = be.recurrentForward({ cell: { kind: 'lstm' }, params, x, lengths: Int32Array.from([4, 2, 3]), reverse: false, training: true });
        expect(be.liveTensors()).toBeGreaterThan(base + 2 + 3);
        const d = be.denseForward(w, b, f.hT, true);
        const l = be.softmaxCrossEntropy(d.y, labels);
        const loss = (await be.read(l.loss))[0]!;
        if (step === 1) firstLoss = loss;
        lastLoss = loss;
        const dg = be.denseBackward(d.saved!, l.grad);
        const rg = be.recurrentBackward({ saved: f.saved!, dhT: dg.dx });
        const grads = [rg.dWIh, rg.dWHh, rg.dBIh, rg.dBHh, dg.dw, dg.db];
        all.forEach((p, i) => be.adamUpdate(p, grads[i]!, moments[i]![0], moments[i]![1], { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step }));
        be.disposeSaved(f.saved!);
        be.disposeSaved(d.saved!);
        for (const z of [f.y, f.hT, f.cT!, d.y, l.loss, l.grad, dg.dx, rg.dx, rg.dh0, rg.dc0!, ...grads]) be.dispose(z);
        expect(be.liveTensors()).toBe(base + 2);
      }
      expect(lastLoss).toBeLessThan(firstLoss * 0.5);
    }
  });

  it('inference keeps nothing; only an LSTM returns cT and dc0', async () => {
    for (const precision of ['float32', 'float64'] as const) {
      const be = await createJsBackend({ precision });
      const H = 3, I = 2;
      for (const cell of [{ kind: 'rnn', nonlinearity: 'relu' }, { kind: 'gru', resetAfter: false }, { kind: 'lstm' }] as const) {
        const G = cell.kind === 'lstm' ? 4 : cell.kind === 'gru' ? 3 : 1;
        const params = { wIh: be.zeros([G * H, I]), wHh: be.zeros([G * H, H]), bIh: be.zeros([G * H]), bHh: be.zeros([G * H]) };
        const x = be.zeros([2, 4, I]);
        const before = be.liveTensors();
        const inf = be.recurrentForward({ cell, params, x, reverse: true, training: false });
        expect(inf.saved).toBeUndefined();
        expect(inf.cT === undefined).toBe(cell.kind !== 'lstm');
        expect(be.liveTensors()).toBe(before + (cell.kind === 'lstm' ? 3 : 2));
        const tr = be.recurrentForward({ cell, params, x, reverse: false, training: true });
        const g = be.recurrentBackward({ saved: tr.saved! });
        expect(g.dc0 === undefined).toBe(cell.kind !== 'lstm');
        expect([g.dx.shape, g.dh0.shape, g.dWIh.shape, g.dWHh.shape, g.dBIh.shape, g.dBHh.shape]).toEqual([[2, 4, I], [2, H], [G * H, I], [G * H, H], [G * H], [G * H]]);
      }
    }
  });

  it('double free and use after dispose throw', async () => {
    const be = await createJsBackend();
    const a = be.zeros([2, 3]);
    be.dispose(a);
    expect(() => be.dispose(a)).toThrow('dispose: t: tensor [2, 3] float32 was already disposed (double free)');
    expect(() => be.add(a, a)).toThrow('add: a: tensor [2, 3] was used after it was disposed');
    await expect(be.read(a)).rejects.toThrow('read: t: tensor [2, 3] was used after it was disposed');
    const w = be.zeros([4, 3]);
    const f = be.denseForward(w, be.zeros([4]), be.zeros([1, 3]), true);
    be.disposeSaved(f.saved!);
    expect(() => be.disposeSaved(f.saved!)).toThrow(/already disposed \(double free\)/);
    expect(() => be.denseBackward(f.saved!, be.zeros([1, 4]))).toThrow(/already disposed/);
  });

  it('a closed backend refuses work', async () => {
    const be = await createJsBackend();
    be.close();
    expect(() => be.zeros([1])).toThrow("zeros: the backend 'js' was closed");
  });

  it('a foreign handle is rejected', async () => {
    const be = await createJsBackend();
    expect(() => be.sigmoid({ shape: [1], dtype: 'float32' })).toThrow("sigmoid: x: expected a tensor of the 'js' backend, got Object");
  });
});

describe('bad input', () => {
  let be: Backend;
  const lstmParams = (H: number, I: number) => ({
    wIh: be.zeros([4 * H, I]),
    wHh: be.zeros([4 * H, H]),
    bIh: be.zeros([4 * H]),
    bHh: be.zeros([4 * H]),
  });

  it('tensor(): length, non-finite values, int32 values, shape, dtype', async () => {
    be = await createJsBackend({ precision: 'float64' });
    expect(() => be.tensor(new Float32Array(5), [2, 3], 'float32')).toThrow(
      'tensor: data.length: expected 6 (the product of shape [2, 3]), got 5',
    );
    expect(() => be.tensor(Float64Array.from([1, 2, NaN, Infinity]), [4], 'float32')).toThrow(
      'tensor: data[2]: expected a finite number, got NaN (first non-finite value)',
    );
    expect(() => be.tensor(Float64Array.from([1, Infinity]), [2], 'float32')).toThrow(/data\[1\].*Infinity/);
    const f32 = await createJsBackend();
    expect(() => f32.tensor(Float64Array.from([1, 2, 1e39]), [3], 'float32')).toThrow("tensor: data[2]: 1e+39 overflows float32 (the backend's precision)");
    expect(f32.liveTensors()).toBe(0);
    expect(() => be.tensor(Float64Array.from([1, 2.5]), [2], 'int32')).toThrow('tensor: data[1]: expected an int32 value for dtype int32, got 2.5');
    expect(() => be.tensor(new Float32Array(2), [2, -1], 'float32')).toThrow(/shape: dimension 1 must be a non-negative integer, got -1/);
    expect(() => be.tensor(new Float32Array(2), [2], 'float16' as never)).toThrow(/dtype: expected 'float32' or 'int32', got float16/);
  });

  it('recurrentForward: shapes, lengths, dtypes, cell', async () => {
    be = await createJsBackend();
    const params = lstmParams(4, 3);
    const cell = { kind: 'lstm' } as const;
    expect(() => be.recurrentForward({ cell, params, x: be.zeros([2, 5, 4]), reverse: false, training: false })).toThrow(
      'recurrentForward: x: expected [B, T, 3] with I = 3 from wIh [16, 3], got [2, 5, 4]',
    );
    const x = be.zeros([2, 5, 3]);
    expect(() => be.recurrentForward({ cell, params, x, h0: be.zeros([3, 4]), reverse: false, training: false })).toThrow(
      'recurrentForward: h0: expected [B, H] = [2, 4] (B = 2 from x [2, 5, 3], H = 4 from wHh [16, 4]), got [3, 4]',
    );
    expect(() => be.recurrentForward({ cell, params, x, c0: be.zeros([2, 5]), reverse: false, training: false })).toThrow(/c0: expected \[B, H\] = \[2, 4\]/);
    expect(() => be.recurrentForward({ cell: { kind: 'gru', resetAfter: true }, params, x, reverse: false, training: false })).toThrow(
      'recurrentForward: params.wHh: expected [G·H, H] with G = 3 for gru, got [16, 4]',
    );
    expect(() => be.recurrentForward({ cell, params: { ...params, wIh: be.zeros([12, 3]) }, x, reverse: false, training: false })).toThrow(
      /params\.wIh: expected \[16, I\] .*got \[12, 3\]/,
    );
    expect(() => be.recurrentForward({ cell, params: { ...params, bHh: be.zeros([15]) }, x, reverse: false, training: false })).toThrow(
      'recurrentForward: params.bHh: expected [16] (G·H from wHh [16, 4]), got [15]',
    );
    expect(() => be.recurrentForward({ cell, params, x, lengths: Int32Array.from([5, 0]), reverse: false, training: false })).toThrow(
      'recurrentForward: lengths[1]: expected a length in [1, T] = [1, 5], got 0',
    );
    expect(() => be.recurrentForward({ cell, params, x, lengths: Int32Array.from([6, 1]), reverse: false, training: false })).toThrow(/lengths\[0\].*got 6/);
    expect(() => be.recurrentForward({ cell, params, x, lengths: Int32Array.from([5]), reverse: false, training: false })).toThrow(
      'recurrentForward: lengths: expected length B = 2 (from x), got 1',
    );
    expect(() => be.recurrentForward({ cell, params, x: be.zeros([2, 5, 3], 'int32'), reverse: false, training: false })).toThrow(
      'recurrentForward: x: expected dtype float32, got int32',
    );
    expect(() => be.recurrentForward({ cell: { kind: 'rnn', nonlinearity: 'tanh' }, params: { wIh: be.zeros([4, 3]), wHh: be.zeros([4, 4]), bIh: be.zeros([4]), bHh: be.zeros([4]) }, x, c0: be.zeros([2, 4]), reverse: false, training: false })).toThrow(
      'recurrentForward: c0: only an LSTM has a cell state, got c0 for rnn',
    );
    expect(() => be.recurrentForward({ cell: { kind: 'conv' } as never, params, x, reverse: false, training: false })).toThrow(/cell.kind: expected 'rnn', 'lstm' or 'gru', got conv/);
  });

  it('recurrentBackward: upstream shapes', async () => {
    be = await createJsBackend();
    const f = be.recurrentForward({ cell: { kind: 'lstm' }, params: lstmParams(4, 3), x: be.zeros([2, 5, 3]), reverse: false, training: true });
    expect(() => be.recurrentBackward({ saved: f.saved!, dy: be.zeros([2, 4, 4]) })).toThrow(
      'recurrentBackward: dy: expected [B, T, H] = [2, 5, 4] (from the forward pass: B = 2, T = 5, H = 4), got [2, 4, 4]',
    );
    expect(() => be.recurrentBackward({ saved: f.saved!, dhT: be.zeros([4]) })).toThrow(/dhT: expected \[B, H\] = \[2, 4\]/);
    const d = be.denseForward(be.zeros([2, 3]), be.zeros([2]), be.zeros([1, 3]), true);
    expect(() => be.recurrentBackward({ saved: d.saved! })).toThrow("recurrentBackward: saved: expected kind 'recurrent', got 'dense'");
  });

  it('dense, embedding, losses and helpers', async () => {
    be = await createJsBackend();
    expect(() => be.denseForward(be.zeros([10, 128]), be.zeros([10]), be.zeros([32, 64]), false)).toThrow(
      'denseForward: x: expected [N, 128] or [..., 128] with I = 128 from w [10, 128], got [32, 64]',
    );
    expect(() => be.denseForward(be.zeros([10, 128]), be.zeros([9]), be.zeros([32, 128]), false)).toThrow(
      'denseForward: b: expected [U] = [10] (U from w [10, 128]), got [9]',
    );
    const emb = be.zeros([5, 2]);
    expect(() => be.embeddingForward(emb, be.tensor(Int32Array.from([0, 4, 5, 1]), [2, 2], 'int32'), false)).toThrow(
      'embeddingForward: ids[2]: expected a token id in [0, 5) (V from weight [5, 2]), got 5',
    );
    expect(() => be.embeddingForward(emb, be.zeros([2, 2]), false)).toThrow('embeddingForward: ids: expected dtype int32, got float32');
    expect(() => be.softmaxCrossEntropy(be.zeros([3, 4]), be.tensor(Int32Array.from([0, 4, 1]), [3], 'int32'))).toThrow(
      'softmaxCrossEntropy: labels[1]: expected a class in [0, 4) (C from logits [3, 4]), got 4',
    );
    expect(() => be.softmaxCrossEntropy(be.zeros([3, 4]), be.zeros([2], 'int32'))).toThrow(
      'softmaxCrossEntropy: labels: expected [N] = [3] (N from logits [3, 4]), got [2]',
    );
    expect(() => be.sigmoidBinaryCrossEntropy(be.zeros([3]), be.tensor(Float64Array.from([0, 2, 1]), [3], 'float32'))).toThrow(
      'sigmoidBinaryCrossEntropy: targets[1]: expected a value in [0, 1], got 2',
    );
    expect(() => be.meanSquaredError(be.zeros([3, 2]), be.zeros([2, 3]))).toThrow(
      'meanSquaredError: targets: expected [3, 2] (the shape of predictions), got [2, 3]',
    );
    expect(() => be.concatLast(be.zeros([2, 3]), be.zeros([3, 1]))).toThrow(/concatLast: b: expected \[2, B\] = \[2, 1\]/);
    expect(() => be.sliceLast(be.zeros([2, 3]), 2, 2)).toThrow(/sliceLast: start, size: .*got start 2, size 2/);
    expect(() => be.reshape(be.zeros([2, 3]), [4])).toThrow('reshape: shape: expected 6 elements (x [2, 3]), got [4] with 4');
    expect(() => be.adamUpdate(be.zeros([2]), be.zeros([3]), be.zeros([2]), be.zeros([2]), { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, step: 1 })).toThrow(
      'adamUpdate: grad: expected [2] (the shape of param), got [3]',
    );
    expect(() => be.adamUpdate(be.zeros([2]), be.zeros([2]), be.zeros([2]), be.zeros([2]), { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, step: 0 })).toThrow(
      'adamUpdate: h.step: expected an integer ≥ 1, got 0',
    );
  });
});
