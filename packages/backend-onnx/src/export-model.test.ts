// exportModelOnnx on real core models built through this package's bound API: the exported graph in a fresh
// InferenceSession gives what model.predict gives, for every cell of core's catalogue (native operator or Scan),
// stacked and bidirectional, with and without lengths, at more than one batch size.

import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { cellCatalogue, exportModelOnnx, layers, Rng, sequential, type LayerSpec, type Sequential } from './index.js';

const backendOptions = { executionProvider: 'cpu' as const, intraOpNumThreads: 1 };
const TOLERANCE = 1e-5;

/** Every parameter redrawn from U(−0.5, 0.5): peephole weights and layer-norm shifts start at 0, which would hide them. */
async function randomiseWeights(model: Sequential, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const next = new Map<string, Float32Array>();
  for (const [name, w] of await model.getWeights()) next.set(name, Float32Array.from(w, () => rng.uniform(-0.5, 0.5)));
  model.setWeights(next);
}

function expectClose(actual: ArrayLike<unknown>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs((actual[k] as number) - expected[k]!));
  expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(TOLERANCE);
}

/** The exported graph's top-level nodes. */
function graphNodes(bytes: Uint8Array): onnxProto.onnx.INodeProto[] {
  return onnxProto.onnx.ModelProto.decode(bytes).graph?.node ?? [];
}

interface Run {
  readonly x: Float32Array;
  /** [B, T, ...step] */
  readonly shape: readonly number[];
  readonly lengths?: Int32Array;
}

/**
 * Exports `model`, runs the file in a fresh session on `run` and on its first sample alone (the batch is
 * dynamic), and compares both with model.predict. Returns the exported bytes.
 */
async function expectExportMatchesPredict(model: Sequential, run: Run): Promise<Uint8Array> {
  const bytes = await exportModelOnnx(model, run.lengths ? { lengths: true } : {});
  const session = await InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const [B] = run.shape as [number];
    const per = run.x.length / B;
    for (const b of [B, 1]) {
      const x = run.x.subarray(0, b * per);
      const lengths = run.lengths?.subarray(0, b);
      const shape = [b, ...run.shape.slice(1)];
      const expected = await model.predict({ data: x, shape }, lengths ? { lengths } : {});
      const feeds: Record<string, OrtTensor> = { x: new OrtTensor('float32', Float32Array.from(x), shape) };
      if (lengths) feeds.lengths = new OrtTensor('int32', Int32Array.from(lengths), [b]);
      const out = (await session.run(feeds)).logits!;
      expect(out.dims).toEqual(expected.shape);
      expectClose(out.data as Float32Array, expected.data, `batch ${b}`);
    }
  } finally {
    await session.release();
  }
  return bytes;
}

interface CellCase {
  readonly name: string;
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The native operator expected in the graph; absent: a Scan. */
  readonly native?: 'RNN' | 'LSTM' | 'GRU';
  /** Image cells read [C, height, width] steps. */
  readonly image?: boolean;
}

// Every configuration of core's catalogue, by kind and options (the test below fails when a kind is missing).
const CASES: readonly CellCase[] = [
  { name: 'rnn tanh', kind: 'rnn', options: { nonlinearity: 'tanh' }, native: 'RNN' },
  { name: 'rnn relu', kind: 'rnn', options: { nonlinearity: 'relu' }, native: 'RNN' },
  { name: 'lstm', kind: 'lstm', options: {}, native: 'LSTM' },
  { name: 'gru reset-after', kind: 'gru', options: { resetAfter: true }, native: 'GRU' },
  { name: 'gru reset-before', kind: 'gru', options: { resetAfter: false }, native: 'GRU' },
  { name: 'lstm peephole', kind: 'lstm', options: { peephole: true }, native: 'LSTM' },
  { name: 'lstm projSize', kind: 'lstm', options: { projSize: 2 } },
  { name: 'lstm layerNorm', kind: 'lstm', options: { layerNorm: true } },
  { name: 'ctrnn tanh', kind: 'ctrnn', options: { alpha: 0.5 } },
  { name: 'ctrnn relu', kind: 'ctrnn', options: { alpha: 0.3, nonlinearity: 'relu' } },
  { name: 'jordan', kind: 'jordan', options: { outputSize: 3 } },
  { name: 'minGru', kind: 'minGru', options: {} },
  { name: 'minLstm', kind: 'minLstm', options: {} },
  { name: 'convLstm 3×3', kind: 'convLstm', options: { kernelSize: 3 }, image: true },
  { name: 'convLstm 1×1', kind: 'convLstm', options: { kernelSize: 1 }, image: true },
];

