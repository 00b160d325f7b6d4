// The whole-step path against the layer-by-layer path: the same model trained N steps on both (one backend
// with `wholeStep: false`) gives the same losses, weights and optimizer state within float32 tolerance, for
// every model kind the whole-step graphs take, each optimizer and clipNorm; predict and evaluate agree;
// what the graphs do not take still trains (on the plain path).

import { describe, expect, it } from 'vitest';
import { adam, adamw, layers, rmsprop, Rng, Sequential, sgd, type Dataset, type LayerSpec, type LossName, type OptimizerSpec } from '@rnnkit/core';
import { createOnnxBackend, type OnnxBackend } from './onnx-backend.js';

const STEPS = 3;
const TOLERANCE = 2e-5;

interface Case {
  readonly name: string;
  readonly layers: () => LayerSpec[];
  readonly loss: LossName;
  readonly batch: (rng: Rng) => Dataset;
}

const B = 5;
const T = 6;

function floats(rng: Rng, shape: number[]) {
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), shape };
}
function ints(rng: Rng, shape: number[], n: number) {
  return { data: Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rng.uniform(0, n))), shape };
}
const lengths = Int32Array.from([6, 3, 1, 5, 6]);

const CASES: Case[] = [
  {
    name: 'lstm → dense (softmax cross-entropy)',
    layers: () => [layers.lstm({ inputSize: 3, hiddenSize: 7 }), layers.dense({ units: 4 })],
    loss: 'softmaxCrossEntropy',
    batch: (r) => ({ x: floats(r, [B, T, 3]), y: ints(r, [B], 4) }),
  },
  {
    name: 'gru bidirectional, 2 stacked, lengths → dense',
    layers: () => [layers.gru({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true }), layers.dense({ units: 3 })],
    loss: 'softmaxCrossEntropy',
    batch: (r) => ({ x: floats(r, [B, T, 3]), y: ints(r, [B], 3), lengths }),
  },
  {
    name: 'rnn relu, lengths → dense → dense (mean squared error)',
    layers: () => [layers.rnn({ inputSize: 2, hiddenSize: 4, nonlinearity: 'relu' }), layers.dense({ units: 3 }), layers.dense({ units: 2 })],
    loss: 'meanSquaredError',
    batch: (r) => ({ x: floats(r, [B, T, 2]), y: floats(r, [B, 2]), lengths }),
  },
  {
    name: 'embedding (paddingIdx) → lstm bidirectional, lengths → dense 1 (sigmoid BCE)',
    layers: () => [layers.embedding({ inputDim: 11, outputDim: 4, paddingIdx: 0 }), layers.lstm({ hiddenSize: 5, bidirectional: true }), layers.dense({ units: 1 })],
    loss: 'sigmoidBinaryCrossEntropy',
    batch: (r) => ({ x: ints(r, [B, T], 11), y: { data: Float32Array.from([1, 0, 1, 1, 0]), shape: [B] }, lengths }),
  },
  {
    name: 'embedding → gru (reset-before, sequences) → lstm 2 stacked → dense',
    layers: () => [
      layers.embedding({ inputDim: 9, outputDim: 3 }),
      layers.gru({ hiddenSize: 4, resetAfter: false, returnSequences: true }),
      layers.lstm({ hiddenSize: 5, numLayers: 2 }),
      layers.dense({ units: 3 }),
    ],
    loss: 'softmaxCrossEntropy',
    batch: (r) => ({ x: ints(r, [B, T], 9), y: ints(r, [B], 3) }),
  },
];

const OPTIMIZERS: [string, OptimizerSpec, number | undefined][] = [
  ['adam, clipNorm 0.1', adam({ lr: 0.01 }), 0.1],
  ['adam with weight decay', adam({ lr: 0.01, weightDecay: 0.1 }), undefined],
  ['adamw', adamw({ lr: 0.01 }), undefined],
  ['sgd', sgd({ lr: 0.1 }), 0.5],
  ['sgd momentum nesterov', sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), undefined],
  ['sgd momentum dampening', sgd({ lr: 0.1, momentum: 0.5, dampening: 0.3 }), undefined],
  ['rmsprop', rmsprop({ lr: 0.01 }), undefined],
  ['rmsprop momentum', rmsprop({ lr: 0.01, momentum: 0.5, weightDecay: 0.01 }), 1],
];

async function backend(wholeStep: boolean): Promise<OnnxBackend> {
  return (await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1, wholeStep })) as OnnxBackend;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(actual[k]! - expected[k]!) / Math.max(1, Math.abs(expected[k]!)));
  expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(TOLERANCE);
}

