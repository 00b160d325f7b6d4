import { describe, expect, it } from 'vitest';
import { charWindows } from './char-windows.js';

const ids = Int32Array.from({ length: 23 }, (_, i) => i);

describe('charWindows', () => {
  it('cuts [N, seqLen] pairs with y one id ahead of x; stride seqLen makes every id after the first a target once', () => {
    const w = charWindows(ids, { seqLen: 5 });
    expect(w.offset).toBe(0);
    expect(w.x.shape).toEqual([4, 5]); // windows of 6 at 0, 5, 10, 15 (15 + 6 ≤ 23; 20 + 6 > 23)
    expect(w.y.shape).toEqual([4, 5]);
    expect(Array.from(w.x.data.subarray(5, 10))).toEqual([5, 6, 7, 8, 9]);
    expect(Array.from(w.y.data.subarray(5, 10))).toEqual([6, 7, 8, 9, 10]);
    expect(Array.from(w.y.data)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('starts at a seeded offset in [0, stride), the same for the same seed; stride sets the step', () => {
    const offsets = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const w = charWindows(ids, { seqLen: 5, seed });
      expect(w.offset).toBeGreaterThanOrEqual(0);
      expect(w.offset).toBeLessThan(5);
      expect(w.x.data[0]).toBe(w.offset);
      expect(charWindows(ids, { seqLen: 5, seed }).x.data).toEqual(w.x.data);
      offsets.add(w.offset);
    }
    expect(offsets.size).toBeGreaterThan(2);
    const overlapping = charWindows(ids, { seqLen: 4, stride: 2 });
    expect(overlapping.x.shape).toEqual([10, 4]); // starts 0, 2, …, 18 (18 + 5 ≤ 23)
    expect(Array.from(overlapping.x.data.subarray(4, 8))).toEqual([2, 3, 4, 5]);
    expect(charWindows(new Uint8Array([7, 8]), { seqLen: 1 }).y.data).toEqual(new Int32Array([8]));
  });

  it('names the bad argument, what it expects and what it got', () => {
    expect(() => charWindows(ids, { seqLen: 0 })).toThrow('charWindows: seqLen: expected a positive integer, got 0');
    expect(() => charWindows(ids, { seqLen: 3, stride: 1.5 })).toThrow('charWindows: stride: expected a positive integer, got 1.5');
    expect(() => charWindows(ids, { seqLen: 3, seed: 0.5 })).toThrow('charWindows: seed: expected an integer, got 0.5');
    expect(() => charWindows(ids, { seqLen: 23 })).toThrow('charWindows: ids: expected at least offset + seqLen + 1 = 0 + 23 + 1 = 24 ids, got 23');
  });
});
