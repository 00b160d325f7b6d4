// Core behaviour found while writing the suite that looks wrong; kept here (not in the shared
// suite, since it does not depend on the backend) until core is fixed.
import { describe, expect, it } from 'vitest';
import { layers, Sequential } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';

describe('core findings', () => {
  it('meanSquaredError on a sequence output ignores lengths: targets at padded steps change the loss', async () => {
    // sequenceCrossEntropy masks padded steps with `lengths`; meanSquaredError on a [B, T, F]
    // output does not (losses.ts computeLoss passes lengths only to sequenceCrossEntropy), so
    // padding counts in the mean and sends gradient into the dense layer's weights and bias.
    const b = await createJsBackend({ precision: 'float64' });
    const model = Sequential.create(b, [layers.lstm({ inputSize: 2, hiddenSize: 3, returnSequences: true }), layers.dense({ units: 1 })], { seed: 1 });
    try {
      const x = { data: new Float32Array(2 * 4 * 2).map((_, i) => Math.sin(i)), shape: [2, 4, 2] };
      const lengths = Int32Array.from([4, 2]);
      const zeros = { data: new Float32Array(8), shape: [2, 4, 1] };
      const paddedFive = { data: Float32Array.from([0, 0, 0, 0, 0, 0, 5, 5]), shape: [2, 4, 1] };
      const a = await model.evaluate({ x, y: zeros, lengths }, { loss: 'meanSquaredError' });
      const c = await model.evaluate({ x, y: paddedFive, lengths }, { loss: 'meanSquaredError' });
      expect(c.loss).toBeCloseTo(a.loss, 12);
    } finally {
      model.dispose();
      b.close();
    }
  });
});
