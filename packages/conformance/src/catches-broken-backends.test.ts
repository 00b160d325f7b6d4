// The suite has teeth: backends broken in small, realistic ways fail its checks. Each broken
// backend is the real float32 JS backend with one method altered.
import { describe, expect, it } from 'vitest';
import { checkedBackend, type Backend, type FusedRecurrentKernel } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';
import { checkGoldenCase, goldenCell, loadGoldenCases, type GoldenCase } from './golden.js';
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

/** `b` with the fused kernel of `kind` replaced by `kernel(real)`. */
function withFused(b: Backend, kind: string, kernel: (real: FusedRecurrentKernel) => FusedRecurrentKernel): Backend {
  return withOverrides(b, (r) => ({ fused: { ...r.fused, [kind]: kernel(r.fused[kind]!) } }));
}

const tol = toleranceFor('float32');
const cases = loadGoldenCases();
const golden = (name: string): GoldenCase => cases.find((c) => c.name === name)!;
const check = (b: Backend, name: string, fused = true) => checkGoldenCase(b, golden(name), goldenCell(golden(name))!, tol.forward, tol.gradient, true, fused);

describe('the suite catches broken backends', () => {
  it('the unbroken float32 backend passes the checks used below, on both paths', async () => {
    const b = checkedBackend(await createJsBackend({ precision: 'float32' }));
    for (const name of ['lstm', 'lstm_lengths', 'gru_2layer_bidirectional']) for (const fused of [true, false]) await check(b, name, fused);
  });

  it('a 1% error in one weight gradient (dWHh) of the fused kernel fails the golden gradients', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withFused(real, 'lstm', (k) => ({
      forward: (args) => k.forward(args),
      async backward(args) {
        const g = await k.backward(args);
        await real.scaleInPlace(g.grads.get('weight_hh')!, 1.01);
        return g;
      },
    }));
    await expect(check(b, 'lstm')).rejects.toThrow(/gradient weight_hh_l0/);
  });

  it('a 1% error in one primitive (the sigmoid derivative) fails the generic path', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withOverrides(real, (r) => ({
      async activationGrad(f, y, dy) {
        const g = await r.activationGrad(f, y, dy);
        if (f === 'sigmoid') await r.scaleInPlace(g, 1.01);
        return g;
      },
    }));
    await check(b, 'lstm', true);
    await expect(check(b, 'lstm', false)).rejects.toThrow(/gradient/);
  });

  it('ignoring sequence lengths fails the lengths golden case', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withFused(real, 'lstm', (k) => ({ forward: (args) => k.forward({ ...args, lengths: undefined }), backward: (args) => k.backward(args) }));
    await expect(check(b, 'lstm_lengths')).rejects.toThrow(/output/);
  });

  it('ignoring reverse fails the bidirectional golden case', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    const b = withFused(real, 'gru', (k) => ({ forward: (args) => k.forward({ ...args, reverse: false }), backward: (args) => k.backward(args) }));
    await expect(check(b, 'gru_2layer_bidirectional')).rejects.toThrow(/output/);
  });

  it('a backward pass that drops the input-weight gradient cannot learn the adding problem', async () => {
    const real = await createJsBackend({ precision: 'float32' });
    // dWIh = 0: the input weights never learn to read the marker.
    const b = withFused(real, 'lstm', (k) => ({
      forward: (args) => k.forward(args),
      async backward(args) {
        const g = await k.backward(args);
        await real.scaleInPlace(g.grads.get('weight_ih')!, 0);
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
