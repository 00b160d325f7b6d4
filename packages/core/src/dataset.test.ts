import { describe, expect, it } from 'vitest';
import { batchIndices, epochOrder, gatherBatch, splitValidation, takeFirst, type Dataset } from './dataset.js';

const ds: Dataset = {
  x: { data: Float32Array.from({ length: 12 }, (_, i) => i), shape: [4, 3] },
  y: { data: Int32Array.from([0, 1, 2, 3]), shape: [4] },
  lengths: Int32Array.from([1, 2, 3, 3]),
};

describe('batching', () => {
  it('gives the same order for the same seed and epoch, another for another epoch', () => {
    expect(epochOrder(100, 5, 0, true)).toEqual(epochOrder(100, 5, 0, true));
    expect(epochOrder(100, 5, 1, true)).not.toEqual(epochOrder(100, 5, 0, true));
    expect(Array.from(epochOrder(4, 5, 0, false))).toEqual([0, 1, 2, 3]);
  });

  it('splits into batches with a smaller last batch', () => {
    const b = batchIndices(Int32Array.from([3, 1, 0, 2, 4]), 2);
    expect(b.map((x) => Array.from(x))).toEqual([[3, 1], [0, 2], [4]]);
    expect(() => batchIndices(new Int32Array(3), 0)).toThrow(/batchSize: expected a positive integer, got 0/);
  });

  it('gathers rows of x, y and lengths', () => {
    const b = gatherBatch(ds, Int32Array.from([2, 0]));
    expect(Array.from(b.x.data)).toEqual([6, 7, 8, 0, 1, 2]);
    expect(b.x.shape).toEqual([2, 3]);
    expect(Array.from(b.y.data)).toEqual([2, 0]);
    expect(Array.from(b.lengths!)).toEqual([3, 1]);
  });

  it('takes the first n samples', () => {
    const h = takeFirst(ds, 2);
    expect(h.x.shape).toEqual([2, 3]);
    expect(Array.from(h.y.data)).toEqual([0, 1]);
  });
});

describe('validationSplit (Keras validation_split)', () => {
  it('the first ⌊N·(1 − f)⌋ samples train, the rest validate, in data order', () => {
    const { train, validation } = splitValidation(ds, 0.3);
    expect(train.x.shape).toEqual([2, 3]);
    expect(Array.from(train.y.data)).toEqual([0, 1]);
    expect(Array.from(validation.x.data)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(validation.y.data)).toEqual([2, 3]);
    expect(Array.from(validation.lengths!)).toEqual([3, 3]);
    expect(Array.from(splitValidation(ds, 0.25).train.y.data)).toEqual([0, 1, 2]);
  });
  it('rejects fractions outside (0, 1) and splits that leave a part empty', () => {
    expect(() => splitValidation(ds, 1)).toThrow('validationSplit: expected a number in (0, 1), got 1');
    expect(Array.from(splitValidation(ds, 0.1).validation.y.data)).toEqual([3]);
    expect(() => splitValidation(ds, 0.9)).toThrow('validationSplit: 0.9 of 4 samples leaves 0 to train and 4 to validate; both need at least one');
  });
});
