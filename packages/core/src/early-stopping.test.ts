import { describe, expect, it } from 'vitest';
import type { EpochLog, FitContext } from './callbacks.js';
import { checkCallbacks } from './callbacks.js';
import { earlyStopping } from './early-stopping.js';
import type { Sequential } from './sequential.js';

/** A stand-in model whose weights are one number per epoch, enough to see which epoch was restored. */
function fakeContext() {
  let current = new Map<string, Float32Array>([['w', Float32Array.of(0)]]);
  const model = {
    getWeights: async () => new Map([...current].map(([k, v]) => [k, Float32Array.from(v)])),
    setWeights: (w: ReadonlyMap<string, Float32Array>) => void (current = new Map(w)),
  };
  const ctx: FitContext = { model: model as unknown as Sequential, stopTraining: false };
  return { ctx, weight: () => current.get('w')![0]!, set: (v: number) => void (current = new Map([['w', Float32Array.of(v)]])) };
}

/** Runs the callback over `values` (as `monitor`) until it stops; returns the epochs run. */
async function run(cb: ReturnType<typeof earlyStopping>, values: number[], monitor: keyof EpochLog = 'valLoss') {
  const f = fakeContext();
  cb.onTrainBegin!(f.ctx);
  const ran: number[] = [];
  for (const [epoch, v] of values.entries()) {
    f.set(epoch * 10);
    ran.push(epoch);
    await cb.onEpochEnd!({ epoch, loss: 1, lr: 1e-3, seconds: 0, [monitor]: v } as EpochLog, f.ctx);
    if (f.ctx.stopTraining) break;
  }
  await cb.onTrainEnd!([], f.ctx);
  return { ran, weight: f.weight() };
}

describe('earlyStopping (Keras EarlyStopping)', () => {
  it('stops when `patience` epochs in a row do not improve on the best by more than minDelta', async () => {
    const cb = earlyStopping({ monitor: 'valLoss', patience: 2 });
    expect((await run(cb, [1, 0.8, 0.9, 0.7, 0.75, 0.71, 0.5])).ran).toEqual([0, 1, 2, 3, 4, 5]);
    expect(cb.stoppedEpoch).toBe(5);
    expect(cb.bestEpoch).toBe(3);
    expect(cb.best).toBe(0.7);
    const delta = earlyStopping({ monitor: 'valLoss', patience: 0, minDelta: 0.05 });
    expect((await run(delta, [1, 0.97])).ran).toEqual([0, 1]);
    const never = earlyStopping({ monitor: 'valLoss', patience: 0 });
    expect((await run(never, [3, 2, 1])).ran).toEqual([0, 1, 2]);
    expect(never.stoppedEpoch).toBeUndefined();
  });

  it('mode max by default for accuracies', async () => {
    const cb = earlyStopping({ monitor: 'accuracy', patience: 1 });
    expect((await run(cb, [0.5, 0.6, 0.6, 0.7], 'accuracy')).ran).toEqual([0, 1, 2]);
    expect(cb.bestEpoch).toBe(1);
  });

  it("restoreBest puts back the best epoch's weights at the end, stopped or not; without it the last weights stay", async () => {
    expect((await run(earlyStopping({ monitor: 'valLoss', patience: 1, restoreBest: true }), [1, 0.5, 0.6, 0.7, 0.1])).weight).toBe(10);
    expect((await run(earlyStopping({ monitor: 'valLoss', patience: 5, restoreBest: true }), [1, 0.5, 0.6])).weight).toBe(10);
    expect((await run(earlyStopping({ monitor: 'valLoss', patience: 1 }), [1, 0.5, 0.6, 0.7])).weight).toBe(20);
  });

  it('starts over at each fit (onTrainBegin), as Keras', async () => {
    const cb = earlyStopping({ monitor: 'valLoss', patience: 0 });
    await run(cb, [1, 2]);
    expect(cb.stoppedEpoch).toBe(1);
    expect((await run(cb, [5, 4])).ran).toEqual([0, 1]);
    expect(cb.stoppedEpoch).toBeUndefined();
  });

  it('is a valid fit callback (strict option checks see no unknown keys)', () => {
    expect(checkCallbacks([earlyStopping({ monitor: 'loss' }), { onEpochEnd: () => {} }])).toHaveLength(2);
  });

  it('bad options are errors naming the option', () => {
    expect(() => earlyStopping({ monitor: 'val_accuracy' } as never)).toThrow("(rnnkit's name for it is 'valAccuracy')");
    expect(() => earlyStopping({ monitor: 'loss', patience: -1 })).toThrow('earlyStopping: patience: expected a non-negative integer, got -1');
    expect(() => earlyStopping({ monitor: 'loss', minDelta: -0.1 })).toThrow('earlyStopping: minDelta: expected a finite number >= 0, got -0.1');
    expect(() => earlyStopping({ monitor: 'loss', restoreBest: 1 } as never)).toThrow('earlyStopping: restoreBest: expected true or false, got 1');
    expect(() => earlyStopping({ monitor: 'loss', restore_best_weights: true } as never)).toThrow("earlyStopping: unknown option 'restore_best_weights': use restoreBest");
  });
});

describe("fit's callbacks option", () => {
  it('one object or a list, only known hooks, each a function', () => {
    expect(checkCallbacks(undefined)).toEqual([]);
    expect(checkCallbacks({ onTrainEnd: () => {} })).toHaveLength(1);
    expect(() => checkCallbacks({ onStep: () => {} })).toThrow("fit: callbacks: unknown option 'onStep'");
    expect(() => checkCallbacks([{}, { onEpochEnd: 1 }])).toThrow('fit: callbacks[1]: onEpochEnd: expected a function, got number');
    expect(() => checkCallbacks([null])).toThrow('fit: callbacks[0]: expected an options object, got null');
  });
});
