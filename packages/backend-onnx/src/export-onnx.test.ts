// exportOnnx: the exported bytes load in a fresh public InferenceSession and give the same logits as the
// same layers run through this backend's kernels (classic cells; every cell against model.predict is in
// export-model.test.ts), and bad specs are rejected with the layer named.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Backend, CellKind, Tensor } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { createOnnxBackend, exportOnnx, type OnnxExportSpec, type OnnxExportWeights } from './index.js';
import { fusedKernel, recurrentParams } from './test-support.js';

let seed = 12345;
function rnd(n: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out[k] = (seed / 2147483648 - 0.5) * 2 * scale;
  }
  return out;
}

/** Random PyTorch-named weights for every layer of `spec`. */
function randomWeights(spec: OnnxExportSpec, inputSize: number): Record<string, { shape: number[]; data: Float32Array }> {
  const w: Record<string, { shape: number[]; data: Float32Array }> = {};
  let F = inputSize;
  spec.layers.forEach((layer, i) => {
    const p = `${layer.name ?? i}.`;
    if (layer.kind === 'embedding') {
      w[`${p}weight`] = { shape: [layer.vocabSize, layer.embeddingSize], data: rnd(layer.vocabSize * layer.embeddingSize, 1) };
      F = layer.embeddingSize;
    } else if (layer.kind === 'recurrent') {
      const GH = gateCount(layer.cell.kind as CellKind) * layer.hiddenSize;
      const D = layer.bidirectional ? 2 : 1;
      for (let l = 0; l < (layer.numLayers ?? 1); l++) {
        for (let d = 0; d < D; d++) {
          const sfx = `_l${l}${d ? '_reverse' : ''}`;
          const I = l === 0 ? F : D * layer.hiddenSize;
          w[`${p}weight_ih${sfx}`] = { shape: [GH, I], data: rnd(GH * I) };
          w[`${p}weight_hh${sfx}`] = { shape: [GH, layer.hiddenSize], data: rnd(GH * layer.hiddenSize) };
          w[`${p}bias_ih${sfx}`] = { shape: [GH], data: rnd(GH) };
          w[`${p}bias_hh${sfx}`] = { shape: [GH], data: rnd(GH) };
        }
      }
      F = D * layer.hiddenSize;
    } else {
      w[`${p}weight`] = { shape: [layer.units, F], data: rnd(layer.units * F) };
      w[`${p}bias`] = { shape: [layer.units], data: rnd(layer.units) };
      F = layer.units;
    }
  });
  return w;
}

