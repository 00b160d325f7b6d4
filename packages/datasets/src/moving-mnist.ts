// Moving MNIST, after Srivastava, Mansimov and Salakhutdinov, "Unsupervised Learning of Video
// Representations using LSTMs" (ICML 2015): MNIST digits that move in straight lines inside a
// square frame and bounce off its edges. They used two 28×28 digits in a 64×64 frame over 20
// frames; the defaults here are smaller (two digits downscaled to 8×8 in a 16×16 frame, 8 frames)
// so that a ConvLSTM trains a few hundred sequences on a two-core machine within a benchmark's
// minute: a frame is 256 pixels instead of 4,096, the digits keep roughly Srivastava's proportions
// (each covers a quarter of the frame against a fifth there) and stay legible at 8 pixels (the
// digit itself about 6, after MNIST's padding). Everything is drawn from core's seeded Rng, so one seed gives
// the same frames on every machine, backend and run. Training sequences use training digits and
// test sequences test digits, so scoring never sees a digit image the model was trained on.
import { Rng, type Dataset, type HostTensor } from '@rnnkit/core';
import { areaResize, areaWeights } from './area-resize.js';
import { loadMnistSplit, type MnistOptions, type MnistSplit } from './mnist.js';

export interface MovingMnistShape {
  /** Side S of the square frame in pixels (default 16). */
  readonly frameSize?: number;
  /** Side of each digit after area-averaging the 28×28 image down (default 8; 28 keeps it as is). */
  readonly digitSize?: number;
  /** Digits per sequence (default 2); where they overlap, a pixel is the brighter of the two. */
  readonly digits?: number;
  /** Frames T per sequence (default 8). */
  readonly frames?: number;
  /** Speed range in pixels per frame, drawn uniformly per digit (default [1, 2]); the direction is uniform. */
  readonly speed?: readonly [number, number];
}

export interface MovingMnistOptions extends MovingMnistShape {
  /** Sequences N to generate. */
  readonly sequences: number;
  readonly seed: number;
}

export const MOVING_MNIST_DEFAULTS = { frameSize: 16, digitSize: 8, digits: 2, frames: 8, speed: [1, 2] as const } as const;

export interface MovingMnistSequences {
  /** [N, T, 1, S, S] float32 in [0, 1]: channel-first frames, the ConvLSTM input layout. */
  readonly frames: HostTensor<Float32Array>;
  /** [N, digits] int32: the index of each digit's image in the source images. */
  readonly sources: HostTensor<Int32Array>;
  /** [N, digits] int32: each digit's class, when the source labels were given (else −1). */
  readonly labels: HostTensor<Int32Array>;
}

interface Resolved {
  readonly frameSize: number;
  readonly digitSize: number;
  readonly digits: number;
  readonly frames: number;
  readonly speed: readonly [number, number];
}