async function train(c: Case, wholeStep: boolean, optimizer: OptimizerSpec, clipNorm: number | undefined) {
  const be = await backend(wholeStep);
  const model = Sequential.create(be, c.layers(), { seed: 3 }, true);
  const rng = new Rng(11);
  const batches = Array.from({ length: STEPS }, () => c.batch(rng));
  const losses: number[] = [];
  for (const batch of batches) losses.push(await model.trainStep(batch, { loss: c.loss, optimizer, clipNorm }));
  const ran = be.sessionKeys.some((k) => k.startsWith('whole-train'));
  return { model, losses, ran, batches };
}

describe('whole-step training matches the layer-by-layer path', () => {
  for (const c of CASES) {
    for (const [what, optimizer, clipNorm] of OPTIMIZERS) {
      it(`${c.name}; ${what}`, async () => {
        const plain = await train(c, false, optimizer, clipNorm);
        const whole = await train(c, true, optimizer, clipNorm);
        expect(plain.ran).toBe(false);
        expect(whole.ran, 'the whole-step graph ran').toBe(true);
        expectClose(whole.losses, plain.losses, 'losses');
        const a = await plain.model.toCheckpoint();
        const b = await whole.model.toCheckpoint();
        for (const [name, w] of a.weights) expectClose(b.weights.get(name)!.data, w.data, `weight ${name}`);
        expect(b.optimizer?.step).toBe(a.optimizer?.step);
        for (const [name, slots] of a.optimizer!.slots) slots.forEach((s, k) => expectClose(b.optimizer!.slots.get(name)![k]!, s, `slot ${k} of ${name}`));
        plain.model.dispose();
        whole.model.dispose();
      });
    }
  }

  it('a plain step after fast ones (and the other way round) continues the same optimizer state', async () => {
    const c = CASES[0]!;
    const rng = new Rng(5);
    const batches = Array.from({ length: 4 }, () => c.batch(rng));
    const run = async (wholeStep: boolean[]) => {
      const plain = await backend(false);
      const fast = await backend(true);
      // Two models with the same weights, one per backend; each step goes to the one asked for, weights and
      // optimizer state handed over through a checkpoint as a user's save/load would.
      let ck = await Sequential.create(plain, c.layers(), { seed: 3 }).toCheckpoint();
      const losses: number[] = [];
      for (const [k, w] of wholeStep.entries()) {
        const m = Sequential.fromCheckpoint(w ? fast : plain, ck);
        losses.push(await m.trainStep(batches[k]!, { loss: c.loss, optimizer: sgd({ lr: 0.1, momentum: 0.9 }) }));
        ck = await m.toCheckpoint();
        m.dispose();
      }
      plain.close();
      fast.close();
      return { losses, ck };
    };
    const a = await run([false, false, false, false]);
    const b = await run([true, false, true, true]);
    expectClose(b.losses, a.losses, 'losses');
    for (const [name, w] of a.ck.weights) expectClose(b.ck.weights.get(name)!.data, w.data, `weight ${name}`);
  });

  it('fit with accuracy, predict and evaluate agree', async () => {
    const c = CASES[3]!;
    const results = [];
    for (const wholeStep of [false, true]) {
      const be = await backend(wholeStep);
      const model = Sequential.create(be, c.layers(), { seed: 3 }, true);
      const rng = new Rng(2);
      const data = c.batch(rng);
      const history = await model.fit(data, { loss: c.loss, optimizer: adam({ lr: 0.01 }), batchSize: 5, epochs: 2 });
      const predicted = await model.predict(data.x, { lengths: data.lengths, batchSize: 5 });
      const again = await model.predict(data.x, { lengths: data.lengths, batchSize: 5 }); // the baked graph
      const evaluated = await model.evaluate(data, { batchSize: 5 });
      results.push({ history, predicted, again, evaluated, keys: be.sessionKeys });
      model.dispose();
    }
    const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
    expect(b.keys.some((k) => k.startsWith('whole-infer'))).toBe(true);
    expectClose(b.history.map((h) => h.loss), a.history.map((h) => h.loss), 'epoch losses');
    expect(b.history.map((h) => h.accuracy)).toEqual(a.history.map((h) => h.accuracy));
    expectClose(b.predicted.data, a.predicted.data, 'predict');
    expectClose(b.again.data, a.predicted.data, 'predict again');
    expectClose([b.evaluated.loss], [a.evaluated.loss], 'evaluate loss');
  });

  it('models the graphs do not take still train, on the plain path', async () => {
    const be = await backend(true);
    const model = Sequential.create(be, [layers.lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5 }), layers.dense({ units: 2 })], { seed: 1 }, true);
    const rng = new Rng(1);
    const loss = await model.trainStep({ x: floats(rng, [B, T, 3]), y: ints(rng, [B], 2) }, { loss: 'softmaxCrossEntropy' });
    expect(Number.isFinite(loss)).toBe(true);
    expect(be.sessionKeys.some((k) => k.startsWith('whole-train'))).toBe(false);
    model.dispose();
  });
});
