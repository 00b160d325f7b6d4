import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(sa);
  });

  it('draws uniform values in [0, 1) with the right mean and variance', () => {
    const r = new Rng(1);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      if (!(v >= 0 && v < 1)) outside++;
      sum += v;
      sq += v * v;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('draws standard normals', () => {
    const r = new Rng(7);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      sum += v;
      sq += v * v;
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(sq / n).toBeCloseTo(1, 1);
  });

  it('makes permutations of 0..n-1', () => {
    const p = new Rng(3).permutation(1000);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p.subarray(0, 20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/seed: expected a finite number, got NaN/);
  });
});
