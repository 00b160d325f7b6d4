// The backend object: identity, which cells its fused kernels take, handle lifecycle and
// live-tensor counting, and the misuses it still reports (core checks every argument first).

import { describe, expect, it } from 'vitest';
import { SPECIFICATION_VERSION, type Tensor } from '@rnnkit/core';
import { JsBackend } from './backend.js';
import { createJsBackend } from './index.js';
import { jsBackend, randoms, recurrentParams } from './test-support.js';

describe('identity', () => {
  it('names, precision, capabilities, fused kernels', async () => {
    const f32 = await createJsBackend();
    const f64 = await createJsBackend({ precision: 'float64' });
    expect(f32).toBeInstanceOf(JsBackend);
    expect([f32.name, f32.precision, f64.name, f64.precision]).toEqual(['js', 'float32', 'js-f64', 'float64']);
    expect(f32.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(f32.specificationVersion).toBe(3);
    expect(f32.device).toContain('TypeScript');
    expect(f32.capabilities).toEqual({ training: true });
    for (const be of [f32, f64]) expect(Object.keys(be.fused).sort()).toEqual(['gru', 'lstm', 'rnn']);
    await expect(createJsBackend({ precision: 'float16' as never })).rejects.toThrow("createJsBackend: options.precision: expected 'float32' or 'float64', got float16");
    expect(() => new JsBackend({ precision: 'float16' as never })).toThrow("JsBackend: options.precision: expected 'float32' or 'float64', got float16");
    expect(new JsBackend({ precision: 'float64' }).name).toBe('js-f64');
  });

  it('fused kernels take the options they compute, and no others', async () => {
    const { fused } = await jsBackend();
    expect(fused.rnn.supports({ kind: 'rnn', nonlinearity: 'tanh' })).toBe(true);
    expect(fused.rnn.supports({ kind: 'rnn', nonlinearity: 'relu' })).toBe(true);
    expect(fused.rnn.supports({ kind: 'rnn', nonlinearity: 'sigmoid' })).toBe(false);
    expect(fused.lstm.supports({ kind: 'lstm', unitForgetBias: true })).toBe(true);
    expect(fused.lstm.supports({ kind: 'lstm', unitForgetBias: false })).toBe(true);
    expect(fused.gru.supports({ kind: 'gru', resetAfter: true })).toBe(true);
    expect(fused.gru.supports({ kind: 'gru', resetAfter: false })).toBe(true);
    // An option these kernels do not compute may change the equations: the generic path runs it.
    expect(fused.lstm.supports({ kind: 'lstm', unitForgetBias: true, peepholes: true })).toBe(false);
    expect(fused.gru.supports({ kind: 'gru', resetAfter: true, alpha: 0.5 })).toBe(false);
    expect(fused.gru.supports({ kind: 'lstm', unitForgetBias: true })).toBe(false);
  });

  it('stores floats in the backend precision and int32 as Int32Array', async () => {
    const f32 = await createJsBackend();
    const f64 = await createJsBackend({ precision: 'float64' });
    expect(await f32.read(f32.tensor(Float64Array.from([0.1]), [1], 'float32'))).toBeInstanceOf(Float32Array);
    expect(await f64.read(f64.tensor(Float32Array.from([0.1]), [1], 'float32'))).toBeInstanceOf(Float64Array);
    expect(await f64.read(f64.zeros([2], 'int32'))).toBeInstanceOf(Int32Array);
    expect(Array.from(await f64.read(f64.zeros([2, 2])))).toEqual([0, 0, 0, 0]);
    expect(Array.from(await f64.read(f64.tensor(Float64Array.from([3, -2]), [2], 'int32')))).toEqual([3, -2]);
  });
});

describe('lifecycle', () => {
  it('counts handles and saved state, and returns to zero after a training loop', async () => {
    for (const precision of ['float32', 'float64'] as const) {
      const be = await jsBackend({ precision });
      const r = randoms(4);
      const B = 3, T = 4, I = 2, H = 5, C = 3;
      const t = (n: number, shape: number[]): Tensor => be.tensor(r(n, -0.5, 0.5), shape, 'float32');
      const params = recurrentParams(t(4 * H * I, [4 * H, I]), t(4 * H * H, [4 * H, H]), t(4 * H, [4 * H]), t(4 * H, [4 * H]));
      const w = t(C * H, [C, H]);
      const b = t(C, [C]);
      const names = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'];
      const all = [...names.map((n) => params.get(n)!), w, b];
      const moments = all.map((p) => [be.zeros(p.shape), be.zeros(p.shape)] as const);
      const base = be.liveTensors();
      expect(base).toBe(6 + 12);
      let firstLoss = 0, lastLoss = 0;
      const x = t(B * T * I, [B, T, I]);
      const labels = be.tensor(Int32Array.from([0, 2, 1]), [B], 'int32');
      const cell = { kind: 'lstm', unitForgetBias: true } as const;
      for (let step = 1; step <= 60; step++) {
        const f = be.fused.lstm.forward({ cell, sizes: { inputSize: I, hiddenSize: H }, params, x, lengths: Int32Array.from([4, 2, 3]), reverse: false, training: true });
        expect(f.states).toHaveLength(2);
        expect(be.liveTensors()).toBeGreaterThan(base + 2 + 3);
        const [hT, cT] = f.states as [Tensor, Tensor];
        const d = be.denseForward(w, b, hT, true);
        const l = be.softmaxCrossEntropy(d.y, labels);
        const loss = (await be.read(l.loss))[0]!;
        if (step === 1) firstLoss = loss;
        lastLoss = loss;
        const dg = be.denseBackward(d.saved!, l.grad);
        const rg = be.fused.lstm.backward({ saved: f.saved!, dStates: [dg.dx] });
        expect([...rg.grads.keys()]).toEqual(names);
        const grads = [...names.map((n) => rg.grads.get(n)!), dg.dw, dg.db];
        all.forEach((p, i) => be.adamUpdate(p, grads[i]!, moments[i]![0], moments[i]![1], { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step }));
        be.disposeSaved(f.saved!);
        be.disposeSaved(d.saved!);
        for (const z of [f.y, hT, cT, d.y, l.loss, l.grad, dg.dx, rg.dx, ...rg.dStates, ...grads]) be.dispose(z);
        expect(be.liveTensors()).toBe(base + 2);
      }
      expect(lastLoss).toBeLessThan(firstLoss * 0.5);
    }
  });

  it('inference keeps nothing; an LSTM has two states, the others one', async () => {
    for (const precision of ['float32', 'float64'] as const) {
      const be = await jsBackend({ precision });
      const H = 3, I = 2;
      const cells = [{ kind: 'rnn', nonlinearity: 'relu' }, { kind: 'gru', resetAfter: false }, { kind: 'lstm', unitForgetBias: false }] as const;
      for (const cell of cells) {
        const G = cell.kind === 'lstm' ? 4 : cell.kind === 'gru' ? 3 : 1;
        const kernel = be.fused[cell.kind];
        const params = recurrentParams(be.zeros([G * H, I]), be.zeros([G * H, H]), be.zeros([G * H]), be.zeros([G * H]));
        const x = be.zeros([2, 4, I]);
        const n = cell.kind === 'lstm' ? 2 : 1;
        const sizes = { inputSize: I, hiddenSize: H };
        const before = be.liveTensors();
        const inf = kernel.forward({ cell, sizes, params, x, reverse: true, training: false });
        expect(inf.saved).toBeUndefined();
        expect(inf.states.map((s) => s.shape)).toEqual(Array(n).fill([2, H]));
        expect(be.liveTensors()).toBe(before + 1 + n);
        const tr = kernel.forward({ cell, sizes, params, x, reverse: false, training: true });
        const g = kernel.backward({ saved: tr.saved! });
        expect(g.dStates.map((s) => s.shape)).toEqual(Array(n).fill([2, H]));
        expect(g.dx.shape).toEqual([2, 4, I]);
        expect(Object.fromEntries([...g.grads].map(([k, v]) => [k, v.shape]))).toEqual({
          weight_ih: [G * H, I],
          weight_hh: [G * H, H],
          bias_ih: [G * H],
          bias_hh: [G * H],
        });
      }
    }
  });

  it('an absent state entry is zeros, like an absent list', async () => {
    const be = await jsBackend({ precision: 'float64' });
    const r = randoms(8);
    const H = 2, I = 3;
    const t = (shape: number[]): Tensor => be.tensor(r(shape.reduce((a, b) => a * b, 1)), shape, 'float32');
    const params = recurrentParams(t([4 * H, I]), t([4 * H, H]), t([4 * H]), t([4 * H]));
    const x = t([2, 3, I]);
    const cell = { kind: 'lstm', unitForgetBias: true } as const;
    const sizes = { inputSize: I, hiddenSize: H };
    const none = be.fused.lstm.forward({ cell, sizes, params, x, reverse: false, training: false });
    const holes = be.fused.lstm.forward({ cell, sizes, params, x, states: [undefined, undefined], reverse: false, training: false });
    const zeros = be.fused.lstm.forward({ cell, sizes, params, x, states: [be.zeros([2, H]), be.zeros([2, H])], reverse: false, training: false });
    for (const other of [holes, zeros]) {
      expect(await be.read(other.y)).toEqual(await be.read(none.y));
      expect(await be.read(other.states[1]!)).toEqual(await be.read(none.states[1]!));
    }
    // A c0 alone changes the result.
    const c0 = be.fused.lstm.forward({ cell, sizes, params, x, states: [undefined, t([2, H])], reverse: false, training: false });
    expect(await be.read(c0.y)).not.toEqual(await be.read(none.y));
  });

  it('double free and use after dispose throw', async () => {
    const be = await jsBackend();
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
    const H = 2;
    const r = be.fused.rnn.forward({
      cell: { kind: 'rnn', nonlinearity: 'tanh' },
      sizes: { inputSize: 1, hiddenSize: H },
      params: recurrentParams(be.zeros([H, 1]), be.zeros([H, H]), be.zeros([H]), be.zeros([H])),
      x: be.zeros([1, 2, 1]),
      reverse: false,
      training: true,
    });
    be.disposeSaved(r.saved!);
    expect(() => be.fused.rnn.backward({ saved: r.saved! })).toThrow("fused.rnn.backward: saved: this 'recurrent' saved state was already disposed");
  });

  it('a Saved of another kernel is refused', async () => {
    const be = await jsBackend();
    const d = be.denseForward(be.zeros([2, 3]), be.zeros([2]), be.zeros([1, 3]), true);
    expect(() => be.fused.lstm.backward({ saved: d.saved! })).toThrow("fused.lstm.backward: saved: expected kind 'recurrent', got 'dense'");
    expect(() => be.embeddingBackward(d.saved!, be.zeros([1, 2]))).toThrow("embeddingBackward: saved: expected kind 'embedding', got 'dense'");
    expect(() => be.denseBackward({ kind: 'dense' }, be.zeros([1, 2]))).toThrow("denseBackward: saved: expected the Saved of a 'js' forward pass, got Object");
  });

  it('a closed backend refuses work', async () => {
    const be = await jsBackend();
    const a = be.zeros([1]);
    be.close();
    expect(() => be.zeros([1])).toThrow("zeros: the backend 'js' was closed");
    expect(() => be.activation('tanh', a)).toThrow("activation: the backend 'js' was closed");
    expect(() => be.concat([a, a], 0)).toThrow("concat: the backend 'js' was closed");
  });

  it('a foreign handle is rejected', async () => {
    const be = await jsBackend();
    expect(() => be.softmax({ shape: [1], dtype: 'float32' })).toThrow("softmax: x: expected a tensor of the 'js' backend, got Object");
    expect(() => be.concat([be.zeros([1]), { shape: [1], dtype: 'float32' }], 0)).toThrow("concat: xs[1]: expected a tensor of the 'js' backend, got Object");
  });
});
