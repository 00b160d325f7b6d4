// exportModelOnnx on real core models built through this package's bound API: the exported graph in a fresh
// InferenceSession gives what model.predict gives.

import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { exportModelOnnx, layers, sequential } from './index.js';

const backendOptions = { executionProvider: 'cpu' as const, intraOpNumThreads: 1 };

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
