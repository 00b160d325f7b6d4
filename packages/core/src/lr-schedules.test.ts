import { describe, expect, it } from 'vitest';
import type { EpochLog } from './callbacks.js';
import { checkSchedule, cosineLR, exponentialLR, reduceLROnPlateau, scheduledLr, stepLR } from './lr-schedules.js';

const lrs = (s: { lr(e: number, b: number): number }, base: number, n: number) => Array.from({ length: n }, (_, e) => s.lr(e, base));
const log = (epoch: number, loss: number, extra: Partial<EpochLog> = {}): EpochLog => ({ epoch, loss, lr: 0, seconds: 0, ...extra });

describe('learning-rate schedules: torch.optim.lr_scheduler closed forms, one step per epoch', () => {
  it('stepLR: base · gamma^⌊e / stepSize⌋', () => {
    expect(lrs(stepLR({ stepSize: 3, gamma: 0.5 }), 0.1, 7)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
    expect(stepLR({ stepSize: 1 }).lr(2, 1)).toBeCloseTo(0.01, 15); // PyTorch's default gamma 0.1
  });

  it('exponentialLR: base · gamma^e', () => {
    const got = lrs(exponentialLR({ gamma: 0.9 }), 2, 4);
    [2, 1.8, 1.62, 1.458].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 14));
  });

  it('cosineLR: CosineAnnealingLR without warm-up, held at etaMin after tMax', () => {
    const got = lrs(cosineLR({ tMax: 4 }), 1, 6);
    [1, 0.8535533905932737, 0.5, 0.14644660940672624, 0, 0].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 14));
    const withMin = lrs(cosineLR({ tMax: 2, etaMin: 0.1 }), 1, 4);
    [1, 0.55, 0.1, 0.1].forEach((v, i) => expect(withMin[i]).toBeCloseTo(v, 14));
  });

  it('cosineLR with warm-up: base · (e + 1) / (warmup + 1), then the cosine over the remaining epochs', () => {
    const got = lrs(cosineLR({ tMax: 6, warmup: 2 }), 0.3, 8);
    [0.1, 0.2, 0.3, 0.3 * 0.8535533905932737, 0.15, 0.3 * 0.14644660940672624, 0, 0].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 14));
  });

  it('reduceLROnPlateau: reduce after more than `patience` bad epochs, relative threshold 1e-4, from the next epoch on', () => {
    const s = reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1 });
    const losses = [1.0, 0.9, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85];
    const used: number[] = [];
    losses.forEach((l, e) => {
      used.push(s.lr(e, 1));
      s.onEpochEnd!(log(e, l));
    });
    expect(used).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('reduceLROnPlateau: an improvement within the threshold is no improvement; minLr bounds the lr; mode max for accuracies', () => {
    const s = reduceLROnPlateau({ monitor: 'loss', factor: 0.1, patience: 0, minLr: 0.003 });
    s.onEpochEnd!(log(0, 0.9));
    s.onEpochEnd!(log(1, 0.89995)); // above 0.9 · (1 − 1e-4) = 0.89991: bad
    expect(s.lr(2, 1)).toBeCloseTo(0.1, 15);
    s.onEpochEnd!(log(2, 0.95));
    expect(s.lr(3, 1)).toBeCloseTo(0.01, 15);
    s.onEpochEnd!(log(3, 0.95));
    expect(s.lr(4, 1)).toBe(0.003);
    const acc = reduceLROnPlateau({ monitor: 'valAccuracy', factor: 0.5, patience: 0 });
    acc.onEpochEnd!(log(0, 1, { valAccuracy: 0.5 }));
    acc.onEpochEnd!(log(1, 1, { valAccuracy: 0.6 }));
    expect(acc.lr(2, 1)).toBe(1);
    acc.onEpochEnd!(log(2, 1, { valAccuracy: 0.55 }));
    expect(acc.lr(3, 1)).toBe(0.5);
    expect(acc.monitor).toBe('valAccuracy');
  });

  it('reduceLROnPlateau: a monitor the log does not have is an error naming it', () => {
    const s = reduceLROnPlateau({ monitor: 'valLoss', factor: 0.5, patience: 0 });
    expect(() => s.onEpochEnd!(log(0, 1))).toThrow("reduceLROnPlateau: monitor: 'valLoss' is not in the epoch log (fit has no validationData or validationSplit)");
  });

  it('bad options are errors naming the option', () => {
    expect(() => stepLR({ stepSize: 0 })).toThrow('stepLR: stepSize: expected a positive integer, got 0');
    expect(() => stepLR({ stepSize: 2, gamma: -1 })).toThrow('stepLR: gamma: expected a finite number > 0, got -1');
    expect(() => stepLR({ step_size: 2 } as never)).toThrow("stepLR: unknown option 'step_size': use stepSize");
    expect(() => exponentialLR({} as never)).toThrow('exponentialLR: gamma: expected a finite number > 0, got undefined');
    expect(() => cosineLR({ tMax: 3, warmup: 3 })).toThrow('cosineLR: warmup: expected fewer epochs than tMax (3), got 3');
    expect(() => cosineLR({ T_max: 3 } as never)).toThrow("cosineLR: unknown option 'T_max': use tMax");
    expect(() => reduceLROnPlateau({ monitor: 'val_loss' } as never)).toThrow("reduceLROnPlateau: monitor: expected 'loss', 'accuracy', 'valLoss', 'valAccuracy', got \"val_loss\" (rnnkit's name for it is 'valLoss')");
    expect(() => reduceLROnPlateau({ monitor: 'loss', factor: 1 })).toThrow('reduceLROnPlateau: factor: expected a number in (0, 1), got 1');
    expect(() => reduceLROnPlateau({ monitor: 'loss', mode: 'auto' } as never)).toThrow("reduceLROnPlateau: mode: expected 'min' or 'max', got \"auto\"");
  });

  it("fit's schedule option: an lr function, and every lr a finite number >= 0", () => {
    const own = { lr: (e: number, b: number) => b / (e + 1) };
    expect(checkSchedule(own)).toBe(own);
    expect(checkSchedule(stepLR({ stepSize: 1 }))).toBeDefined();
    expect(checkSchedule(reduceLROnPlateau({ monitor: 'loss' }))).toBeDefined();
    expect(() => checkSchedule({ lr: 0.1 })).toThrow('fit: schedule: lr: expected a function (epoch, baseLr) => number, got number');
    expect(() => checkSchedule({ lr: () => 1, gamma: 2 })).toThrow("fit: schedule: unknown option 'gamma'");
    expect(() => scheduledLr({ lr: () => Number.NaN }, 3, 1)).toThrow('fit: schedule: expected a learning rate >= 0 for epoch 3, got NaN');
  });
});
