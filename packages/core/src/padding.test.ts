import { describe, expect, it } from 'vitest';
import { lengthsFromPadding } from './padding.js';

describe('lengthsFromPadding (Keras mask_zero as Dataset.lengths)', () => {
  const ids = { data: Int32Array.from([5, 3, 0, 0, 7, 7, 7, 7, 0, 0, 0, 0, 0, 2, 0, 4, 9, 0, 1, 0]), shape: [5, 4] };
  it('1 + the index of the last id that is not the padding id; at least 1', () => {
    expect(Array.from(lengthsFromPadding(ids))).toEqual([2, 4, 1, 4, 3]);
    expect(Array.from(lengthsFromPadding(ids, 7))).toEqual([4, 1, 4, 4, 4]);
  });
  it('rejects what is not [N, T] token ids', () => {
    expect(() => lengthsFromPadding({ data: new Float32Array(4), shape: [2, 2] })).toThrow('lengthsFromPadding: ids: expected token ids as Int32Array, got Float32Array');
    expect(() => lengthsFromPadding({ data: new Int32Array(4), shape: [4] })).toThrow('lengthsFromPadding: ids: expected shape [N, T], got [4]');
    expect(() => lengthsFromPadding({ data: new Int32Array(4), shape: [2, 3] })).toThrow('data has 4 elements but shape [2, 3] needs 6');
    expect(() => lengthsFromPadding(ids, 0.5)).toThrow('lengthsFromPadding: paddingIdx: expected an integer, got 0.5');
  });
});
