import { describe, expect, it } from 'vitest';
import { adam, rmsprop, sgd } from './optimizers.js';

describe('optimizer specs', () => {
  it('use PyTorch defaults', () => {
    expect(adam()).toEqual({ type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(rmsprop()).toEqual({ type: 'rmsprop', lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 });
    expect(sgd({ lr: 0.1 })).toEqual({ type: 'sgd', lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
  });

  it('reject bad hyper-parameters by name', () => {
    expect(() => adam({ lr: -1 })).toThrow('adam: lr: expected a finite number >= 0, got -1');
    expect(() => adam({ beta1: 1 })).toThrow('adam: beta1: expected a number in [0, 1), got 1');
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow('sgd: nesterov requires momentum > 0 and dampening 0');
  });
});
