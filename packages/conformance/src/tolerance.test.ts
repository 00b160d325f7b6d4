import { describe, expect, it } from 'vitest';
import type { Precision } from '@rnnkit/core';
import { toleranceFor } from './tolerance.js';

describe('toleranceFor', () => {
  it('float64 is tight, float32 looser, and gradients and traces never tighter than forward values', () => {
    const d = toleranceFor('float64');
    const f = toleranceFor('float32');
    expect(d.forward).toBeLessThanOrEqual(1e-9);
    expect(f.forward).toBeGreaterThan(d.forward);
    for (const t of [d, f]) {
      expect(t.gradient).toBeGreaterThanOrEqual(t.forward);
      expect(t.trace).toBeGreaterThanOrEqual(t.forward);
      // Values crossing the Float32Array host boundary cannot be compared tighter than float32.
      expect(t.host).toBeGreaterThanOrEqual(1e-6);
    }
  });

  it('rejects an unknown precision, naming it', () => {
    expect(() => toleranceFor('float16' as Precision)).toThrow(/backend.precision: expected 'float32' or 'float64', got float16/);
  });
});
