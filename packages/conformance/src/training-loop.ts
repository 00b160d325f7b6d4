// The training loop PyTorch and Keras users expect, through Sequential on the backend under test:
// lr changes that keep optimizer state, per-epoch schedules, callbacks that stop cleanly (and
// earlyStopping), epochs that continue across fit calls, validationSplit, frozen layers,
// paddingIdx, and AdamW against hand-computed values. Comparisons on the same backend are exact
// (the same calls in the same order); across backends they use the suite's tolerances.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adam,
  adamw,
  cosineLR,
  earlyStopping,
  layers,
  lengthsFromPadding,
  reduceLROnPlateau,
  Rng,
  sgd,
  Sequential,
  stepLR,
  type Backend,
  type Dataset,
  type EpochLog,
  type FitOptions,
  type LayerSpec,
} from '@rnnkit/core';
import { readCheckpoint } from '@rnnkit/core/internal';
import { expectClose, expectEqual } from './compare.js';
import type { Suite } from './suite.js';
import { suiteTempDir } from './temp-dir.js';

const N = 10;
const T = 5;

/** N samples of [T, 3] features with 3 classes and per-sample lengths. */
function classification(seed: number): Dataset {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: N * T * 3 }, () => rng.uniform(-1, 1));
  const y = Int32Array.from({ length: N }, () => rng.int(3));
  const lengths = Int32Array.from({ length: N }, () => 1 + rng.int(T));
  return { x: { data: x, shape: [N, T, 3] }, y: { data: y, shape: [N] }, lengths };
}

const lstmModel = (): LayerSpec[] => [layers.lstm({ inputSize: 3, hiddenSize: 4 }), layers.dense({ units: 3 })];
const ce = { loss: 'softmaxCrossEntropy' as const, batchSize: 4 };

/** Runs `train` on a fresh model, then returns its weights, optimizer step count and what train returned. */
async function trained<R>(b: Backend, specs: LayerSpec[], train: (m: Sequential) => Promise<R>, seed = 3) {
  const model = Sequential.create(b, specs, { seed });
  try {
    const result = await train(model);
    return { result, weights: await model.getWeights(), steps: (await model.optimizerState())?.step, epoch: model.epoch };
  } finally {
    model.dispose();
  }
}

function expectSameWeights(got: Map<string, Float32Array>, want: Map<string, Float32Array>, what: string, tol?: number): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, w] of want) {
    if (tol === undefined) expectEqual(got.get(name)!, w, `${what}: ${name}`);
    else expectClose(got.get(name)!, w, tol, `${what}: ${name}`);
  }
}

function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let d = 0;
  for (const [name, w] of a) w.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.get(name)![i]!))));
  return d;
}

const losses = (h: readonly EpochLog[]) => h.map((l) => l.loss);

