import { Sequential, layers, type Backend } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeMaxError, validateBackend } from './validate.js';

// A real batch is not needed to test the validator itself: a small seeded one is enough.
function batch() {
  const B = 8, T = 5, I = 3;
  const x = Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: B }, (_, i) => i % 4);
  return { x: { data: x, shape: [B, T, I] }, y: { data: y, shape: [B] } };
}
const specs = [layers.lstm({ inputSize: 3, hiddenSize: 6 }), layers.dense({ units: 4 })];
const build = (seed: number) => (b: Backend) => Sequential.create(b, specs, { seed });

/** backend-js with one deliberate bug: the dense weight gradient is off by `factor`. */
function withDenseGradientError(b: Backend, factor: number): Backend {
  return new Proxy(b, {
    get(target, prop, receiver) {
      if (prop === 'denseBackward') {
        return async (saved: Parameters<Backend['denseBackward']>[0], dy: Parameters<Backend['denseBackward']>[1]) => {
          const r = await target.denseBackward(saved, dy);
          await target.scaleInPlace(r.dw, factor);
          return r;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('validateBackend', () => {
  const opened: Backend[] = [];
  const open = async (precision: 'float32' | 'float64') => {
    const b = await createJsBackend({ precision });
    opened.push(b);
    return b;
  };
  afterAll(() => opened.forEach((b) => b.close()));

  it('passes backend-js float32 against its float64 reference, with errors far below the tolerance', async () => {
    const v = await validateBackend(await open('float32'), await open('float64'), build(3), 'softmaxCrossEntropy', batch());
    expect(v.passed).toBe(true);
    expect(v.tolerance).toBe(1e-3);
    expect(v.lossError).toBeLessThan(1e-6);
    expect(v.gradientError).toBeLessThan(1e-5);
    expect(v.batchSize).toBe(8);
  });

  it('fails a backend whose dense weight gradient is 1% off, and names that parameter', async () => {
    const bad = withDenseGradientError(await open('float32'), 1.01);
    const v = await validateBackend(bad, await open('float64'), build(3), 'softmaxCrossEntropy', batch());
    expect(v.passed).toBe(false);
    expect(v.lossError).toBeLessThan(1e-6);
    expect(v.gradientError).toBeCloseTo(0.01, 3);
    expect(v.worstParameter).toBe('1.weight');
  });
});

describe('relativeMaxError', () => {
  it('is max|a−b| / max|b|, Infinity for NaN or length mismatch', () => {
    expect(relativeMaxError([1, 2], [1, 2])).toBe(0);
    expect(relativeMaxError([1, 2.5], [1, 2])).toBeCloseTo(0.25);
    expect(relativeMaxError([NaN, 2], [1, 2])).toBe(Infinity);
    expect(relativeMaxError([1], [1, 2])).toBe(Infinity);
    expect(relativeMaxError([0, 0], [0, 0])).toBe(0);
  });
});

describe('validateBackend on a float64 backend', () => {
  it('passes backend-js float64 against itself within the float64 tolerance', async () => {
    const a = await createJsBackend({ precision: 'float64' });
    const b = await createJsBackend({ precision: 'float64' });
    try {
      const v = await validateBackend(a, b, build(5), 'softmaxCrossEntropy', batch());
      expect(v.tolerance).toBe(1e-6);
      expect(v.passed).toBe(true);
      expect(v.lossError).toBe(0);
    } finally {
      a.close();
      b.close();
    }
  });
});
