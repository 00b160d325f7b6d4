// Bad input gets an Error naming the argument, the expected and the actual value.

import { expect, it } from 'vitest';
import type { RecurrentParams } from '@rnnkit/core';
import { describeEngines, f32, i32 } from './test-support.js';

describeEngines('bad input', (backend) => {
  it('tensor() checks data length against the shape', () => {
    const b = backend();
    expect(() => b.tensor(new Float32Array(5), [2, 3], 'float32')).toThrow(/data: expected length 6 .*\[2, 3\].*got 5/);
    expect(() => b.tensor(new Float32Array(2), [2, -1], 'float32')).toThrow(/shape: dimension 1 .* got -1/);
    expect(() => b.tensor(new Float32Array(2), [2], 'float16' as never)).toThrow(/dtype/);
  });

  it('recurrentForward names the mismatched weight, state or length', () => {
    const b = backend();
    const H = 3, I = 2;
    const params: RecurrentParams = {
      wIh: b.zeros([4 * H, I]),
      wHh: b.zeros([4 * H, H]),
      bIh: b.zeros([4 * H]),
      bHh: b.zeros([4 * H]),
    };
    const x = b.zeros([2, 5, I]);
    const cell = { kind: 'lstm' } as const;
    expect(() => b.recurrentForward({ cell, params: { ...params, wIh: b.zeros([4 * H, I + 1]) }, x, reverse: false, training: false })).toThrow(
      /params\.wIh: expected shape \[4·H, I\] = \[12, 2\], got \[12, 3\]/,
    );
    expect(() => b.recurrentForward({ cell: { kind: 'gru', resetAfter: true }, params, x, reverse: false, training: false })).toThrow(/params\.wHh: expected shape \[3·H, H\]/);
    expect(() => b.recurrentForward({ cell, params, x, h0: b.zeros([3, H]), reverse: false, training: false })).toThrow(/h0: expected shape \[B, H\] = \[2, 3\], got \[3, 3\]/);
    expect(() => b.recurrentForward({ cell, params, x, lengths: Int32Array.from([5, 6]), reverse: false, training: false })).toThrow(/lengths\[1\]: expected an integer in \[1, T = 5\], got 6/);
    expect(() => b.recurrentForward({ cell, params, x, lengths: Int32Array.from([5]), reverse: false, training: false })).toThrow(/lengths: expected length B = 2, got 1/);
    expect(() => b.recurrentForward({ cell, params, x: b.zeros([2, 5]), reverse: false, training: false })).toThrow(/x: expected rank 3/);
  });

  it('recurrentBackward checks upstream shapes and refuses a disposed Saved', () => {
    const b = backend();
    const H = 2;
    const params: RecurrentParams = { wIh: b.zeros([H, 1]), wHh: b.zeros([H, H]), bIh: b.zeros([H]), bHh: b.zeros([H]) };
    const fwd = b.recurrentForward({ cell: { kind: 'rnn', nonlinearity: 'tanh' }, params, x: b.zeros([1, 3, 1]), reverse: false, training: true });
    expect(() => b.recurrentBackward({ saved: fwd.saved!, dy: b.zeros([1, 4, H]) })).toThrow(/dy: expected shape \[B, T, H\] = \[1, 3, 2\], got \[1, 4, 2\]/);
    expect(() => b.recurrentBackward({ saved: fwd.saved!, dcT: b.zeros([1, H]) })).toThrow(/dcT: only an LSTM/);
    b.disposeSaved(fwd.saved!);
    expect(() => b.recurrentBackward({ saved: fwd.saved! })).toThrow(/saved: already disposed/);
  });

  it('dense, embedding and losses name the bad argument', () => {
    const b = backend();
    expect(() => b.denseForward(b.zeros([3, 4]), b.zeros([3]), b.zeros([2, 5]), false)).toThrow(/x: expected shape \[N, 4\] or \[..., 4\] \(I = 4 from w \[3, 4\]\), got \[2, 5\]/);
    expect(() => b.denseForward(b.zeros([3, 4]), b.zeros([4]), b.zeros([2, 4]), false)).toThrow(/b: expected shape \[U\] = \[3\], got \[4\]/);
    expect(() => b.embeddingForward(b.zeros([10, 2]), b.zeros([2, 3]), false)).toThrow(/ids: expected dtype int32, got float32/);
    expect(() => b.embeddingForward(b.zeros([10, 2]), i32(b, [3, 10], [1, 2]), false)).toThrow(/ids\[1\]: expected a token id in \[0, 10\) .*got 10/);
    expect(() => b.softmaxCrossEntropy(b.zeros([2, 3]), i32(b, [0, 1, 2], [3]))).toThrow(/labels: expected shape \[N\] = \[2\], got \[3\]/);
    expect(() => b.softmaxCrossEntropy(b.zeros([2, 3]), b.zeros([2]))).toThrow(/labels: expected dtype int32/);
    expect(() => b.softmaxCrossEntropy(b.zeros([2, 3]), i32(b, [0, 3], [2]))).toThrow(/labels\[1\]: expected a class index in \[0, 3\) .*got 3/);
    expect(() => b.meanSquaredError(b.zeros([2, 3]), b.zeros([3, 2]))).toThrow(/targets: expected the shape of predictions \[2, 3\], got \[3, 2\]/);
    expect(() => b.add(b.zeros([2]), b.zeros([3]))).toThrow(/b: expected the shape of a \[2\], got \[3\]/);
    expect(() => b.reshape(b.zeros([2, 3]), [4])).toThrow(/shape: expected 6 elements/);
    expect(() => b.sliceLast(b.zeros([2, 3]), 2, 2)).toThrow(/size: expected an integer in \[0, 1\]/);
    expect(() => b.adamUpdate(b.zeros([2]), b.zeros([3]), b.zeros([2]), b.zeros([2]), { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 1 })).toThrow(/grad: expected the shape of param \[2\], got \[3\]/);
    expect(() => b.adamUpdate(b.zeros([2]), b.zeros([2]), b.zeros([2]), b.zeros([2]), { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 0 })).toThrow(/h\.step: expected an integer ≥ 1, got 0/);
  });

  it('a disposed handle or a foreign object is refused', () => {
    const b = backend();
    const t = f32(b, [1, 2], [2]);
    b.dispose(t);
    expect(() => b.sigmoid(t)).toThrow(/x: the tensor handle was already disposed/);
    expect(() => b.sigmoid({ shape: [2], dtype: 'float32' })).toThrow(/x: expected a tensor created by this backend/);
  });
});
