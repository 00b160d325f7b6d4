import { describe, expect, it } from 'vitest';
import { padSequences } from './pad-sequences.js';

const seqs = [[1, 2, 3, 4, 5], [6, 7], [8]];

describe('padSequences (Keras pad_sequences)', () => {
  it("pads and truncates at the front by default ('pre')", () => {
    const r = padSequences(seqs, { maxLen: 3 });
    expect(r.shape).toEqual([3, 3]);
    expect(Array.from(r.x)).toEqual([3, 4, 5, 0, 6, 7, 0, 0, 8]);
    expect(Array.from(r.kept)).toEqual([3, 2, 1]);
  });

  it("pads and truncates at the back with 'post'", () => {
    const r = padSequences(seqs, { maxLen: 3, padding: 'post', truncating: 'post' });
    expect(Array.from(r.x)).toEqual([1, 2, 3, 6, 7, 0, 8, 0, 0]);
  });

  it('mixes sides independently', () => {
    expect(Array.from(padSequences(seqs, { maxLen: 3, padding: 'post' }).x)).toEqual([3, 4, 5, 6, 7, 0, 8, 0, 0]);
    expect(Array.from(padSequences(seqs, { maxLen: 3, truncating: 'post' }).x)).toEqual([1, 2, 3, 0, 6, 7, 0, 0, 8]);
  });

  it('pads to the longest sequence without maxLen', () => {
    const r = padSequences(seqs);
    expect(r.shape).toEqual([3, 5]);
    expect(Array.from(r.kept)).toEqual([5, 2, 1]);
    expect(Array.from(r.x.subarray(5, 10))).toEqual([0, 0, 0, 6, 7]);
  });

  it('rejects bad options by name', () => {
    expect(() => padSequences(seqs, { maxLen: 0 })).toThrow(/maxLen: expected a positive integer.*got 0/);
    expect(() => padSequences(seqs, { padding: 'left' as 'pre' })).toThrow(/padding: expected 'pre' or 'post', got "left"/);
  });
});
