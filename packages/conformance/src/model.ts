// Model level, through core's Sequential on the backend under test: stacked and bidirectional
// models against the reference, state in/out, streaming, predict, checkpoints, lengths.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adam,
  layers,
  sgd,
  Rng,
  Sequential,
  SequenceStream,
  type Backend,
  type Dataset,
  type HostTensor,
  type LayerSpec,
  type LossName,
} from '@rnnkit/core';
import { readCheckpoint } from '@rnnkit/core/internal';
import { expectClose, expectEqual } from './compare.js';
import type { Suite } from './suite.js';
import { suiteTempDir } from './temp-dir.js';

function randomX(rng: Rng, shape: number[]): HostTensor<Float32Array> {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}

/** x[:, t0:t1] of a [B, T, F] host tensor. */
function sliceTime(x: HostTensor<Float32Array>, t0: number, t1: number): HostTensor<Float32Array> {
  const [B, T, F] = x.shape as [number, number, number];
  const out = new Float32Array(B * (t1 - t0) * F);
  for (let b = 0; b < B; b++) out.set(x.data.subarray((b * T + t0) * F, (b * T + t1) * F), b * (t1 - t0) * F);
  return { data: out, shape: [B, t1 - t0, F] };
}

/** Sample rows [b0, b1) of a host tensor. */
function sliceBatch<A extends Float32Array | Int32Array>(x: HostTensor<A>, b0: number, b1: number): HostTensor<A> {
  const row = x.shape.slice(1).reduce((a, c) => a * c, 1);
  return { data: x.data.slice(b0 * row, b1 * row) as A, shape: [b1 - b0, ...x.shape.slice(1)] };
}

interface ModelCase {
  readonly name: string;
  readonly specs: LayerSpec[];
  readonly loss: LossName;
  readonly data: (rng: Rng) => Dataset;
  readonly cells: ('rnn' | 'lstm' | 'gru' | 'ctrnn')[];
  readonly lengths: boolean;
  readonly gruResetBefore?: boolean;
  /** false: the backend under test runs every recurrent layer on core's generic path (the reference keeps its fused kernels). */
  readonly fused?: boolean;
}

const B = 4;
const T = 6;

const MODEL_CASES: ModelCase[] = [
  {
    name: 'LSTM 2 layers bidirectional → dense, softmaxCrossEntropy, lengths',
    specs: [layers.lstm({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true }), layers.dense({ units: 3 })],
    loss: 'softmaxCrossEntropy',
    data: (rng) => ({ x: randomX(rng, [B, T, 3]), y: { data: Int32Array.from([0, 2, 1, 2]), shape: [B] }, lengths: Int32Array.from([6, 3, 1, 5]) }),
    cells: ['lstm'],
    lengths: true,
  },
  {
    name: 'GRU bidirectional (sequences) → dense, meanSquaredError',
    specs: [layers.gru({ inputSize: 3, hiddenSize: 4, bidirectional: true, returnSequences: true }), layers.dense({ units: 2 })],
    loss: 'meanSquaredError',
    data: (rng) => ({ x: randomX(rng, [B, T, 3]), y: randomX(rng, [B, T, 2]) }),
    cells: ['gru'],
    lengths: false,
  },
  {
    name: 'embedding → RNN tanh 2 layers (sequences) → GRU reset-before → dense, sigmoidBinaryCrossEntropy',
    specs: [
      layers.embedding({ inputDim: 7, outputDim: 3 }),
      layers.rnn({ hiddenSize: 4, numLayers: 2, returnSequences: true }),
      layers.gru({ hiddenSize: 3, resetAfter: false }),
      layers.dense({ units: 1 }),
    ],
    loss: 'sigmoidBinaryCrossEntropy',
    data: (rng) => ({
      x: { data: Int32Array.from({ length: B * T }, () => rng.int(7)), shape: [B, T] },
      y: { data: Float32Array.from([1, 0, 0, 1]), shape: [B] },
    }),
    cells: ['rnn', 'gru'],
    lengths: false,
    gruResetBefore: true,
  },
  {
    name: 'embedding → LSTM (sequences) → dense, sequenceCrossEntropy, lengths',
    specs: [layers.embedding({ inputDim: 9, outputDim: 4 }), layers.lstm({ hiddenSize: 5, returnSequences: true }), layers.dense({ units: 9 })],
    loss: 'sequenceCrossEntropy',
    data: (rng) => ({
      x: { data: Int32Array.from({ length: B * T }, () => rng.int(9)), shape: [B, T] },
      y: { data: Int32Array.from({ length: B * T }, () => rng.int(9)), shape: [B, T] },
      lengths: Int32Array.from([2, 6, 4, 1]),
    }),
    cells: ['lstm'],
    lengths: true,
  },
  {
    name: 'CTRNN (α 0.25) 2 layers bidirectional → dense, softmaxCrossEntropy, lengths',
    specs: [layers.ctrnn({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, alpha: 0.25 }), layers.dense({ units: 3 })],
    loss: 'softmaxCrossEntropy',
    data: (rng) => ({ x: randomX(rng, [B, T, 3]), y: { data: Int32Array.from([2, 0, 1, 1]), shape: [B] }, lengths: Int32Array.from([3, 6, 2, 6]) }),
    cells: ['ctrnn'],
    lengths: true,
  },
  {
    name: 'generic path: embedding → LSTM bidirectional → GRU reset-before → dense, fused kernels off on the backend under test',
    specs: [
      layers.embedding({ inputDim: 7, outputDim: 3 }),
      layers.lstm({ hiddenSize: 4, bidirectional: true, returnSequences: true }),
      layers.gru({ hiddenSize: 3, resetAfter: false }),
      layers.dense({ units: 2 }),
    ],
    loss: 'softmaxCrossEntropy',
    data: (rng) => ({
      x: { data: Int32Array.from({ length: B * T }, () => rng.int(7)), shape: [B, T] },
      y: { data: Int32Array.from([1, 0, 0, 1]), shape: [B] },
      lengths: Int32Array.from([6, 2, 5, 3]),
    }),
    cells: ['lstm', 'gru'],
    lengths: true,
    fused: false,
  },
];

