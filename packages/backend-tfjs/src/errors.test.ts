// What this backend still checks itself: what core's checked wrapper cannot see from outside
// (a disposed or foreign handle, a freed or foreign Saved, a closed backend). Argument checks
// (shapes, dtypes, ids, lengths, hyperparameters) are core's and tested there and in conformance.

import { expect, it } from 'vitest';
import type { Saved } from '@rnnkit/core';
import { createTfjsBackend } from './index.js';
import type { TfjsBackend } from './tfjs-backend.js';
import { describeEngines, f32, recurrentParams } from './test-support.js';

describeEngines('internal invariants', (backend) => {
  it('a disposed handle or a foreign object is refused, naming the call and the argument', () => {
    const b = backend();
    const t = f32(b, [1, 2], [2]);
    b.dispose(t);
    expect(() => b.activation('sigmoid', t)).toThrow(/\.activation: x: the tensor handle was already disposed/);
    expect(() => b.add({ shape: [2], dtype: 'float32' }, t)).toThrow(/\.add: a: expected a tensor created by this backend/);
    expect(() => b.dispose({ shape: [2], dtype: 'float32' })).toThrow(/\.dispose: t: expected a tensor created by this backend/);
  });

  it('fused kernels name a disposed parameter or state by its local name', () => {
    const b = backend();
    const H = 2, I = 1;
    const params = recurrentParams(b.zeros([4 * H, I]), b.zeros([4 * H, H]), b.zeros([4 * H]), b.zeros([4 * H]));
    const x = b.zeros([1, 3, I]);
    const h0 = b.zeros([1, H]);
    const cell = { kind: 'lstm', unitForgetBias: false };
    const sizes = { inputSize: I, hiddenSize: H };
    b.dispose(h0);
    expect(() => b.fused.lstm.forward({ cell, sizes, params, x, states: [h0], reverse: false, training: false })).toThrow(
      /fused\.lstm\.forward: states\[0\] \(h\): the tensor handle was already disposed/,
    );
    b.dispose(params.get('weight_hh')!);
    expect(() => b.fused.lstm.forward({ cell, sizes, params, x, reverse: false, training: false })).toThrow(
      /fused\.lstm\.forward: params 'weight_hh': the tensor handle was already disposed/,
    );
    for (const t of [...params.values(), x]) b.dispose(t);
  });

  it('a freed Saved, or one from another kernel, is refused', () => {
    const b = backend();
    const H = 2;
    const params = recurrentParams(b.zeros([H, 1]), b.zeros([H, H]), b.zeros([H]), b.zeros([H]));
    const x = b.zeros([1, 3, 1]);
    const fwd = b.fused.rnn.forward({ cell: { kind: 'rnn', nonlinearity: 'tanh' }, sizes: { inputSize: 1, hiddenSize: H }, params, x, reverse: false, training: true });
    const saved = fwd.saved!;
    expect(() => b.fused.gru.backward({ saved })).toThrow(/fused\.gru\.backward: saved: expected kind 'fused\.gru', got 'fused\.rnn'/);
    expect(() => b.denseBackward(saved, b.zeros([1, 1]))).toThrow(/denseBackward: saved: expected kind 'dense'/);
    expect(() => b.fused.rnn.backward({ saved: { kind: 'fused.rnn' } as Saved })).toThrow(/saved: expected a Saved from this backend/);
    b.disposeSaved(saved);
    expect(() => b.fused.rnn.backward({ saved })).toThrow(/fused\.rnn\.backward: saved: already disposed/);
    for (const t of [...params.values(), x, fwd.y, ...fwd.states]) b.dispose(t);
  });
});

it('a closed backend refuses work, kernels included', async () => {
  const b = (await createTfjsBackend({ engine: 'cpu' })) as TfjsBackend;
  const t = b.zeros([2]);
  b.close();
  expect(() => b.zeros([1])).toThrow(/^tfjs-cpu\.zeros: the backend was closed$/);
  expect(() => b.affine(t, 2, 0)).toThrow(/^tfjs-cpu\.affine: the backend was closed$/);
  expect(() => b.fused.lstm.backward({ saved: { kind: 'fused.lstm' } })).toThrow(/^tfjs-cpu\.fused\.lstm\.backward: the backend was closed$/);
  b.dispose(t);
});
