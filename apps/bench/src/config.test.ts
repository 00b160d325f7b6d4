import { describe, expect, it } from 'vitest';
import { layers } from '@rnnkit/core';
import { CELL_NAMES, CELLS } from './cells.js';
import { describeModel, modelLayers, taskConfig, type ImdbModel, type MnistModel } from './config.js';
import { countParameters } from './parameters.js';

describe('standard configurations (the issue text)', () => {
  it('full MNIST: LSTM(28→128) over 28 rows, dense 10, softmax CE, Adam 0.001, batch 128, 3 epochs, full 10k test set', () => {
    const c = taskConfig('mnist', 'full');
    expect(c.model).toEqual({ kind: 'mnist', inputSize: 28, steps: 28, cell: 'lstm', hiddenSize: 128, cellOptions: {}, classes: 10, normalize: true });
    expect(c.loss).toBe('softmaxCrossEntropy');
    expect(c.optimizer).toEqual({ type: 'adam', lr: 0.001 });
    expect([c.batchSize, c.epochs, c.trainSamples, c.testSamples]).toEqual([128, 3, 60_000, 10_000]);
    expect(c.init).toBe('keras');
    const specs = modelLayers(c.model);
    expect(specs.map((s) => s.type)).toEqual(['recurrent', 'dense']);
    expect(specs[0]).toMatchObject({ cell: 'lstm', inputSize: 28, hiddenSize: 128, returnSequences: false, numLayers: 1, bidirectional: false });
    expect(specs[1]).toMatchObject({ units: 10 });
    // Exactly the layer the standard configuration always had.
    expect(specs[0]).toEqual(layers.lstm({ inputSize: 28, hiddenSize: 128 }));
    expect(describeModel(c.model)).toBe('LSTM(28→128) over 28 rows (pixels standardised: mean 0.1307, std 0.3081), last hidden state, dense 10, softmax cross-entropy');
  });

  it('counts parameters from the model core builds: 82,186 for MNIST (PyTorch nn.LSTM(28, 128) + nn.Linear(128, 10))', async () => {
    expect(await countParameters(taskConfig('mnist', 'full'))).toBe(4 * 128 * (28 + 128 + 2) + 128 * 10 + 10);
    expect(await countParameters(taskConfig('imdb', 'full'))).toBe(10_000 * 64 + 4 * 64 * (64 + 64 + 2) + 64 + 1);
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
  });

  it('tiny runs the same models and hyper-parameters on fewer samples', () => {
    for (const task of ['mnist', 'imdb'] as const) {
      const full = taskConfig(task, 'full');
      const c = taskConfig(task, 'tiny');
      expect(c.model).toEqual(full.model);
      expect([c.loss, c.batchSize, c.optimizer]).toEqual([full.loss, full.batchSize, full.optimizer]);
      expect(c.trainSamples).toBeLessThan(full.trainSamples);
      expect(c.testSamples).toBeLessThan(full.testSamples);
    }
  });

  it('quick: smaller models (MNIST pooled to 14×14 rows) at Adam 0.01 on seeded subsets, one epoch (issue #18: it must learn within a few minutes)', () => {
    const mnist = taskConfig('mnist', 'quick');
    expect(mnist.model).toEqual({ ...taskConfig('mnist', 'full').model, hiddenSize: 64, inputSize: 14, steps: 14 });
    expect(describeModel(mnist.model)).toMatch(/^LSTM\(14→64\) over 14 rows of the images 2×2 mean-pooled to 14×14/);
    expect([mnist.optimizer.lr, mnist.batchSize, mnist.epochs, mnist.trainSamples, mnist.testSamples]).toEqual([0.01, 64, 1, 8192, 1000]);
    const imdb = taskConfig('imdb', 'quick');
    expect(imdb.model).toEqual({ kind: 'imdb', numWords: 5000, maxLen: 80, padding: 'pre', truncating: 'pre', embeddingSize: 32, hiddenSize: 32 });
    expect([imdb.optimizer.lr, imdb.batchSize, imdb.epochs, imdb.trainSamples, imdb.testSamples]).toEqual([0.01, 32, 1, 2000, 500]);
    // --cell runs keep the cells' parameter-matched sizes.
    expect(taskConfig('mnist', 'quick', { cell: 'gru' }).model).toMatchObject({ cell: 'gru', hiddenSize: 150 });
  });

  it('quick has a 60 s time budget per backend, full none; --budget overrides, 0 removes it', () => {
    expect(taskConfig('mnist', 'quick').budgetSeconds).toBe(60);
    expect(taskConfig('mnist', 'full').budgetSeconds).toBeUndefined();
    expect(taskConfig('imdb', 'quick', { budgetSeconds: 0 }).budgetSeconds).toBeUndefined();
    expect(taskConfig('imdb', 'full', { budgetSeconds: 30 }).budgetSeconds).toBe(30);
  });

  it('overrides epochs and seed; rejects unknown names', () => {
    expect(taskConfig('mnist', 'quick', { epochs: 5, seed: 7 })).toMatchObject({ epochs: 5, seed: 7 });
    expect(() => taskConfig('cifar' as never, 'quick')).toThrow(/task: expected one of mnist, imdb, movingMnist, got "cifar"/);
    expect(() => taskConfig('mnist', 'huge' as never)).toThrow(/profile: expected one of quick, full, tiny, got "huge"/);
  });
});

