import { Rng } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { taskConfig } from './config.js';
import { kerasInitialWeights, orthogonalColumns } from './keras-init.js';

describe('Keras-style initial weights', () => {
  it('orthogonalColumns gives orthonormal columns', () => {
    const rows = 12, cols = 4;
    const q = orthogonalColumns(new Rng(1), rows, cols);
    for (let a = 0; a < cols; a++) {
      for (let b = 0; b < cols; b++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i * cols + a]! * q[i * cols + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
    expect(() => orthogonalColumns(new Rng(1), 2, 3)).toThrow('orthogonalColumns: expected rows >= cols, got 2 × 3');
  });

  it('MNIST: glorot bounds, orthogonal weight_hh, zero biases but the forget slice of bias_ih at 1; seeded', () => {
    const m = taskConfig('mnist', 'full').model;
    const w = kerasInitialWeights(m, 42);
    expect([...w.keys()]).toEqual(['0.weight_ih_l0', '0.weight_hh_l0', '0.bias_ih_l0', '0.bias_hh_l0', '1.weight', '1.bias']);
    const limit = Math.sqrt(6 / (28 + 512));
    const wih = w.get('0.weight_ih_l0')!;
    expect(wih.length).toBe(512 * 28);
    expect(Math.max(...wih.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...wih.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    const whh = w.get('0.weight_hh_l0')!;
    let col0 = 0;
    for (let i = 0; i < 512; i++) col0 += whh[i * 128]! ** 2;
    expect(col0).toBeCloseTo(1, 5);
    const b = w.get('0.bias_ih_l0')!;
    expect([b[0], b[127], b[128], b[255], b[256], b[511]]).toEqual([0, 0, 1, 1, 0, 0]);
    expect(w.get('0.bias_hh_l0')!.every((v) => v === 0)).toBe(true);
    expect(kerasInitialWeights(m, 42).get('1.weight')).toEqual(w.get('1.weight'));
    expect(kerasInitialWeights(m, 43).get('1.weight')).not.toEqual(w.get('1.weight'));
  });

  it('IMDB: embedding U(±0.05) first', () => {
    const w = kerasInitialWeights(taskConfig('imdb', 'full').model, 1);
    expect([...w.keys()][0]).toBe('0.weight');
    const e = w.get('0.weight')!;
    expect(e.length).toBe(640_000);
    expect(Math.max(...e.subarray(0, 10000).map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(w.get('2.weight')!.length).toBe(64);
  });
});
