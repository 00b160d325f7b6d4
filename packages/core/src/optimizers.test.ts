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

describe('adamw and lr-only changes', () => {
  it('adamw: torch.optim.AdamW defaults (weightDecay 0.01), checked like adam', async () => {
    const { adamw, checkOptimizerSpec } = await import('./optimizers.js');
    expect(adamw()).toEqual({ type: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    expect(checkOptimizerSpec({ type: 'adamw', lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-7, weightDecay: 0.1 })).toEqual(adamw({ lr: 0.01, beta2: 0.99, eps: 1e-7, weightDecay: 0.1 }));
    expect(() => adamw({ weightDecay: -1 })).toThrow('adamw: weightDecay: expected a finite number >= 0, got -1');
    expect(() => adamw({ weight_decay: 0.1 } as never)).toThrow("adamw: unknown option 'weight_decay': use weightDecay");
  });

  it('sameExceptLr: only the learning rate may differ', async () => {
    const { adamw, sameExceptLr } = await import('./optimizers.js');
    expect(sameExceptLr(adam({ lr: 1e-3 }), adam({ lr: 5e-4 }))).toBe(true);
    expect(sameExceptLr(adam(), adam())).toBe(true);
    expect(sameExceptLr(adam({ lr: 1e-3 }), adam({ lr: 5e-4, beta2: 0.99 }))).toBe(false);
    expect(sameExceptLr(adam(), adamw({ weightDecay: 0 }))).toBe(false);
    expect(sameExceptLr(sgd({ lr: 0.1, momentum: 0.9 }), sgd({ lr: 0.01, momentum: 0.9 }))).toBe(true);
    expect(sameExceptLr(sgd({ lr: 0.1, momentum: 0.9 }), sgd({ lr: 0.1, momentum: 0.9, nesterov: true }))).toBe(false);
  });
});