describe('--cell: the MNIST model with any one-dimensional cell', () => {
  it('every cell keeps the task, head, loss, optimizer and data sizes; only the recurrent layer changes', () => {
    const lstm = taskConfig('mnist', 'full');
    for (const cell of CELL_NAMES) {
      const c = taskConfig('mnist', 'full', { cell });
      const m = c.model as MnistModel;
      expect(m).toMatchObject({ kind: 'mnist', cell, hiddenSize: CELLS[cell].hiddenSize, cellOptions: CELLS[cell].options, inputSize: 28, steps: 28, classes: 10 });
      expect([c.loss, c.optimizer, c.batchSize, c.epochs, c.trainSamples, c.testSamples, c.seed]).toEqual([lstm.loss, lstm.optimizer, lstm.batchSize, lstm.epochs, lstm.trainSamples, lstm.testSamples, lstm.seed]);
    }
    expect(taskConfig('mnist', 'full', { cell: 'gru' }).model).toMatchObject({ cell: 'gru', hiddenSize: 150 });
    expect(describeModel(taskConfig('mnist', 'full', { cell: 'lstmProjection' }).model)).toMatch(/^LSTM-projection\(28→160→80\) over 28 rows .*, last output, dense 10/);
    expect(describeModel(taskConfig('mnist', 'full', { cell: 'jordan' }).model)).toMatch(/^Jordan\(28→192→192; tanh\) over 28 rows/);
    expect(describeModel(taskConfig('mnist', 'full', { cell: 'ctrnn' }).model)).toMatch(/^CTRNN\(28→268; α 0.5, tanh\) over 28 rows .*, last hidden state/);
  });

  it('builds each cell with the documented layer options', () => {
    const spec = (cell: (typeof CELL_NAMES)[number]) => modelLayers(taskConfig('mnist', 'full', { cell }).model)[0]!;
    expect(spec('gru')).toEqual(layers.gru({ inputSize: 28, hiddenSize: 150 }));
    expect(spec('rnn')).toEqual(layers.rnn({ inputSize: 28, hiddenSize: 268, nonlinearity: 'tanh' }));
    expect(spec('ctrnn')).toEqual(layers.ctrnn({ inputSize: 28, hiddenSize: 268, alpha: 0.5, nonlinearity: 'tanh' }));
    expect(spec('lstmProjection')).toMatchObject({ cell: 'lstm', hiddenSize: 160, options: { projSize: 80 } });
    expect(spec('lstmPeephole')).toMatchObject({ cell: 'lstm', hiddenSize: 128, options: { peephole: true } });
    expect(spec('lstmLayerNorm')).toMatchObject({ cell: 'lstm', hiddenSize: 128, options: { layerNorm: true } });
    expect(spec('jordan')).toEqual(layers.jordan({ inputSize: 28, hiddenSize: 192, outputSize: 192, nonlinearity: 'tanh' }));
    expect(spec('minGru')).toEqual(layers.minGru({ inputSize: 28, hiddenSize: 1200 }));
    expect(spec('minLstm')).toEqual(layers.minLstm({ inputSize: 28, hiddenSize: 848 }));
  });

  it("keeps every cell's whole-model parameter count within 3% of the LSTM's 82,186", async () => {
    const counts: Record<string, number> = {};
    for (const cell of CELL_NAMES) counts[cell] = await countParameters(taskConfig('mnist', 'full', { cell }));
    // The README's table.
    expect(counts).toEqual({
      rnn: 82_554,
      lstm: 82_186,
      gru: 82_510,
      ctrnn: 82_554,
      jordan: 81_610,
      minGru: 81_610,
      minLstm: 82_266,
      lstmProjection: 84_010,
      lstmPeephole: 82_570,
      lstmLayerNorm: 82_442,
    });
    for (const [cell, n] of Object.entries(counts)) expect(Math.abs(n / 82_186 - 1), `${cell}: ${n}`).toBeLessThanOrEqual(0.03);
  });
});

describe('movingMnist: the ConvLSTM next-frame task', () => {
  it('two ConvLSTM layers over moving digits, per-pixel MSE, not part of the default tasks', async () => {
    const { DEFAULT_TASKS, TASK_NAMES } = await import('./config.js');
    expect(DEFAULT_TASKS).toEqual(['mnist', 'imdb']);
    expect(TASK_NAMES).toEqual(['mnist', 'imdb', 'movingMnist']);
    const c = taskConfig('movingMnist', 'quick');
    expect(c.model).toEqual({ kind: 'movingMnist', frameSize: 16, digitSize: 8, digits: 2, frames: 8, speed: [1, 2], hiddenChannels: 8, kernelSize: 3 });
    expect(c.loss).toBe('meanSquaredError');
    expect([c.optimizer.lr, c.batchSize, c.init]).toEqual([0.02, 8, 'pytorch']);
    expect(taskConfig('movingMnist', 'quick', { init: 'keras' }).init).toBe('keras');
    expect(taskConfig('mnist', 'quick').init).toBe('keras');
    expect(c.budgetSeconds).toBe(60);
    expect(describeModel(c.model)).toContain('ConvLSTM(1→8, 3×3) → ConvLSTM(8→1, 3×3)');
    for (const p of ['tiny', 'full'] as const) expect(taskConfig('movingMnist', p).model).toEqual(c.model);
    expect(modelLayers(c.model)).toEqual([
      layers.convLstm({ inChannels: 1, hiddenChannels: 8, kernelSize: 3, returnSequences: true }),
      layers.convLstm({ inChannels: 8, hiddenChannels: 1, kernelSize: 3, returnSequences: true }),
    ]);
    // 4·8·(1 + 8)·9 + 2·32 weights and biases, then 4·1·(8 + 1)·9 + 2·4.
    expect(await countParameters(c)).toBe(4 * 8 * 9 * 9 + 64 + 4 * 9 * 9 + 8);
  });
});