export function describeModel(s: Suite): void {
  const { caps, tol } = s;
  // Weights and predictions cross the Float32Array host boundary after training steps.
  const hostTrace = Math.max(tol.trace, tol.host);
  const has = (_c: 'rnn' | 'lstm' | 'gru' | 'ctrnn') => true;
  const unsupported = (m: ModelCase) =>
    m.cells.some((c) => !has(c));

  describe('model level (Sequential)', () => {
    for (const [mi, m] of MODEL_CASES.entries()) {
      it.skipIf(unsupported(m))(`${m.name}: predictions${caps.training ? ', one training step and the updated weights' : ''} match the reference`, async () => {
        const data = m.data(new Rng(800 + mi));
        const run = async (b: Backend) => {
          const model = Sequential.create(b, m.specs, { seed: 7, fused: b === s.reference ? true : (m.fused ?? true) });
          try {
            const before = await model.predict(data.x, { lengths: data.lengths });
            if (!caps.training) return { before };
            // SGD, not Adam: Adam's first step is ≈ lr·sign(g), so a weight whose gradient is
            // within rounding of 0 could legitimately move by ±lr on different backends.
            const loss = await model.trainStep(data, { loss: m.loss, optimizer: sgd({ lr: 0.1 }) });
            const after = await model.predict(data.x, { lengths: data.lengths });
            return { before, loss, after, weights: await model.getWeights() };
          } finally {
            model.dispose();
          }
        };
        const ref = await run(s.reference);
        const got = await run(s.backend);
        expectClose(got.before.data, ref.before.data, tol.host, `${m.name}: predictions`, ref.before.shape);
        if (!caps.training) return;
        expectClose([got.loss!], [ref.loss!], tol.host, `${m.name}: training loss`);
        for (const [name, w] of ref.weights!) expectClose(got.weights!.get(name)!, w, hostTrace, `${m.name}: weight ${name} after one SGD step`);
        expectClose(got.after!.data, ref.after!.data, hostTrace, `${m.name}: predictions after one step`, ref.after!.shape);
      });
    }

    for (const cell of ['lstm', 'gru', 'rnn'] as const) {
      const spec = cell === 'lstm' ? layers.lstm : cell === 'gru' ? layers.gru : layers.rnn;
      it.skipIf(!has(cell))(`${cell} 2 layers: forward with state in/out over two halves equals one forward over the whole sequence`, async () => {
        const model = Sequential.create(s.backend, [spec({ inputSize: 3, hiddenSize: 4, numLayers: 2, returnSequences: true }), layers.dense({ units: 2 })], { seed: 3 });
        try {
          const x = randomX(new Rng(900), [2, 6, 3]);
          const whole = await model.forward(x);
          const first = await model.forward(sliceTime(x, 0, 4));
          const st = first.states[0]!;
          const second = await model.forward(sliceTime(x, 4, 6), { initialStates: [{ h: st.h, ...(st.c ? { c: st.c } : {}) }, undefined] });
          expect(whole.states[0]!.h.shape).toEqual([2, 2, 4]);
          expectClose(first.output.data, sliceTime(whole.output, 0, 4).data, tol.host, 'first half output');
          expectClose(second.output.data, sliceTime(whole.output, 4, 6).data, tol.host, 'second half output (initial state = first half final state)');
          expectClose(second.states[0]!.h.data, whole.states[0]!.h.data, tol.host, 'final h');
          if (cell === 'lstm') expectClose(second.states[0]!.c!.data, whole.states[0]!.c!.data, tol.host, 'final c');
          // Zero initial states are the same as none.
          const zeros = { h: { data: new Float32Array(16), shape: [2, 2, 4] }, ...(cell === 'lstm' ? { c: { data: new Float32Array(16), shape: [2, 2, 4] } } : {}) };
          const z = await model.forward(x, { initialStates: [zeros, undefined] });
          expectEqual(z.output.data, whole.output.data, 'forward with zero initial states vs none');
        } finally {
          model.dispose();
        }
      });
    }

    it.skipIf(!has('lstm') || !has('gru'))('streaming: step outputs equal forward on each prefix, and a returnSequences model at each step', async () => {
      const vec = Sequential.create(s.backend, [layers.lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 }), layers.dense({ units: 2 })], { seed: 4 });
      const seq = Sequential.create(s.backend, [layers.gru({ inputSize: 3, hiddenSize: 4, returnSequences: true }), layers.dense({ units: 2 })], { seed: 5 });
      const sv = new SequenceStream(vec);
      const ss = new SequenceStream(seq);
      try {
        const x = randomX(new Rng(901), [2, 5, 3]);
        const whole = await seq.forward(x);
        for (let t = 0; t < 5; t++) {
          const xt = sliceTime(x, t, t + 1);
          const step = { data: xt.data, shape: [2, 3] };
          const a = await sv.step(step);
          expect(a.shape).toEqual([2, 2]);
          expectClose(a.data, (await vec.forward(sliceTime(x, 0, t + 1))).output.data, tol.host, `stream step ${t} vs forward on x[:, 0:${t + 1}]`);
          const b = await ss.step(step);
          expectClose(b.data, sliceTime(whole.output, t, t + 1).data, tol.host, `sequence stream step ${t} vs forward output at t=${t}`);
        }
        expect(sv.length).toBe(5);
        sv.reset();
        const again = await sv.step({ data: sliceTime(x, 0, 1).data, shape: [2, 3] });
        expectClose(again.data, (await vec.forward(sliceTime(x, 0, 1))).output.data, tol.host, 'stream after reset');
      } finally {
        sv.dispose();
        ss.dispose();
        vec.dispose();
        seq.dispose();
      }
    });

    it.skipIf(!has('lstm'))('a stream over a bidirectional model is rejected', () => {
      const model = Sequential.create(s.backend, [layers.lstm({ inputSize: 2, hiddenSize: 3, bidirectional: true }), layers.dense({ units: 1 })], { seed: 1 });
      try {
        expect(() => new SequenceStream(model)).toThrow(/bidirectional/);
      } finally {
        model.dispose();
      }
    });

    it.skipIf(!has('gru'))('predict equals forward (batched in several batches too)', async () => {
      const model = Sequential.create(s.backend, [layers.gru({ inputSize: 3, hiddenSize: 4 }), layers.dense({ units: 3 })], { seed: 6 });
      try {
        const x = randomX(new Rng(902), [5, 4, 3]);
        const f = await model.forward(x);
        const p = await model.predict(x);
        expect(p.shape).toEqual([5, 3]);
        expectEqual(p.data, f.output.data, 'predict vs forward');
        const small = await model.predict(x, { batchSize: 2 });
        expectClose(small.data, f.output.data, tol.host, 'predict with batchSize 2 vs forward');
      } finally {
        model.dispose();
      }
    });

    it('lengths at model level: padding is ignored; each sample equals itself run alone, truncated', async () => {
      const model = Sequential.create(s.backend, [layers.lstm({ inputSize: 3, hiddenSize: 4, bidirectional: true }), layers.dense({ units: 2 })], { seed: 8 });
      try {
        const rng = new Rng(903);
        const x = randomX(rng, [3, 5, 3]);
        const lengths = Int32Array.from([5, 2, 3]);
        const p = await model.predict(x, { lengths });
        const scrambled = { data: Float32Array.from(x.data), shape: x.shape };
        for (let b = 0; b < 3; b++) for (let t = lengths[b]!; t < 5; t++) for (let f = 0; f < 3; f++) scrambled.data[(b * 5 + t) * 3 + f] = rng.uniform(-5, 5);
        expectClose((await model.predict(scrambled, { lengths })).data, p.data, tol.host, 'predictions with scrambled padding');
        for (let b = 0; b < 3; b++) {
          const alone = sliceTime(sliceBatch(x, b, b + 1), 0, lengths[b]!);
          expectClose((await model.predict(alone)).data, p.data.subarray(b * 2, b * 2 + 2), tol.host, `sample ${b} alone, truncated to ${lengths[b]}`);
        }
      } finally {
        model.dispose();
      }
    });

    it('meanSquaredError on a sequence output with lengths: targets at padded steps change neither the loss nor a training step', async () => {
      const specs = [layers.lstm({ inputSize: 2, hiddenSize: 3, returnSequences: true }), layers.dense({ units: 1 })];
      const rng = new Rng(905);
      const x = randomX(rng, [2, 4, 2]);
      const lengths = Int32Array.from([4, 2]);
      const y = randomX(rng, [2, 4, 1]);
      const padded = { data: Float32Array.from(y.data), shape: y.shape };
      padded.data[6] = 5;
      padded.data[7] = -5;
      const run = async (target: HostTensor<Float32Array>) => {
        const model = Sequential.create(s.backend, specs, { seed: 1 });
        try {
          const loss = (await model.evaluate({ x, y: target, lengths }, { loss: 'meanSquaredError' })).loss;
          if (caps.training) await model.trainStep({ x, y: target, lengths }, { loss: 'meanSquaredError', optimizer: adam({ lr: 0.01 }) });
          return { loss, after: await model.predict(x, { lengths }) };
        } finally {
          model.dispose();
        }
      };
      const a = await run(y);
      const b = await run(padded);
      expectClose([b.loss], [a.loss], tol.host, 'loss with different targets at padded steps');
      expectClose(b.after.data, a.after.data, hostTrace, 'predictions after one training step with different targets at padded steps');
    });

    describe('checkpoints', () => {
      const dir = suiteTempDir('rnnkit-conformance-');
      const specs = () => [layers.lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 }), layers.dense({ units: 2 })];
      const data = (): Dataset => {
        const rng = new Rng(904);
        return { x: randomX(rng, [4, 5, 3]), y: { data: Int32Array.from([0, 1, 1, 0]), shape: [4] } };
      };

      it('Sequential.fromCheckpoint (what loadModel runs) uploads each weight once and draws nothing random', async () => {
        const ds = data();
        const a = Sequential.create(s.backend, specs(), { seed: 3 });
        try {
          const path = join(dir(), 'once.safetensors');
          await a.save(path, { includeOptimizer: false });
          const contents = await readCheckpoint(path);
          let uploads = 0;
          const counting = new Proxy(s.backend, {
            get(target, key) {
              const v = Reflect.get(target, key, target) as unknown;
              if (key === 'tensor') return (...args: Parameters<Backend['tensor']>) => (uploads++, target.tensor(...args));
              return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
            },
          });
          const b = Sequential.fromCheckpoint(counting, contents);
          try {
            expect(uploads, 'one upload per parameter').toBe(a.parameterShapes().size);
            expectClose((await b.predict(ds.x)).data, (await a.predict(ds.x)).data, tol.host, 'predictions of the loaded model');
          } finally {
            b.dispose();
          }
          // A checkpoint whose weight has the wrong shape is rejected before anything is uploaded.
          const live = s.backend.liveTensors();
          const [first, w] = [...contents.weights][0]!;
          const bad = { ...contents, weights: new Map([...contents.weights, [first, { data: w.data.subarray(1), shape: [w.data.length - 1] }]]) };
          expect(() => Sequential.fromCheckpoint(s.backend, bad)).toThrow(new RegExp(`${first.replace('.', '\\.')}.*expected shape`));
          expect(s.backend.liveTensors()).toBe(live);
        } finally {
          a.dispose();
        }
      });

      it.skipIf(!has('lstm'))('save then loadCheckpoint on a fresh model: same predictions (and, after training, same next step)', async () => {
        const ds = data();
        const a = Sequential.create(s.backend, specs(), { seed: 1 });
        const b = Sequential.create(s.backend, specs(), { seed: 2 });
        try {
          if (caps.training) for (let i = 0; i < 3; i++) await a.trainStep(ds, { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 0.01 }) });
          const path = join(dir(), 'model.safetensors');
          await a.save(path);
          const before = await b.predict(ds.x);
          b.loadCheckpoint(await readCheckpoint(path));
          const pa = await a.predict(ds.x);
          const pb = await b.predict(ds.x);
          // The seeds differ, so before loading the predictions must differ (the test can fail).
          expect(Array.from(before.data)).not.toEqual(Array.from(pa.data));
          expectClose(pb.data, pa.data, tol.host, 'predictions after loading the checkpoint');
          if (caps.training) {
            const la = await a.trainStep(ds, { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 0.01 }) });
            const lb = await b.trainStep(ds, { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 0.01 }) });
            expectClose([lb], [la], tol.host, 'loss of the next training step (optimizer state restored)');
            expectClose((await b.predict(ds.x)).data, (await a.predict(ds.x)).data, hostTrace, 'predictions after the next step');
          }
        } finally {
          a.dispose();
          b.dispose();
        }
      });

      it.skipIf(!has('lstm'))('a corrupted checkpoint (one flipped data byte) is rejected with a checksum error', async () => {
        const a = Sequential.create(s.backend, specs(), { seed: 1 });
        try {
          const path = join(dir(), 'flipped.safetensors');
          await a.save(path);
          const bytes = new Uint8Array(await readFile(path));
          bytes[bytes.length - 3]! ^= 0x10;
          await writeFile(path, bytes);
          await expect(readCheckpoint(path)).rejects.toThrow(/checksum/i);
        } finally {
          a.dispose();
        }
      });

      it.skipIf(!has('lstm'))('a truncated checkpoint is rejected, saying so', async () => {
        const a = Sequential.create(s.backend, specs(), { seed: 1 });
        try {
          const path = join(dir(), 'truncated.safetensors');
          await a.save(path);
          const bytes = await readFile(path);
          await writeFile(path, bytes.subarray(0, bytes.length - 17));
          await expect(readCheckpoint(path)).rejects.toThrow(/truncated|corrupt/i);
          await writeFile(path, bytes.subarray(0, 40));
          await expect(readCheckpoint(path)).rejects.toThrow(/truncated|exceeds the file size/i);
        } finally {
          a.dispose();
        }
      });

      it.skipIf(!has('lstm'))('a checkpoint of different layers is rejected, naming the difference', async () => {
        const a = Sequential.create(s.backend, specs(), { seed: 1 });
        const other = Sequential.create(s.backend, [layers.lstm({ inputSize: 3, hiddenSize: 5, numLayers: 2 }), layers.dense({ units: 2 })], { seed: 1 });
        try {
          const path = join(dir(), 'mismatch.safetensors');
          await a.save(path);
          const c = await readCheckpoint(path);
          expect(() => other.loadCheckpoint(c)).toThrow(/layers differ[\s\S]*"hiddenSize":4[\s\S]*"hiddenSize":5/);
        } finally {
          a.dispose();
          other.dispose();
        }
      });
    });
  });
}
