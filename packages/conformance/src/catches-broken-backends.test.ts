// The suite has teeth: backends broken in small, realistic ways fail its checks. Each broken
// backend is the real float32 JS backend with one method altered.
import { describe, expect, it } from 'vitest';
import type { Backend } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';
import { checkGoldenCase, loadGoldenCases, type GoldenCase } from './golden.js';
import { addingModel, trainAdding } from './learns.js';
import { modelLeakCounts } from './leaks.js';
import { toleranceFor } from './tolerance.js';

/** `b` with some methods replaced (the rest bound to the real backend). */
function withOverrides(b: Backend, overrides: (real: Backend) => Partial<Backend>): Backend {
  const o = overrides(b) as Record<PropertyKey, unknown>;
  return new Proxy(b, {
    get(target, key) {
      if (key in o) return o[key];
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const tol = toleranceFor('float32');
const cases = loadGoldenCases();
const golden = (name: string): GoldenCase => cases.find((c) => c.name === name)!;

describe('the suite catches broken backends', () => {
  it('the unbroken float32 backend passes the checks used below', async () => {
    const b = await createJsBackend({ precision: 'float32' });
    for (const name of ['lstm', 'lstm_lengths', 'gru_2layer_bidirectional']) await checkGoldenCase(b, golden(name), tol.forward, tol.gradient, true);
  });

  it('a 1% error in one weight gradient (dWHh) fails the golden gradients', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withOverrides(real, (r) => ({
      recurrentBackward(args) {
        const g = r.recurrentBackward(args);
        r.scaleInPlace(g.dWHh, 1.01);
        return g;
      },
    }));
    await expect(checkGoldenCase(b, golden('lstm'), tol.forward, tol.gradient, true)).rejects.toThrow(/gradient weight_hh_l0/);
  });

  it('ignoring sequence lengths fails the lengths golden case', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withOverrides(real, (r) => ({ recurrentForward: (args) => r.recurrentForward({ ...args, lengths: undefined }) }));
    await expect(checkGoldenCase(b, golden('lstm_lengths'), tol.forward, tol.gradient, true)).rejects.toThrow(/output/);
  });

  it('ignoring reverse fails the bidirectional golden case', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withOverrides(real, (r) => ({ recurrentForward: (args) => r.recurrentForward({ ...args, reverse: false }) }));
    await expect(checkGoldenCase(b, golden('gru_2layer_bidirectional'), tol.forward, tol.gradient, true)).rejects.toThrow(/output/);
  });

  it('a backward pass that drops the input-weight gradient cannot learn the adding problem', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    // dWIh = 0: the input weights never learn to read the marker.
    const b = withOverrides(real, (r) => ({
      recurrentBackward(args) {
        const g = r.recurrentBackward(args);
        r.scaleInPlace(g.dWIh, 0);
        return g;
      },
    }));
    const model = addingModel(b);
    try {
      const result = await trainAdding(model);
      expect(result.mse).toBeGreaterThan(0.02);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('a backend whose disposeSaved keeps the tensors fails the leak check', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withOverrides(real, () => ({ disposeSaved: () => undefined }));
    const c = await modelLeakCounts(b, b.capabilities, 20);
    expect(c.afterUse).toBeGreaterThan(c.settled);
    const ok = await modelLeakCounts(real, real.capabilities, 20);
    expect(ok.afterUse).toBe(ok.settled);
    expect(ok.end).toBe(ok.start);
  });
});