/** The case's layer; for image cells `inputSize` and `hiddenSize` are channels (layers.convLstm's inChannels, hiddenChannels). */
function recurrent(c: CellCase, o: { inputSize?: number; numLayers?: number; bidirectional?: boolean; returnSequences: boolean }): LayerSpec {
  return {
    type: 'recurrent',
    cell: c.kind,
    inputSize: o.inputSize,
    hiddenSize: c.image ? 3 : 4,
    numLayers: o.numLayers ?? 1,
    bidirectional: o.bidirectional ?? false,
    returnSequences: o.returnSequences,
    dropout: 0,
    options: c.options,
  };
}

function wave(n: number, phase: number): Float32Array {
  return Float32Array.from({ length: n }, (_, k) => Math.sin(0.7 * k + phase));
}

const [B, T, I] = [3, 5, 3];
/** Image cases: frames of I channels, FRAME height × width. */
const FRAME = [4, 5] as const;

/** The case's input shape and, for vector cells, a dense head (dense layers read no frames). */
function io(c: CellCase): { shape: number[]; head: LayerSpec[] } {
  return c.image ? { shape: [B, T, I, ...FRAME], head: [] } : { shape: [B, T, I], head: [layers.dense({ units: 2 })] };
}
const size = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);

describe('exportModelOnnx: every cell', () => {
  it('has a case for every kind in core’s catalogue', () => {
    const covered = new Set(CASES.map((c) => c.kind));
    expect(Object.keys(cellCatalogue).filter((k) => !covered.has(k))).toEqual([]);
  });

  for (const c of CASES) {
    describe(c.name, () => {
      const { shape, head } = io(c);

      it('sequences → dense', async () => {
        const model = await sequential([recurrent(c, { inputSize: I, returnSequences: true }), ...head], { seed: 5, backendOptions });
        try {
          await randomiseWeights(model, 11);
          const bytes = await expectExportMatchesPredict(model, { x: wave(size(shape), 0), shape });
          if (c.image) {
            // Height and width are dynamic too: the same model at another frame size.
            const other = [B, T, I, 3, 6];
            await expectExportMatchesPredict(model, { x: wave(size(other), 0.5), shape: other });
          }
          const ops = graphNodes(bytes).map((n) => n.opType);
          if (c.native) {
            expect(ops).toContain(c.native);
            expect(ops).not.toContain('Scan');
          } else {
            expect(ops).toContain('Scan');
            expect(ops.filter((op) => op === 'RNN' || op === 'LSTM' || op === 'GRU')).toEqual([]);
          }
        } finally {
          model.dispose();
        }
      });

      it('2 layers, bidirectional, final outputs, with lengths', async () => {
        const model = await sequential([recurrent(c, { inputSize: I, numLayers: 2, bidirectional: true, returnSequences: false }), ...head], {
          seed: 6,
          backendOptions,
        });
        try {
          await randomiseWeights(model, 12);
          await expectExportMatchesPredict(model, { x: wave(size(shape), 1), shape, lengths: Int32Array.of(5, 2, 4) });
        } finally {
          model.dispose();
        }
      });

      it('bidirectional sequences with lengths → stacked layer', async () => {
        const model = await sequential(
          [recurrent(c, { inputSize: I, bidirectional: true, returnSequences: true }), recurrent(c, { returnSequences: true }), ...head],
          { seed: 7, backendOptions },
        );
        try {
          await randomiseWeights(model, 13);
          await expectExportMatchesPredict(model, { x: wave(size(shape), 2), shape, lengths: Int32Array.of(3, 5, 1) });
        } finally {
          model.dispose();
        }
      });
    });
  }

  it('peephole LSTM: the native LSTM node with its P input, blocks i, o, f', async () => {
    const H = 4;
    // The generic path (core's own step) as the reference: this backend's predict runs ONNX's LSTM itself.
    const model = await sequential([layers.lstm({ inputSize: I, hiddenSize: H, peephole: true, bidirectional: true }), layers.dense({ units: 2 })], {
      seed: 8,
      backendOptions,
      fused: false,
    });
    try {
      await randomiseWeights(model, 14);
      const bytes = await expectExportMatchesPredict(model, { x: wave(B * T * I, 3), shape: [B, T, I], lengths: Int32Array.of(4, 5, 2) });
      const graph = onnxProto.onnx.ModelProto.decode(bytes).graph!;
      const lstms = (graph.node ?? []).filter((n) => n.opType === 'LSTM');
      expect(lstms).toHaveLength(2);
      const weights = await model.getWeights();
      for (const [d, node] of lstms.entries()) {
        const p = node.input?.[7];
        expect(p, 'LSTM input 7 (P)').toBeTruthy();
        const init = graph.initializer!.find((t) => t.name === p)!;
        expect(init.dims?.map(Number)).toEqual([1, 3 * H]);
        const stored = new Float32Array(Uint8Array.from(init.rawData!).buffer);
        const ours = weights.get(`0.weight_peephole_l0${d === 1 ? '_reverse' : ''}`)!; // blocks i, f, o
        expect(Array.from(stored)).toEqual([...ours.subarray(0, H), ...ours.subarray(2 * H, 3 * H), ...ours.subarray(H, 2 * H)]);
      }
    } finally {
      model.dispose();
    }
  });

  it('embedding → CTRNN (Scan, batch read from ids) → dense', async () => {
    const model = await sequential([layers.embedding({ inputDim: 9, outputDim: 3 }), layers.ctrnn({ hiddenSize: 4, alpha: 0.4 }), layers.dense({ units: 2 })], {
      seed: 9,
      backendOptions,
    });
    try {
      await randomiseWeights(model, 15);
      const ids = Int32Array.from({ length: B * T }, (_, k) => (k * 4 + 1) % 9);
      const lengths = Int32Array.of(2, 5, 3);
      const expected = await model.predict({ data: ids, shape: [B, T] }, { lengths });
      const session = await InferenceSession.create(await exportModelOnnx(model, { lengths: true, idsType: 'int32' }), { executionProviders: ['cpu'] });
      const out = (await session.run({ ids: new OrtTensor('int32', ids, [B, T]), lengths: new OrtTensor('int32', lengths, [B]) })).logits!;
      expect(out.dims).toEqual(expected.shape);
      expectClose(out.data as Float32Array, expected.data, 'logits');
      await session.release();
    } finally {
      model.dispose();
    }
  });
});

