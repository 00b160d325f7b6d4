import { describe, expect, it } from 'vitest';
import { compareArrays, expectClose, expectEqual } from './compare.js';

describe('compareArrays', () => {
  it('accepts values within tol·max(1, |reference|): absolute below 1, relative above', () => {
    expect(compareArrays([0.5 + 9e-5], [0.5], 1e-4).ok).toBe(true);
    expect(compareArrays([0.5 + 2e-4], [0.5], 1e-4).ok).toBe(false);
    expect(compareArrays([1000.05], [1000], 1e-4).ok).toBe(true);
    expect(compareArrays([1000.2], [1000], 1e-4).ok).toBe(false);
  });

  it('reports the first failing index (also as a multi-index), both values and the max error', () => {
    const c = compareArrays([0, 1, 2.5, 3, 9], [0, 1, 2, 3, 4], 1e-3, 'dx', [5]);
    expect(c.ok).toBe(false);
    expect(c.failures).toBe(2);
    expect(c.firstIndex).toBe(2);
    expect(c.maxError).toBe(5);
    expect(c.maxErrorIndex).toBe(4);
    expect(c.message).toMatch(/^dx: 2 of 5 values differ/);
    expect(c.message).toMatch(/first at index 2: got 2.5, reference 2 \(\|diff\| 0.5\)/);
    expect(c.message).toMatch(/max \|diff\| 5 at index 4 \(got 9, reference 4\)/);
    const m = compareArrays([0, 0, 0, 0, 0, 7], [0, 0, 0, 0, 0, 0], 1e-3, 'y', [2, 3]);
    expect(m.message).toMatch(/first at index 5 \[1, 2\]/);
  });

  it('fails on NaN, on a length mismatch, and matches equal infinities', () => {
    expect(compareArrays([NaN], [1], 1).ok).toBe(false);
    expect(compareArrays([1], [NaN], 1).ok).toBe(false);
    expect(compareArrays([Infinity], [Infinity], 0).ok).toBe(true);
    expect(compareArrays([Infinity], [-Infinity], 1).ok).toBe(false);
    const c = compareArrays([1, 2], [1, 2, 3], 1, 'h', [3]);
    expect(c.ok).toBe(false);
    expect(c.message).toBe('h: expected 3 values (shape [3]), got 2');
  });

  it('expectClose throws the message; expectEqual demands exact equality (0 and -0 are equal)', () => {
    expect(() => expectClose([1.1], [1], 1e-3, 'loss')).toThrow(/loss: 1 of 1 values differ/);
    expect(() => expectClose([1.0000001], [1], 1e-3, 'loss')).not.toThrow();
    expect(() => expectEqual([1.0000001], [1], 'trace')).toThrow(/trace: 1 of 1/);
    expect(() => expectEqual([-0], [0], 'zero')).not.toThrow();
  });
});

describe('compareArrays with NaN', () => {
  it('counts every failure after a NaN and reports the NaN as the max error', () => {
    const c = compareArrays([NaN, 5, 1], [1, 1, 1], 1e-3);
    expect(c.failures).toBe(2);
    expect(c.maxError).toBeNaN();
    expect(c.maxErrorIndex).toBe(0);
  });
});
