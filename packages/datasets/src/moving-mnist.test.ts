import { describe, expect, it } from 'vitest';
import type { HostTensor } from '@rnnkit/core';
import { areaResize, areaWeights } from './area-resize.js';
import { generateMovingMnist, loadMovingMnist, MOVING_MNIST_DEFAULTS, nextFramePairs } from './moving-mnist.js';

// Synthetic 28×28 "digits": image m is a filled square whose brightness tells the images apart.
function squares(M: number): HostTensor<Float32Array> {
  const data = new Float32Array(M * 784);
  for (let m = 0; m < M; m++) for (let i = 8; i < 20; i++) for (let j = 8; j < 20; j++) data[m * 784 + i * 28 + j] = (m + 1) / M;
  return { data, shape: [M, 28, 28] };
}

function frame(seq: HostTensor<Float32Array>, n: number, t: number): Float32Array {
  const [, T, , S] = seq.shape as number[];
  return seq.data.subarray((n * T! + t) * S! * S!, (n * T! + t + 1) * S! * S!);
}

/** Top-left corner of the non-zero pixels of a frame. */
function corner(f: Float32Array, S: number): [number, number] {
  let r = S;
  let c = S;
  f.forEach((v, i) => {
    if (v > 0) [r, c] = [Math.min(r, Math.floor(i / S)), Math.min(c, i % S)];
  });
  return [r, c];
}

