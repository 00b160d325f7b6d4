// Same seed, same data, same optimizer → the same loss curve on every backend (within the
// trace tolerance of the reference's), and bit-identical curves for two runs on one backend.
// Dropout masks come from core's seeded Rng, so they match across backends too.
import { describe, expect, it } from 'vitest';
import { adam, layers, Rng, Sequential, type Backend, type Dataset, type LayerSpec } from '@rnnkit/core';
import { expectClose, expectEqual } from './compare.js';
import type { Suite } from './suite.js';

const STEPS = 20;

function batches(seed: number): Dataset[] {
  const rng = new Rng(seed);
  return Array.from({ length: STEPS }, () => {
    const x = new Float32Array(8 * 6 * 3);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
    const y = Int32Array.from({ length: 8 }, () => rng.int(3));
    return { x: { data: x, shape: [8, 6, 3] }, y: { data: y, shape: [8] } };
  });
}

async function lossTrace(b: Backend, specs: LayerSpec[], data: Dataset[]): Promise<{ losses: number[]; weights: Map<string, Float32Array> }> {
  const model = Sequential.create(b, specs, { seed: 42 });
  try {
    const losses: number[] = [];
    for (const batch of data) losses.push(await model.trainStep(batch, { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 0.02 }) }));
    return { losses, weights: await model.getWeights() };
  } finally {
    model.dispose();
  }
}

export function describeLossTraces(s: Suite): void {
  const cases: { name: string; cell: 'lstm' | 'gru'; specs: () => LayerSpec[] }[] = [
    { name: 'LSTM(8) → dense(3)', cell: 'lstm', specs: () => [layers.lstm({ inputSize: 3, hiddenSize: 8 }), layers.dense({ units: 3 })] },
    {
      name: 'GRU(8) 2 layers with dropout 0.25 → dense(3)',
      cell: 'gru',
      specs: () => [layers.gru({ inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0.25 }), layers.dense({ units: 3 })],
    },
  ];
  describe('identical loss traces', () => {
    for (const [i, c] of cases.entries()) {
      it.skipIf(!s.caps.training)(`${c.name}: ${STEPS} Adam steps match the reference's trace; two runs are bit-identical`, async () => {
        const data = batches(1000 + i);
        const ref = await lossTrace(s.reference, c.specs(), data);
        const a = await lossTrace(s.backend, c.specs(), data);
        const b = await lossTrace(s.backend, c.specs(), data);
        // The trace must move, or agreeing on it proves nothing.
        expect(ref.losses[STEPS - 1]!).toBeLessThan(ref.losses[0]! - 0.01);
        expectClose(a.losses, ref.losses, s.tol.trace, `${c.name}: loss trace vs reference`);
        expectEqual(b.losses, a.losses, `${c.name}: loss trace of a second run on the same backend`);
        for (const [name, w] of a.weights) expectEqual(b.weights.get(name)!, w, `${c.name}: weight ${name} after a second run`);
      });
    }
  });
}
