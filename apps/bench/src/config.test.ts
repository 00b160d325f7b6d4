import { describe, expect, it } from 'vitest';
import { modelLayers, parameterCount, taskConfig, type ImdbModel } from './config.js';

describe('standard configurations (the issue text)', () => {
  it('full MNIST: LSTM(28→128) over 28 rows, dense 10, softmax CE, Adam 0.001, batch 128, 3 epochs, full 10k test set', () => {
    const c = taskConfig('mnist', 'full');
    expect(c.model).toEqual({ kind: 'mnist', inputSize: 28, steps: 28, hiddenSize: 128, classes: 10, normalize: true });
    expect(c.loss).toBe('softmaxCrossEntropy');
    expect(c.optimizer).toEqual({ type: 'adam', lr: 0.001 });
    expect([c.batchSize, c.epochs, c.trainSamples, c.testSamples]).toEqual([128, 3, 60_000, 10_000]);
    expect(c.init).toBe('keras');
    const specs = modelLayers(c.model);
    expect(specs.map((s) => s.type)).toEqual(['recurrent', 'dense']);
    expect(specs[0]).toMatchObject({ cell: 'lstm', inputSize: 28, hiddenSize: 128, returnSequences: false, numLayers: 1, bidirectional: false });
    expect(specs[1]).toMatchObject({ units: 10 });
    // 4·128·(28+128+2) + 128·10 + 10, as PyTorch counts nn.LSTM(28, 128) + nn.Linear(128, 10).
    expect(parameterCount(c.model)).toBe(82_186);
  });

  it('full IMDB: 10k words, maxLen 200 pre/pre, embedding 64, LSTM 64, dense 1 sigmoid BCE, Adam 0.001, batch 64, 2 epochs, full 25k test set', () => {
    const c = taskConfig('imdb', 'full');
    const m = c.model as ImdbModel;
    expect(m).toEqual({ kind: 'imdb', numWords: 10_000, maxLen: 200, padding: 'pre', truncating: 'pre', embeddingSize: 64, hiddenSize: 64 });
    expect(c.loss).toBe('sigmoidBinaryCrossEntropy');
    expect(c.optimizer).toEqual({ type: 'adam', lr: 0.001 });
    expect([c.batchSize, c.epochs, c.trainSamples, c.testSamples]).toEqual([64, 2, 25_000, 25_000]);
    const specs = modelLayers(m);
    expect(specs.map((s) => s.type)).toEqual(['embedding', 'recurrent', 'dense']);
    expect(specs[0]).toMatchObject({ inputDim: 10_000, outputDim: 64 });
    expect(specs[1]).toMatchObject({ cell: 'lstm', hiddenSize: 64, returnSequences: false });
    expect(specs[2]).toMatchObject({ units: 1 });
    expect(parameterCount(m)).toBe(10_000 * 64 + 4 * 64 * (64 + 64 + 2) + 64 + 1);
  });

  it('quick and tiny run the same models and hyper-parameters on fewer samples', () => {
    for (const task of ['mnist', 'imdb'] as const) {
      const full = taskConfig(task, 'full');
      for (const profile of ['quick', 'tiny'] as const) {
        const c = taskConfig(task, profile);
        expect(c.model).toEqual(full.model);
        expect([c.loss, c.batchSize, c.optimizer]).toEqual([full.loss, full.batchSize, full.optimizer]);
        expect(c.trainSamples).toBeLessThan(full.trainSamples);
        expect(c.testSamples).toBeLessThan(full.testSamples);
      }
    }
  });

  it('quick has a 60 s time budget per backend, full none; --budget overrides, 0 removes it', () => {
    expect(taskConfig('mnist', 'quick').budgetSeconds).toBe(60);
    expect(taskConfig('mnist', 'full').budgetSeconds).toBeUndefined();
    expect(taskConfig('imdb', 'quick', { budgetSeconds: 0 }).budgetSeconds).toBeUndefined();
    expect(taskConfig('imdb', 'full', { budgetSeconds: 30 }).budgetSeconds).toBe(30);
  });

  it('overrides epochs and seed; rejects unknown names', () => {
    expect(taskConfig('mnist', 'quick', { epochs: 5, seed: 7 })).toMatchObject({ epochs: 5, seed: 7 });
    expect(() => taskConfig('cifar' as never, 'quick')).toThrow(/task: expected one of mnist, imdb, got "cifar"/);
    expect(() => taskConfig('mnist', 'huge' as never)).toThrow(/profile: expected one of quick, full, tiny, got "huge"/);
  });
});