describe('areaResize', () => {
  it('averages the covered area: weights rows sum to 1, and the mean intensity is kept', () => {
    const w = areaWeights(28, 10);
    for (let i = 0; i < 10; i++) expect(w.subarray(i * 28, (i + 1) * 28).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const img = squares(1).data;
    const small = areaResize(img, 28, 10);
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    expect(mean(small)).toBeCloseTo(mean(img), 6);
    // Exact factor 2: plain 2×2 block means.
    expect(Array.from(areaResize([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1], 4, 2))).toEqual([0.25, 0, 0, 1]);
    expect(() => areaWeights(28, 30)).toThrow('areaWeights: to: expected an integer in [1, 28], got 30');
  });
});

describe('generateMovingMnist', () => {
  const images = squares(5);

  it('has the documented defaults: two 8×8 digits in a 16×16 frame, 8 frames, [N, T, 1, S, S] in [0, 1]', () => {
    expect(MOVING_MNIST_DEFAULTS).toEqual({ frameSize: 16, digitSize: 8, digits: 2, frames: 8, speed: [1, 2] });
    const s = generateMovingMnist(images, { sequences: 3, seed: 1 });
    expect(s.frames.shape).toEqual([3, 8, 1, 16, 16]);
    expect(s.sources.shape).toEqual([3, 2]);
    expect(Math.min(...s.frames.data)).toBe(0);
    expect(Math.max(...s.frames.data)).toBeLessThanOrEqual(1);
    expect(Array.from(s.labels.data)).toEqual([-1, -1, -1, -1, -1, -1]);
  });

  it('is deterministic in the seed, and different seeds give different sequences', () => {
    const a = generateMovingMnist(images, { sequences: 4, seed: 7 });
    const b = generateMovingMnist(images, { sequences: 4, seed: 7 });
    const c = generateMovingMnist(images, { sequences: 4, seed: 8 });
    expect(b.frames.data).toEqual(a.frames.data);
    expect(b.sources.data).toEqual(a.sources.data);
    expect(c.frames.data).not.toEqual(a.frames.data);
    // A larger set extends a smaller one: sequence n does not depend on how many follow it.
    const more = generateMovingMnist(images, { sequences: 6, seed: 7 });
    expect(more.frames.data.subarray(0, a.frames.data.length)).toEqual(a.frames.data);
  });

  it('moves each digit in a straight line by at most the top speed per frame, bouncing inside the frame', () => {
    const S = 16;
    const d = 8;
    const s = generateMovingMnist(images, { sequences: 20, seed: 3, frameSize: S, digitSize: d, digits: 1, frames: 12, speed: [1, 2] });
    let bounced = 0;
    for (let n = 0; n < 20; n++) {
      const path = Array.from({ length: 12 }, (_, t) => corner(frame(s.frames, n, t), S));
      // The square occupies rows/cols 8..19 of 28, i.e. about 2.3..5.4 of 8 after the resize.
      for (const [r, c] of path) {
        expect(r).toBeGreaterThanOrEqual(2);
        expect(c).toBeGreaterThanOrEqual(2);
        expect(r).toBeLessThanOrEqual(S - d + 3);
        expect(c).toBeLessThanOrEqual(S - d + 3);
      }
      for (let t = 1; t < 12; t++) {
        const [dr, dc] = [path[t]![0] - path[t - 1]![0], path[t]![1] - path[t - 1]![1]];
        // Speed ≤ 2 plus up to one pixel from rounding either position.
        expect(Math.hypot(dr, dc)).toBeLessThanOrEqual(2 * Math.SQRT2 + 1e-9 + 1);
        if (t > 1) {
          const [pr, pc] = [path[t - 1]![0] - path[t - 2]![0], path[t - 1]![1] - path[t - 2]![1]];
          if (dr * pr < 0 || dc * pc < 0) bounced++;
        }
      }
      // The whole digit, every frame: its pixels are a shifted copy of the same resized image.
      const first = frame(s.frames, n, 0).reduce((a, b) => a + b, 0);
      for (let t = 1; t < 12; t++) expect(frame(s.frames, n, t).reduce((a, b) => a + b, 0)).toBeCloseTo(first, 4);
    }
    // 12 frames at 1–2 px in 8 px of room: most digits hit a wall.
    expect(bounced).toBeGreaterThan(10);
  });

  it('overlapping digits take the brighter pixel, never a sum above 1', () => {
    const ones = { data: new Float32Array(784).fill(1), shape: [1, 28, 28] };
    const s = generateMovingMnist(ones, { sequences: 5, seed: 2, frameSize: 12, digitSize: 8, digits: 3, frames: 4, speed: [0, 1] });
    expect(Math.max(...s.frames.data)).toBe(1);
  });

  it('rejects bad settings and normalised pixels, naming the setting', () => {
    expect(() => generateMovingMnist(images, { sequences: 0, seed: 1 })).toThrow('movingMnist: sequences: expected a positive integer, got 0');
    expect(() => generateMovingMnist(images, { sequences: 1, seed: 1, frameSize: 6 })).toThrow('movingMnist: frameSize: expected an integer in [8, Infinity], got 6');
    expect(() => generateMovingMnist(images, { sequences: 1, seed: 1, frames: 1 })).toThrow(/frames: expected an integer in \[2/);
    expect(() => generateMovingMnist(images, { sequences: 1, seed: 1, speed: [1, 9] })).toThrow('movingMnist: speed: expected [min, max] with 0 ≤ min ≤ max ≤ frameSize − digitSize = 8, got [1,9]');
    const normalised = { data: images.data.map((v) => (v - 0.1307) / 0.3081), shape: images.shape };
    expect(() => generateMovingMnist(normalised, { sequences: 1, seed: 1 })).toThrow(/outside \[0, 1\] \(load MNIST without normalize\)/);
  });
});

describe('nextFramePairs', () => {
  it('x = frames 0..T−2, y = frames 1..T−1, per sequence', () => {
    const s = generateMovingMnist(squares(3), { sequences: 2, seed: 5, frames: 4 });
    const { x, y } = nextFramePairs(s.frames);
    expect(x.shape).toEqual([2, 3, 1, 16, 16]);
    expect(y.shape).toEqual([2, 3, 1, 16, 16]);
    const F = 256;
    for (let n = 0; n < 2; n++) {
      for (let t = 0; t < 3; t++) {
        expect(x.data.subarray((n * 3 + t) * F, (n * 3 + t + 1) * F)).toEqual(frame(s.frames, n, t));
        expect(y.data.subarray((n * 3 + t) * F, (n * 3 + t + 1) * F)).toEqual(frame(s.frames, n, t + 1));
      }
    }
  });
});

describe('loadMovingMnist (real MNIST digits)', () => {
  it('builds training sequences from training digits and test sequences from test digits, reproducibly', async () => {
    const a = await loadMovingMnist({ train: 6, test: 4, seed: 42 });
    const b = await loadMovingMnist({ train: 6, test: 4, seed: 42 });
    expect(a.train.frames.shape).toEqual([6, 8, 1, 16, 16]);
    expect(a.test.frames.shape).toEqual([4, 8, 1, 16, 16]);
    expect(b.train.frames.data).toEqual(a.train.frames.data);
    expect(b.test.frames.data).toEqual(a.test.frames.data);
    // Sources index their own split: training indices range over 60,000 images, test over 10,000.
    expect(Math.max(...a.train.sources.data)).toBeLessThan(60_000);
    expect(Math.max(...a.test.sources.data)).toBeLessThan(10_000);
    for (const l of [...a.train.labels.data, ...a.test.labels.data]) expect(l >= 0 && l <= 9).toBe(true);
    // Real digits: some bright stroke pixels in every frame, most of the frame dark.
    const f = frame(a.test.frames, 0, 0);
    expect(Math.max(...f)).toBeGreaterThan(0.5);
    expect(f.filter((v) => v === 0).length).toBeGreaterThan(128);
  });
});