function resolveShape(o: MovingMnistShape, imageSize: number): Resolved {
  const frameSize = o.frameSize ?? MOVING_MNIST_DEFAULTS.frameSize;
  const digitSize = o.digitSize ?? Math.min(MOVING_MNIST_DEFAULTS.digitSize, imageSize);
  const digits = o.digits ?? MOVING_MNIST_DEFAULTS.digits;
  const frames = o.frames ?? MOVING_MNIST_DEFAULTS.frames;
  const speed = o.speed ?? MOVING_MNIST_DEFAULTS.speed;
  const int = (name: string, v: number, lo: number, hi = Infinity) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`movingMnist: ${name}: expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  };
  int('digitSize', digitSize, 1, imageSize);
  int('frameSize', frameSize, digitSize);
  int('digits', digits, 1);
  int('frames', frames, 2);
  const room = frameSize - digitSize;
  if (!Array.isArray(speed) || speed.length !== 2 || !(speed[0] >= 0 && speed[0] <= speed[1] && speed[1] <= room)) {
    // One reflection per axis and frame keeps a digit inside, which needs speed ≤ S − digitSize.
    throw new Error(`movingMnist: speed: expected [min, max] with 0 ≤ min ≤ max ≤ frameSize − digitSize = ${room}, got ${JSON.stringify(speed)}`);
  }
  return { frameSize, digitSize, digits, frames, speed: [speed[0], speed[1]] };
}

/** Reflects a position that left [0, room] back inside and flips its velocity. */
function bounce(p: number, v: number, room: number): [number, number] {
  if (p < 0) return [-p, -v];
  if (p > room) return [2 * room - p, -v];
  return [p, v];
}

/**
 * Sequences of moving digits from `images` ([M, r, r] float32 pixels in [0, 1], e.g. an MNIST
 * split loaded without `normalize`). Per sequence and digit, in this order: the source image
 * (uniform over M), the start position (uniform over the frame), the direction (uniform angle) and
 * the speed (uniform in `speed`). Positions are real numbers; a digit is drawn at its position
 * rounded to whole pixels, as in Srivastava's generator.
 */
export function generateMovingMnist(images: HostTensor<Float32Array>, options: MovingMnistOptions, sourceLabels?: HostTensor<Int32Array>): MovingMnistSequences {
  const [M = 0, r = 0, c = 0] = images.shape;
  if (images.shape.length !== 3 || r !== c || M < 1) throw new Error(`movingMnist: images: expected [M, r, r] with M ≥ 1, got [${images.shape.join(', ')}]`);
  if (sourceLabels && sourceLabels.shape[0] !== M) throw new Error(`movingMnist: labels: expected [${M}] (one per image), got [${sourceLabels.shape.join(', ')}]`);
  const { sequences: N, seed } = options;
  if (!Number.isInteger(N) || N < 1) throw new Error(`movingMnist: sequences: expected a positive integer, got ${JSON.stringify(N)}`);
  const { frameSize: S, digitSize: d, digits: D, frames: T, speed } = resolveShape(options, r);
  const room = S - d;
  const rng = new Rng(seed);
  const weights = d === r ? undefined : areaWeights(r, d);
  const frames = new Float32Array(N * T * S * S);
  const sources = new Int32Array(N * D);
  const labels = new Int32Array(N * D).fill(-1);

  for (let n = 0; n < N; n++) {
    for (let k = 0; k < D; k++) {
      const src = rng.int(M);
      let x = rng.uniform(0, room);
      let y = rng.uniform(0, room);
      const angle = rng.uniform(0, 2 * Math.PI);
      const v = rng.uniform(speed[0], speed[1]);
      let vx = v * Math.cos(angle);
      let vy = v * Math.sin(angle);
      sources[n * D + k] = src;
      if (sourceLabels) labels[n * D + k] = sourceLabels.data[src]!;
      const image = images.data.subarray(src * r * r, (src + 1) * r * r);
      for (const p of image) {
        if (!(p >= 0 && p <= 1)) throw new Error(`movingMnist: image ${src} has a pixel ${p} outside [0, 1] (load MNIST without normalize)`);
      }
      const digit = weights ? areaResize(image, r, d, weights) : image;
      for (let t = 0; t < T; t++) {
        const px = Math.round(x);
        const py = Math.round(y);
        const frame = (n * T + t) * S * S;
        for (let i = 0; i < d; i++) {
          const row = frame + (py + i) * S + px;
          for (let j = 0; j < d; j++) frames[row + j] = Math.max(frames[row + j]!, digit[i * d + j]!);
        }
        [x, vx] = bounce(x + vx, vx, room);
        [y, vy] = bounce(y + vy, vy, room);
      }
    }
  }
  return { frames: { data: frames, shape: [N, T, 1, S, S] }, sources: { data: sources, shape: [N, D] }, labels: { data: labels, shape: [N, D] } };
}

/**
 * The next-frame task on sequences [N, T, ...frame]: x = frames 0 … T−2, y = frames 1 … T−1,
 * both [N, T−1, ...frame], so step t's target is the frame after step t's input.
 */
export function nextFramePairs(frames: HostTensor<Float32Array>): Dataset {
  const [N = 0, T = 0, ...frame] = frames.shape;
  if (frames.shape.length < 3 || T < 2) throw new Error(`nextFramePairs: expected [N, T ≥ 2, ...frame], got [${frames.shape.join(', ')}]`);
  const size = frame.reduce((a, b) => a * b, 1);
  const x = new Float32Array(N * (T - 1) * size);
  const y = new Float32Array(N * (T - 1) * size);
  for (let n = 0; n < N; n++) {
    const seq = frames.data.subarray(n * T * size, (n + 1) * T * size);
    x.set(seq.subarray(0, (T - 1) * size), n * (T - 1) * size);
    y.set(seq.subarray(size), n * (T - 1) * size);
  }
  const shape = [N, T - 1, ...frame];
  return { x: { data: x, shape }, y: { data: y, shape } };
}

export interface LoadMovingMnistOptions extends MovingMnistShape {
  /** Sequences built from MNIST's training digits. */
  readonly train: number;
  /** Sequences built from MNIST's test digits (for scoring). */
  readonly test: number;
  readonly seed: number;
  /** Where the MNIST files come from (pixels always stay in [0, 1]). */
  readonly mnist?: Pick<MnistOptions, 'dir' | 'verify'>;
}

/**
 * Moving-digit sequences from real MNIST: training sequences from the training split's digits
 * (Rng seed 2·seed), test sequences from the test split's (seed 2·seed + 1), so the two draw
 * independently and never share a digit image.
 */
export async function loadMovingMnist(options: LoadMovingMnistOptions): Promise<{ train: MovingMnistSequences; test: MovingMnistSequences }> {
  const { train, test, seed, mnist, ...shape } = options;
  if (!Number.isSafeInteger(seed)) throw new Error(`movingMnist: seed: expected an integer, got ${JSON.stringify(seed)}`);
  const split = async (which: MnistSplit, sequences: number, stream: number) => {
    const ds = await loadMnistSplit(which, { dir: mnist?.dir, verify: mnist?.verify });
    return generateMovingMnist(ds.x as HostTensor<Float32Array>, { ...shape, sequences, seed: 2 * seed + stream }, ds.y as HostTensor<Int32Array>);
  };
  return { train: await split('train', train, 0), test: await split('test', test, 1) };
}