export function describeTrainingLoop(s: Suite): void {
  const { caps, tol } = s;
  const hostTrace = Math.max(tol.trace, tol.host);
  const cannotTrain = !caps.training;

  describe('training loop (lr changes, schedules, stopping, epochs, validationSplit, freezing, paddingIdx, AdamW)', () => {
    it.skipIf(cannotTrain)('changing only lr between fit calls keeps Adam state: equals one run whose lr changes at that step, on the reference too; another change starts fresh', async () => {
      const data = classification(1200);
      const twoFits = async (m: Sequential) => {
        await m.fit(data, { ...ce, optimizer: adam({ lr: 1e-2 }) });
        return m.fit(data, { ...ce, optimizer: adam({ lr: 5e-3 }) });
      };
      const got = await trained(s.backend, lstmModel(), twoFits);
      const ref = await trained(s.reference, lstmModel(), twoFits);
      expect(got.steps, 'Adam step count after 3 + 3 steps (state kept)').toBe(6);
      expectSameWeights(got.weights, ref.weights, 'after fit(lr 1e-2) then fit(lr 5e-3), vs the reference', hostTrace);
      // The same lr change made by a schedule inside one fit: the same steps, state and weights.
      const scheduled = await trained(s.backend, lstmModel(), (m) => m.fit(data, { ...ce, optimizer: adam({ lr: 1e-2 }), epochs: 2, schedule: stepLR({ stepSize: 1, gamma: 0.5 }) }));
      expect(scheduled.result.map((l) => l.lr)).toEqual([1e-2, 5e-3]);
      expectSameWeights(scheduled.weights, got.weights, 'one fit with stepLR(1, 0.5) vs two fits with lr 1e-2 then 5e-3');
      // Any other hyper-parameter change is a new optimizer: fresh moments, the step count restarts.
      const fresh = await trained(s.backend, lstmModel(), async (m) => {
        await m.fit(data, { ...ce, optimizer: adam({ lr: 1e-2 }) });
        return m.fit(data, { ...ce, optimizer: adam({ lr: 5e-3, beta2: 0.99 }) });
      });
      expect(fresh.steps, 'step count after a beta2 change').toBe(3);
      expect(maxDifference(fresh.weights, got.weights), 'fresh state must give other weights than kept state').toBeGreaterThan(1e-5);
    });

    it.skipIf(cannotTrain)('schedules step once per epoch: each epoch logs the lr it used, which equals fitting epoch by epoch at that lr (SGD momentum kept)', async () => {
      const data = classification(1201);
      const opt = sgd({ lr: 0.1, momentum: 0.9 });
      const schedule = cosineLR({ tMax: 4, warmup: 1 });
      const expected = [0.05, 0.1, 0.1 * (1 + Math.cos(Math.PI / 3)) / 2, 0.1 * (1 + Math.cos((2 * Math.PI) / 3)) / 2];
      const run = (m: Sequential) => m.fit(data, { ...ce, optimizer: opt, epochs: 4, schedule });
      const got = await trained(s.backend, lstmModel(), run);
      got.result.forEach((l, e) => expect(l.lr, `epoch ${e} lr`).toBeCloseTo(expected[e]!, 15));
      const byHand = await trained(s.backend, lstmModel(), async (m) => {
        const h: EpochLog[] = [];
        for (const l of got.result) h.push(...(await m.fit(data, { ...ce, optimizer: sgd({ lr: l.lr, momentum: 0.9 }) })));
        return h;
      });
      expectSameWeights(got.weights, byHand.weights, 'cosineLR fit vs four fits at the logged lrs');
      expectEqual(losses(got.result), losses(byHand.result), 'epoch losses');
      const ref = await trained(s.reference, lstmModel(), run);
      expectSameWeights(got.weights, ref.weights, 'cosineLR fit vs the reference', hostTrace);
    });

    it.skipIf(cannotTrain)('reduceLROnPlateau follows its documented rule on the logged valLoss (patience 0, factor 0.5, threshold 1e-4)', async () => {
      const data = classification(1202);
      const got = await trained(s.backend, lstmModel(), (m) =>
        m.fit(data, { ...ce, optimizer: adam({ lr: 0.2 }), epochs: 6, validationSplit: 0.4, schedule: reduceLROnPlateau({ monitor: 'valLoss', factor: 0.5, patience: 0 }) }),
      );
      // The rule, written out again: a bad epoch (not below best·(1 − 1e-4)) halves the lr of the next one.
      let best = Infinity;
      let lr = 0.2;
      for (const l of got.result) {
        expect(l.lr, `epoch ${l.epoch} lr`).toBe(lr);
        if (l.valLoss! < best * (1 - 1e-4)) best = l.valLoss!;
        else lr *= 0.5;
      }
    });

    it.skipIf(cannotTrain)('a callback stops fit cleanly (ctx.stopTraining): after an epoch or a batch, returning the history so far', async () => {
      const data = classification(1203);
      let ended: readonly EpochLog[] | undefined;
      const afterEpoch = await trained(s.backend, lstmModel(), (m) =>
        m.fit(data, {
          ...ce,
          epochs: 5,
          callbacks: [{ onEpochEnd: (log, ctx) => void (ctx.stopTraining = log.epoch === 1) }, { onTrainEnd: (h) => void (ended = h) }],
        }),
      );
      expect(afterEpoch.result.map((l) => l.epoch)).toEqual([0, 1]);
      expect(ended, 'onTrainEnd gets the same history').toBe(afterEpoch.result);
      expect(afterEpoch.epoch, 'model.epoch after stopping').toBe(2);
      expect(afterEpoch.steps).toBe(6);
      const afterBatch = await trained(s.backend, lstmModel(), (m) => m.fit(data, { ...ce, epochs: 3, callbacks: { onBatchEnd: (_l, ctx) => void (ctx.stopTraining = true) } }));
      expect(afterBatch.result).toHaveLength(1);
      expect(afterBatch.steps, 'one batch trained').toBe(1);
      expect(afterBatch.epoch).toBe(1);
    });

    it.skipIf(cannotTrain)("earlyStopping stops after `patience` epochs without improvement; restoreBest sets the best epoch's weights", async () => {
      const data = classification(1204);
      // minDelta so large that only the first epoch counts as an improvement: it stops at epoch 2.
      const stop = earlyStopping({ monitor: 'loss', patience: 2, minDelta: 1e6, restoreBest: true });
      let afterFirst: Map<string, Float32Array> | undefined;
      const got = await trained(s.backend, lstmModel(), (m) =>
        m.fit(data, {
          ...ce,
          epochs: 10,
          callbacks: [
            stop,
            {
              onEpochEnd: async (l, ctx) => {
                if (l.epoch === 0) afterFirst = await ctx.model.getWeights();
              },
            },
          ],
        }),
      );
      expect(got.result.map((l) => l.epoch)).toEqual([0, 1, 2]);
      expect([stop.bestEpoch, stop.stoppedEpoch]).toEqual([0, 2]);
      expectSameWeights(got.weights, afterFirst!, 'weights restored from epoch 0');
      await expect(trained(s.backend, lstmModel(), (m) => m.fit(data, { ...ce, callbacks: earlyStopping({ monitor: 'valLoss' }) }))).rejects.toThrow(
        "fit: callbacks: monitor: 'valLoss' needs validationData or validationSplit",
      );
    });

    it.skipIf(cannotTrain)('epochs continue across fit calls: fit(epochs 1) twice equals fit(epochs 2) exactly (shuffle order, dropout, weights); initialEpoch as Keras', async () => {
      const data = classification(1205);
      const specs = (): LayerSpec[] => [layers.gru({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.3 }), layers.dense({ units: 3 })];
      const opts: FitOptions = { ...ce, optimizer: adam({ lr: 1e-2 }) };
      const once = await trained(s.backend, specs(), (m) => m.fit(data, { ...opts, epochs: 2 }));
      const twice = await trained(s.backend, specs(), async (m) => [...(await m.fit(data, opts)), ...(await m.fit(data, opts))]);
      expect(twice.result.map((l) => l.epoch)).toEqual([0, 1]);
      expect([once.epoch, twice.epoch]).toEqual([2, 2]);
      expectEqual(losses(twice.result), losses(once.result), 'epoch losses');
      expectSameWeights(twice.weights, once.weights, 'fit(epochs 1) twice vs fit(epochs 2)');
      // Keras's initial_epoch: `epochs` is then the epoch to stop before.
      const keras = await trained(s.backend, specs(), async (m) => [...(await m.fit(data, { ...opts, epochs: 1, initialEpoch: 0 })), ...(await m.fit(data, { ...opts, epochs: 2, initialEpoch: 1 }))]);
      expectSameWeights(keras.weights, once.weights, 'fit(initialEpoch 0, epochs 1), fit(initialEpoch 1, epochs 2) vs fit(epochs 2)');
      const ref = await trained(s.reference, specs(), (m) => m.fit(data, { ...opts, epochs: 2 }));
      expectSameWeights(once.weights, ref.weights, 'fit(epochs 2) vs the reference', hostTrace);
      await expect(trained(s.backend, specs(), (m) => m.fit(data, { ...opts, epochs: 1, initialEpoch: 3 }))).rejects.toThrow(
        'fit: epochs: with initialEpoch 3, epochs is the epoch to stop before (Keras) and must be > 3, got 1',
      );
    });

    it.skipIf(cannotTrain)('validationSplit holds out the last fraction, before shuffling: the same as validationData of the last samples', async () => {
      const data = classification(1206);
      const head = { x: { data: data.x.data.slice(0, 7 * T * 3), shape: [7, T, 3] }, y: { data: data.y.data.slice(0, 7), shape: [7] }, lengths: data.lengths!.slice(0, 7) };
      const tail = { x: { data: data.x.data.slice(7 * T * 3), shape: [3, T, 3] }, y: { data: data.y.data.slice(7), shape: [3] }, lengths: data.lengths!.slice(7) };
      const split = await trained(s.backend, lstmModel(), (m) => m.fit(data, { ...ce, epochs: 2, validationSplit: 0.3 }));
      const given = await trained(s.backend, lstmModel(), (m) => m.fit(head, { ...ce, epochs: 2, validationData: tail }));
      expectEqual(split.result.map((l) => l.valLoss!), given.result.map((l) => l.valLoss!), 'valLoss per epoch');
      expectEqual(split.result.map((l) => l.valAccuracy!), given.result.map((l) => l.valAccuracy!), 'valAccuracy per epoch');
      expectSameWeights(split.weights, given.weights, 'weights (only the first 7 samples train)');
      expect(split.steps, '7 training samples in batches of 4, two epochs').toBe(4);
      await expect(trained(s.backend, lstmModel(), (m) => m.fit(data, { ...ce, validationSplit: 0.3, validationData: tail }))).rejects.toThrow('fit: validationSplit: give validationData or validationSplit, not both');
      await expect(trained(s.backend, lstmModel(), (m) => m.fit(data, { ...ce, validationSplit: 1.5 }))).rejects.toThrow('validationSplit: expected a number in (0, 1), got 1.5');
    });

    describe('frozen layers', () => {
      const dir = suiteTempDir('rnnkit-training-loop-');

      it.skipIf(cannotTrain)('trainable: false: no update (not even AdamW decay), no optimizer slots; the rest trains as on the reference; checkpoints keep the flag', async () => {
        const b = s.backend;
        const start = b.liveTensors();
        // A frozen first layer (no backward at all) and a frozen layer between trainable ones
        // (its gradients are computed for dx, then dropped).
        const specs = (): LayerSpec[] => [
          layers.embedding({ inputDim: 6, outputDim: 3, trainable: false }),
          layers.lstm({ hiddenSize: 4, returnSequences: true }),
          layers.gru({ hiddenSize: 3, trainable: false }),
          layers.dense({ units: 2 }),
        ];
        const rng = new Rng(1207);
        const data: Dataset = { x: { data: Int32Array.from({ length: N * T }, () => rng.int(6)), shape: [N, T] }, y: { data: Int32Array.from({ length: N }, () => rng.int(2)), shape: [N] } };
        const opts: FitOptions = { ...ce, optimizer: adamw({ lr: 1e-2, weightDecay: 0.5 }), epochs: 2, clipNorm: 1 };
        const model = Sequential.create(b, specs(), { seed: 4 });
        const path = join(dir(), 'frozen.safetensors');
        try {
          const before = await model.getWeights();
          await model.fit(data, opts);
          const after = await model.getWeights();
          for (const [name, w] of before) {
            if (name.startsWith('0.') || name.startsWith('2.')) expectEqual(after.get(name)!, w, `frozen ${name}`);
            else expect(maxDifference(new Map([[name, after.get(name)!]]), new Map([[name, w]])), `${name} trains`).toBeGreaterThan(1e-4);
          }
          const state = (await model.optimizerState())!;
          expect([...state.slots.keys()].sort()).toEqual([...before.keys()].filter((k) => /^[13]\./.test(k)).sort());
          const ref = await trained(s.reference, specs(), (m) => m.fit(data, opts), 4);
          expectSameWeights(after, ref.weights, 'after training with frozen layers, vs the reference', hostTrace);
          await model.save(path);
          const loaded = Sequential.fromCheckpoint(b, await readCheckpoint(path));
          try {
            expect(loaded.specs.map((l) => l.trainable)).toEqual([false, undefined, false, undefined]);
            // The epoch count is not in checkpoints: initialEpoch resumes it (same shuffle order).
            await loaded.fit(data, { ...opts, initialEpoch: 2, epochs: 3 });
            await model.fit(data, { ...opts, epochs: 1 });
            // Checkpoints hold float32, so a float64 backend's loaded state is rounded: host tolerance.
            expectSameWeights(await loaded.getWeights(), await model.getWeights(), 'the loaded model trains on as the saved one (AdamW state restored, layers still frozen)', hostTrace);
            expectEqual((await loaded.getWeights()).get('0.weight')!, before.get('0.weight')!, 'frozen embedding after loading and training');
          } finally {
            loaded.dispose();
          }
        } finally {
          model.dispose();
        }
        const frozenOnly = Sequential.create(b, [layers.dense({ inputSize: 2, units: 1, trainable: false })], { seed: 1 });
        try {
          await expect(frozenOnly.trainStep({ x: { data: new Float32Array(4), shape: [2, 2] }, y: { data: new Float32Array(2), shape: [2, 1] } }, { loss: 'meanSquaredError' })).rejects.toThrow(
            'trainStep: every layer is frozen (trainable: false), so there is nothing to train',
          );
        } finally {
          frozenOnly.dispose();
        }
        expect(b.liveTensors(), 'live tensors after the models are disposed').toBe(start);
      });
    });

    it.skipIf(cannotTrain)('paddingIdx: the row starts at zero and stays zero through training (even with L2 weight decay); lengthsFromPadding gives post-padded lengths', async () => {
      const b = s.backend;
      const start = b.liveTensors();
      const specs = (): LayerSpec[] => [layers.embedding({ inputDim: 6, outputDim: 3, paddingIdx: 0 }), layers.lstm({ hiddenSize: 4 }), layers.dense({ units: 2 })];
      const ids = Int32Array.from([3, 1, 4, 0, 0, 5, 2, 0, 0, 0, 1, 1, 2, 3, 5, 4, 0, 0, 0, 0, 2, 5, 0, 1, 0]);
      const x = { data: ids, shape: [5, T] };
      const lengths = lengthsFromPadding(x, 0);
      expect(Array.from(lengths)).toEqual([3, 2, 5, 1, 4]);
      const y = { data: Int32Array.from([0, 1, 1, 0, 1]), shape: [5] };
      // Without lengths the padding ids go through the LSTM too, so the row gets a gradient it must not take.
      const opts: FitOptions = { loss: 'softmaxCrossEntropy', batchSize: 5, optimizer: adam({ lr: 0.05, weightDecay: 0.1 }), epochs: 3 };
      const run = async (m: Sequential) => {
        await m.fit({ x, y }, opts);
        return m.fit({ x, y, lengths }, opts);
      };
      const got = await trained(b, specs(), run);
      const row = (w: Map<string, Float32Array>) => Array.from(w.get('0.weight')!.subarray(0, 3), Math.abs);
      expect(row(got.weights), 'padding row after training').toEqual([0, 0, 0]);
      const untrained = Sequential.create(b, specs(), { seed: 3 });
      try {
        const w0 = await untrained.getWeights();
        expect(row(w0), 'padding row at initialisation').toEqual([0, 0, 0]);
        expect(maxDifference(got.weights, w0), 'the other rows train').toBeGreaterThan(1e-3);
        // The option is part of the saved layer spec, so a loaded model keeps the row frozen.
        const dir = await mkdtemp(join(tmpdir(), 'rnnkit-padding-idx-'));
        try {
          await untrained.save(join(dir, 'padded.safetensors'));
          const loaded = Sequential.fromCheckpoint(b, await readCheckpoint(join(dir, 'padded.safetensors')));
          try {
            expect(loaded.specs[0]).toMatchObject({ type: 'embedding', paddingIdx: 0 });
            await loaded.fit({ x, y }, opts);
            expect(row(await loaded.getWeights()), 'padding row after loading and training').toEqual([0, 0, 0]);
          } finally {
            loaded.dispose();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      } finally {
        untrained.dispose();
      }
      const ref = await trained(s.reference, specs(), run);
      expectSameWeights(got.weights, ref.weights, 'embedding with paddingIdx after training, vs the reference', hostTrace);
      expect(b.liveTensors(), 'live tensors after the models are disposed').toBe(start);
    });

    it.skipIf(cannotTrain)('AdamW: decoupled decay p ← p − lr·wd·p, then Adam without decay; two steps against hand-computed values', async () => {
      const lr = 0.05;
      const wd = 0.2;
      const [b1, b2, eps] = [0.9, 0.999, 1e-8];
      // float32 inputs, as the model sees them.
      const W = [0.5, -0.3, 0.2, 0.8].map(Math.fround);
      const B = [0.1, -0.2].map(Math.fround);
      const xs = [1, 2, -1, 0.5, 0.3, -2].map(Math.fround);
      const ys = [1, 0, -1, 2, 0.5, 0.5].map(Math.fround);
      // By hand, in float64: dense y = x·Wᵀ + b over 3 samples, MSE over 6 outputs.
      const p = [...W, ...B];
      const m = new Array<number>(6).fill(0);
      const v = new Array<number>(6).fill(0);
      for (let t = 1; t <= 2; t++) {
        const g = new Array<number>(6).fill(0);
        for (let n = 0; n < 3; n++) {
          for (let u = 0; u < 2; u++) {
            const out = p[u * 2]! * xs[n * 2]! + p[u * 2 + 1]! * xs[n * 2 + 1]! + p[4 + u]!;
            const d = (2 * (out - ys[n * 2 + u]!)) / 6;
            g[u * 2]! += d * xs[n * 2]!;
            g[u * 2 + 1]! += d * xs[n * 2 + 1]!;
            g[4 + u]! += d;
          }
        }
        for (let i = 0; i < 6; i++) {
          // Adam's steps are ≈ lr·g/|g|: a gradient within rounding of 0 could go either way.
          expect(Math.abs(g[i]!), `hand gradient ${i} at step ${t} is far from 0`).toBeGreaterThan(1e-3);
          p[i] = p[i]! * (1 - lr * wd);
          m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
          v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
          p[i] = p[i]! - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps);
        }
      }
      const model = Sequential.create(s.backend, [layers.dense({ inputSize: 2, units: 2 })], { seed: 1 });
      try {
        model.setWeights(new Map([['0.weight', Float32Array.from(W)], ['0.bias', Float32Array.from(B)]]));
        const batch = { x: { data: Float32Array.from(xs), shape: [3, 2] }, y: { data: Float32Array.from(ys), shape: [3, 2] } };
        for (let t = 0; t < 2; t++) await model.trainStep(batch, { loss: 'meanSquaredError', optimizer: adamw({ lr, weightDecay: wd }) });
        const w = await model.getWeights();
        expectClose(w.get('0.weight')!, p.slice(0, 4), tol.host, 'AdamW weight after two steps vs by hand');
        expectClose(w.get('0.bias')!, p.slice(4), tol.host, 'AdamW bias after two steps vs by hand');
      } finally {
        model.dispose();
      }
    });
  });
}