/** The same model through the backend's kernels: embedding, recurrent (per layer direction), dense. */
async function runWithKernels(
  bk: Backend,
  spec: OnnxExportSpec,
  weights: OnnxExportWeights,
  input: { ids?: Int32Array; x?: Float32Array; B: number; T: number; I: number },
  lengths?: Int32Array,
): Promise<Float32Array> {
  const owned: Tensor[] = [];
  const own = <T extends Tensor>(t: T): T => (owned.push(t), t);
  const wt = (name: string): Tensor => own(bk.tensor(Float32Array.from(weights[name]!.data), weights[name]!.shape, 'float32'));
  const { B, T } = input;
  let v: Tensor = input.ids ? own(bk.tensor(input.ids, [B, T], 'int32')) : own(bk.tensor(input.x!, [B, T, input.I], 'float32'));
  let F = input.I;
  for (const [i, layer] of spec.layers.entries()) {
    const p = `${layer.name ?? i}.`;
    if (layer.kind === 'embedding') {
      v = own((await bk.embeddingForward(wt(`${p}weight`), v, false)).y);
      F = layer.embeddingSize;
    } else if (layer.kind === 'recurrent') {
      const D = layer.bidirectional ? 2 : 1;
      const H = layer.hiddenSize;
      const cell = layer.cell.kind === 'lstm' ? { kind: 'lstm', unitForgetBias: false } : layer.cell;
      let finals: Tensor[] = [];
      for (let l = 0; l < (layer.numLayers ?? 1); l++) {
        const ys: Tensor[] = [];
        finals = [];
        for (let d = 0; d < D; d++) {
          const sfx = `_l${l}${d ? '_reverse' : ''}`;
          const params = recurrentParams(wt(`${p}weight_ih${sfx}`), wt(`${p}weight_hh${sfx}`), wt(`${p}bias_ih${sfx}`), wt(`${p}bias_hh${sfx}`));
          const r = await fusedKernel(bk, cell).forward({ cell, sizes: { inputSize: F, hiddenSize: H }, params, x: v, lengths, reverse: d === 1, training: false });
          ys.push(own(r.y));
          finals.push(own(r.states[0]!));
          r.states.slice(1).forEach(own);
        }
        v = D === 2 ? own(await bk.concat(ys, 2)) : ys[0]!;
        F = D * H;
      }
      if (!(layer.returnSequences ?? false)) v = D === 2 ? own(await bk.concat(finals, 1)) : finals[0]!;
    } else {
      const lead = v.shape.slice(0, -1);
      const flat = own(await bk.reshape(v, [lead.reduce((a, b) => a * b, 1), F]));
      const y = own((await bk.denseForward(wt(`${p}weight`), wt(`${p}bias`), flat, false)).y);
      v = own(await bk.reshape(y, [...lead, layer.units]));
      F = layer.units;
    }
  }
  const out = (await bk.read(v)) as Float32Array;
  for (const t of owned) bk.dispose(t);
  return out;
}

let bk: Backend;
beforeAll(async () => {
  bk = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
});
afterAll(() => bk.close());

const lstm = { kind: 'lstm' } as const;
const cases: { name: string; spec: OnnxExportSpec; ids: boolean; I: number; lengths?: number[] }[] = [
  {
    name: 'embedding → 2-layer bidirectional LSTM (final states) → dense, int64 ids',
    spec: {
      layers: [
        { kind: 'embedding', vocabSize: 11, embeddingSize: 5 },
        { kind: 'recurrent', cell: lstm, inputSize: 5, hiddenSize: 6, numLayers: 2, bidirectional: true },
        { kind: 'dense', units: 3 },
      ],
    },
    ids: true,
    I: 0,
  },
  {
    name: 'embedding → GRU reset-before with lengths → dense, int32 ids',
    spec: {
      idsType: 'int32',
      lengths: true,
      layers: [
        { kind: 'embedding', name: 'embed', vocabSize: 9, embeddingSize: 4 },
        { kind: 'recurrent', name: 'rnn', cell: { kind: 'gru', resetAfter: false }, inputSize: 4, hiddenSize: 5, bidirectional: true },
        { kind: 'dense', name: 'head', units: 2 },
      ],
    },
    ids: true,
    I: 0,
    lengths: [4, 1, 3],
  },
  {
    name: 'x → ReLU RNN (sequences) → GRU (final state) → dense, with lengths',
    spec: {
      lengths: true,
      layers: [
        { kind: 'recurrent', cell: { kind: 'rnn', nonlinearity: 'relu' }, inputSize: 3, hiddenSize: 4, returnSequences: true },
        { kind: 'recurrent', cell: { kind: 'gru', resetAfter: true }, inputSize: 4, hiddenSize: 5 },
        { kind: 'dense', units: 2 },
      ],
    },
    ids: false,
    I: 3,
    lengths: [2, 4, 4],
  },
  {
    name: 'x → LSTM (sequences) → dense per step',
    spec: {
      layers: [
        { kind: 'recurrent', cell: lstm, inputSize: 3, hiddenSize: 4, returnSequences: true },
        { kind: 'dense', units: 2 },
      ],
    },
    ids: false,
    I: 3,
  },
];

