import { describe, expect, it } from 'vitest';
import { poolRows, seededSubset } from './data.js';

// 100 samples sorted by label, as IMDB's splits are (50 negative, then 50 positive).
const sorted = {
  x: { data: Int32Array.from({ length: 100 * 3 }, (_, i) => Math.floor(i / 3)), shape: [100, 3] },
  y: { data: Float32Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : 1)), shape: [100] },
};

describe('seededSubset', () => {
  it('takes a seeded random subset in the original order, so a label-sorted split gives both classes', () => {
    const a = seededSubset(sorted, 20, 42, 1);
    expect(a.x.shape).toEqual([20, 3]);
    const ids = Array.from({ length: 20 }, (_, i) => a.x.data[3 * i]!);
    expect(ids).toEqual([...ids].sort((p, q) => p - q));
    expect(new Set(ids).size).toBe(20);
    // Rows stay intact and labels follow their rows.
    ids.forEach((id, i) => {
      expect(Array.from(a.x.data.subarray(3 * i, 3 * i + 3))).toEqual([id, id, id]);
      expect(a.y.data[i]).toBe(id < 50 ? 0 : 1);
    });
    const positives = Array.from(a.y.data).filter((v) => v === 1).length;
    expect(positives).toBeGreaterThan(3);
    expect(positives).toBeLessThan(17);
  });

  it('is the same for the same seed (every backend process sees the same samples) and differs across seeds and streams', () => {
    const ids = (ds: ReturnType<typeof seededSubset>) => Array.from(ds.x.data.filter((_, i) => i % 3 === 0));
    expect(ids(seededSubset(sorted, 20, 42, 1))).toEqual(ids(seededSubset(sorted, 20, 42, 1)));
    expect(ids(seededSubset(sorted, 20, 43, 1))).not.toEqual(ids(seededSubset(sorted, 20, 42, 1)));
    expect(ids(seededSubset(sorted, 20, 42, 2))).not.toEqual(ids(seededSubset(sorted, 20, 42, 1)));
  });

  it('returns the whole set untouched when n covers it, and rejects a bad n', () => {
    expect(seededSubset(sorted, 100, 1, 1)).toBe(sorted);
    expect(seededSubset(sorted, 500, 1, 1)).toBe(sorted);
    expect(() => seededSubset(sorted, 0, 1, 1)).toThrow('samples: expected a positive integer, got 0');
  });
});

describe('loadTaskData', () => {
  it('MNIST: the standardised pixels the model config asks for, on the seeded subsets', async () => {
    const { loadTaskData } = await import('./data.js');
    const { taskConfig } = await import('./config.js');
    const config = taskConfig('mnist', 'tiny');
    expect(config.model.kind === 'mnist' && config.model.normalize).toBe(true);
    const { train, test } = await loadTaskData(config);
    expect(train.x.shape).toEqual([config.trainSamples, 28, 28]);
    expect(test.x.shape).toEqual([config.testSamples, 28, 28]);
    // a background pixel (0 in [0, 1]) becomes −mean/std
    expect(Math.min(...train.x.data)).toBeCloseTo(-0.1307 / 0.3081, 5);
    expect(Math.max(...train.x.data)).toBeCloseTo((1 - 0.1307) / 0.3081, 5);
  });
});

describe('poolRows (the quick profile\'s 14×14 MNIST rows)', () => {
  it('averages each 2×2 block, image by image, and keeps the labels', () => {
    // Two 4×4 images: pixel value = image·100 + row·4 + column.
    const x = Float32Array.from({ length: 2 * 16 }, (_, i) => Math.floor(i / 16) * 100 + (i % 16));
    const y = Int32Array.from([3, 7]);
    const pooled = poolRows({ x: { data: x, shape: [2, 4, 4] }, y: { data: y, shape: [2] } });
    expect(pooled.x.shape).toEqual([2, 2, 2]);
    // Block (0, 0) of image 0: (0 + 1 + 4 + 5) / 4.
    expect(Array.from(pooled.x.data)).toEqual([2.5, 4.5, 10.5, 12.5, 102.5, 104.5, 110.5, 112.5]);
    expect(pooled.y.data).toBe(y);
  });
});
