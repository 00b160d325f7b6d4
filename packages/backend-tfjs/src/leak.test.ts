// 1000 training steps (LSTM forward and backward, dense head, softmax cross-entropy, global-norm
// clipping arithmetic, Adam) must leave the live tensor count exactly where it started.

import { expect, it } from 'vitest';
import type { Tensor } from '@rnnkit/core';
import { describeEngines, recurrentParams } from './test-support.js';

describeEngines('no leaks', (backend) => {
  it('inference keeps nothing and training keeps only the Saved, for every cell', () => {
    const b = backend();
    const B = 2, T = 3, I = 2, H = 2;
    const cells = [
      { kind: 'lstm', unitForgetBias: false },
      { kind: 'gru', resetAfter: true },
      { kind: 'gru', resetAfter: false },
      { kind: 'rnn', nonlinearity: 'tanh' },
      { kind: 'rnn', nonlinearity: 'relu' },
    ] as const;
    for (const cell of cells) {
      const lstm = cell.kind === 'lstm';
      const G = lstm ? 4 : cell.kind === 'gru' ? 3 : 1;
      const ts = [b.zeros([G * H, I]), b.zeros([G * H, H]), b.zeros([G * H]), b.zeros([G * H]), b.zeros([B, T, I]), b.zeros([B, H])] as const;
      const [wIh, wHh, bIh, bHh, x, h0] = ts;
      const kernel = b.fused[cell.kind];
      const sizes = { inputSize: I, hiddenSize: H };
      const before = b.liveTensors();
      for (const training of [false, true]) {
        const states = lstm ? [h0, h0] : [h0];
        const r = kernel.forward({ cell, sizes, params: recurrentParams(wIh, wHh, bIh, bHh), x, states, lengths: Int32Array.from([3, 1]), reverse: training, training });
        expect(r.saved === undefined).toBe(!training);
        expect(r.states).toHaveLength(states.length);
        for (const t of [r.y, ...r.states]) b.dispose(t);
        if (r.saved) {
          const g = kernel.backward({ saved: r.saved, dStates: [h0] });
          expect(g.dStates).toHaveLength(states.length);
          expect([...g.grads.keys()]).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
          for (const t of [g.dx, ...g.dStates, ...g.grads.values()]) b.dispose(t);
          b.disposeSaved(r.saved);
        }
        expect(b.liveTensors(), `${cell.kind} training=${training}`).toBe(before);
      }
      for (const t of ts) b.dispose(t);
    }
  });

  it('1000 LSTM + dense + Adam steps (with lengths, reverse on odd steps) leak nothing', async () => {
    const b = backend();
    const before = b.liveTensors();
    const B = 3, T = 4, I = 2, H = 3, C = 2;
    const init = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, k) => Math.sin(seed * 13.7 + k * 1.3) * 0.3);
    const params: Tensor[] = [
      b.tensor(init(4 * H * I, 1), [4 * H, I], 'float32'),
      b.tensor(init(4 * H * H, 2), [4 * H, H], 'float32'),
      b.tensor(init(4 * H, 3), [4 * H], 'float32'),
      b.tensor(init(4 * H, 4), [4 * H], 'float32'),
      b.tensor(init(C * H, 5), [C, H], 'float32'),
      b.tensor(init(C, 6), [C], 'float32'),
    ];
    const ms = params.map((p) => b.zeros(p.shape));
    const vs = params.map((p) => b.zeros(p.shape));
    const x = b.tensor(init(B * T * I, 7), [B, T, I], 'float32');
    const labels = b.tensor(Int32Array.from([0, 1, 1]), [B], 'int32');
    const lengths = Int32Array.from([4, 2, 3]);
    const afterSetup = b.liveTensors();
    let firstLoss = NaN, lastLoss = NaN;
    for (let step = 1; step <= 1000; step++) {
      const [wIh, wHh, bIh, bHh, wD, bD] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const fwd = b.fused.lstm.forward({
        cell: { kind: 'lstm', unitForgetBias: false },
        sizes: { inputSize: I, hiddenSize: H },
        params: recurrentParams(wIh, wHh, bIh, bHh),
        x,
        lengths,
        reverse: step % 2 === 1,
        training: true,
      });
      const dense = b.denseForward(wD, bD, fwd.states[0]!, true);
      const { loss, grad } = b.softmaxCrossEntropy(dense.y, labels);
      const dd = b.denseBackward(dense.saved!, grad);
      const rg = b.fused.lstm.backward({ saved: fwd.saved!, dStates: [dd.dx] });
      const grads = [...rg.grads.values(), dd.dw, dd.db];
      const norm = b.sumSquares(grads);
      for (const g of grads) b.scaleInPlace(g, 1);
      grads.forEach((g, k) => b.adamUpdate(params[k]!, g, ms[k]!, vs[k]!, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step }));
      if (step === 1 || step === 1000) {
        const l = (await b.read(loss))[0]!;
        if (step === 1) firstLoss = l;
        else lastLoss = l;
      }
      for (const t of [fwd.y, ...fwd.states, dense.y, loss, grad, dd.dx, norm, rg.dx, ...rg.dStates, ...grads]) b.dispose(t);
      b.disposeSaved(fwd.saved!);
      b.disposeSaved(dense.saved!);
    }
    expect(b.liveTensors()).toBe(afterSetup);
    expect(lastLoss).toBeLessThan(firstLoss); // it trained, so the steps did real work
    for (const t of [...params, ...ms, ...vs, x, labels]) b.dispose(t);
    expect(b.liveTensors()).toBe(before);
  });
});