describe('exportOnnx', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const [B, T] = [3, 4];
      const weights = randomWeights(c.spec, c.I);
      const bytes = await exportOnnx(c.spec, weights);
      const session = await InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const feeds: Record<string, OrtTensor> = {};
      const V = c.spec.layers[0]!.kind === 'embedding' ? c.spec.layers[0]!.vocabSize : 0;
      const ids = Int32Array.from({ length: B * T }, (_, k) => (k * 7 + 3) % Math.max(V, 1));
      const x = rnd(B * T * c.I, 1);
      if (c.ids) {
        feeds.ids = c.spec.idsType === 'int32' ? new OrtTensor('int32', ids, [B, T]) : new OrtTensor('int64', BigInt64Array.from(ids, BigInt), [B, T]);
      } else {
        feeds.x = new OrtTensor('float32', x, [B, T, c.I]);
      }
      const lengths = c.lengths ? Int32Array.from(c.lengths) : undefined;
      if (lengths) feeds.lengths = new OrtTensor('int32', lengths, [B]);
      const out = (await session.run(feeds)).logits!;
      const expected = await runWithKernels(bk, c.spec, weights, { ids: c.ids ? ids : undefined, x, B, T, I: c.I }, lengths);
      expect(out.data.length).toBe(expected.length);
      for (let k = 0; k < expected.length; k++) expect(out.data[k] as number).toBeCloseTo(expected[k]!, 5);
      await session.release();
    });
  }

  it('names the missing or mis-shaped weight', async () => {
    const spec: OnnxExportSpec = { layers: [{ kind: 'recurrent', cell: lstm, inputSize: 3, hiddenSize: 4 }] };
    const w = randomWeights(spec, 3);
    delete w['0.bias_hh_l0'];
    await expect(exportOnnx(spec, w)).rejects.toThrow("weights['0.bias_hh_l0'] is missing (expected shape [16])");
    w['0.bias_hh_l0'] = { shape: [15], data: rnd(15) };
    await expect(exportOnnx(spec, w)).rejects.toThrow("weights['0.bias_hh_l0'] must have shape [16], got [15]");
    w['0.bias_hh_l0'] = { shape: [16], data: rnd(16) };
    await expect(exportOnnx({ layers: [{ kind: 'recurrent', cell: lstm, inputSize: 3, hiddenSize: 4 }, { kind: 'recurrent', cell: lstm, inputSize: 5, hiddenSize: 4 }] }, w)).rejects.toThrow(
      /layers\[1\]: a recurrent layer needs a sequence/,
    );
  });

  it('checks each cell with its definition and the shapes between layers', async () => {
    const none = {};
    await expect(exportOnnx({ layers: [{ kind: 'recurrent', cell: { kind: 'gru', peephole: true }, inputSize: 3, hiddenSize: 4 }] }, none)).rejects.toThrow(
      /layers\[0\]\.cell: unknown option 'peephole'/,
    );
    await expect(exportOnnx({ layers: [{ kind: 'recurrent', cell: { kind: 'elman' }, inputSize: 3, hiddenSize: 4 }] }, none)).rejects.toThrow(/unknown kind 'elman'/);
    const conv = { kind: 'convLstm', kernelSize: 3 };
    await expect(
      exportOnnx({ layers: [{ kind: 'recurrent', cell: conv, inputSize: 2, hiddenSize: 3, returnSequences: true }, { kind: 'dense', units: 2 }] }, none),
    ).rejects.toThrow(/layers\[1\]: a dense layer reads feature vectors, but the previous layer outputs images/);
    await expect(
      exportOnnx(
        { layers: [{ kind: 'recurrent', cell: lstm, inputSize: 3, hiddenSize: 2, returnSequences: true }, { kind: 'recurrent', cell: conv, inputSize: 2, hiddenSize: 3 }] },
        randomWeights({ layers: [{ kind: 'recurrent', cell: lstm, inputSize: 3, hiddenSize: 2 }] }, 3),
      ),
    ).rejects.toThrow(/layers\[1\]: convLstm\(kernelSize 3\) needs frames \[B, T, C, height, width\], but the previous layer outputs a sequence/);
  });
});