describe('exportModelOnnx', () => {
  it('embedding → bidirectional GRU (final states) → dense, int64 ids', async () => {
    const model = await sequential(
      [layers.embedding({ inputDim: 12, outputDim: 5 }), layers.gru({ hiddenSize: 4, bidirectional: true }), layers.dense({ units: 3 })],
      { seed: 3, backendOptions },
    );
    try {
      const [B, T] = [4, 6];
      const ids = Int32Array.from({ length: B * T }, (_, k) => (k * 5 + 1) % 12);
      const expected = await model.predict({ data: ids, shape: [B, T] });
      const session = await InferenceSession.create(await exportModelOnnx(model), { executionProviders: ['cpu'] });
      const out = (await session.run({ ids: new OrtTensor('int64', BigInt64Array.from(ids, BigInt), [B, T]) })).logits!;
      expect(out.dims).toEqual(expected.shape);
      Array.from(expected.data).forEach((v, k) => expect(out.data[k] as number).toBeCloseTo(v, 5));
      await session.release();
    } finally {
      model.dispose();
    }
  });

  it('2-layer LSTM (sequences) → dense with lengths', async () => {
    const model = await sequential(
      [layers.lstm({ inputSize: 3, hiddenSize: 5, numLayers: 2, returnSequences: true }), layers.dense({ units: 2 })],
      { seed: 4, backendOptions },
    );
    try {
      const [B, T, I] = [3, 5, 3];
/** Image cases: frames of I channels, FRAME height × width. */
const FRAME = [4, 5] as const;

/** The case's input shape and, for vector cells, a dense head (dense layers read no frames). */
function io(c: CellCase): { shape: number[]; head: LayerSpec[] } {
  return c.image ? { shape: [B, T, I, ...FRAME], head: [] } : { shape: [B, T, I], head: [layers.dense({ units: 2 })] };
}
const size = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
      const x = Float32Array.from({ length: B * T * I }, (_, k) => Math.sin(k));
      const lengths = Int32Array.of(5, 2, 4);
      const expected = await model.predict({ data: x, shape: [B, T, I] }, { lengths });
      const session = await InferenceSession.create(await exportModelOnnx(model, { lengths: true }), { executionProviders: ['cpu'] });
      const out = (await session.run({ x: new OrtTensor('float32', x, [B, T, I]), lengths: new OrtTensor('int32', lengths, [B]) })).logits!;
      expect(out.dims).toEqual(expected.shape);
      Array.from(expected.data).forEach((v, k) => expect(out.data[k] as number).toBeCloseTo(v, 5));
      await session.release();
    } finally {
      model.dispose();
    }
  });
});
