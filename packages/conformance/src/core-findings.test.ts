// Core behaviour found while writing the suite that looks wrong; kept here (not in the shared
// suite, since it does not depend on the backend) until core is fixed.
import { describe, expect, it } from 'vitest';
import { layers, Sequential, type Backend } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';

describe('core findings', () => {
  it('the dense layer passes [B, T, F] to backend.denseForward, whose contract says x: [N, I]', async () => {
    // backend.ts documents denseForward(w, b, x: [N, I]); layers/dense.ts passes a sequence
    // output [B, T, F] unchanged when the previous layer has returnSequences. A backend that
    // follows the contract literally (gpujs does) fails every sequence-output model. Core should
    // reshape to [B·T, F] and back (or the contract should say [..., I]).
    const real = await createJsBackend({ precision: 'float32' });
    const strict = new Proxy(real, {
      get(target, key) {
        if (key === 'denseForward') {
          return (w: Parameters<Backend['denseForward']>[0], bias: Parameters<Backend['denseForward']>[1], x: Parameters<Backend['denseForward']>[2], training: boolean) => {
            if (x.shape.length !== 2) throw new Error(`denseForward: x: expected [N, I], got [${x.shape.join(', ')}]`);
            return target.denseForward(w, bias, x, training);
          };
        }
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const model = Sequential.create(strict, [layers.gru({ inputSize: 2, hiddenSize: 3, returnSequences: true }), layers.dense({ units: 2 })], { seed: 1 });
    try {
      const x = { data: new Float32Array(2 * 4 * 2).fill(0.5), shape: [2, 4, 2] };
      await expect(model.predict(x)).resolves.toMatchObject({ shape: [2, 4, 2] });
    } finally {
      model.dispose();
      real.close();
    }
  });
});
