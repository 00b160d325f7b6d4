// Loads a task's data and takes the seeded subsets every backend sees, so the data are identical in
// every process: same samples, same order (core's epochOrder shuffles with the model seed).
import { datasetSize, type Dataset } from '@rnnkit/core';
import { epochOrder, gatherBatch } from '@rnnkit/core/internal';
import { loadImdb, loadMnist, loadMovingMnist, nextFramePairs, type ImdbOptions } from '@rnnkit/datasets';
import type { TaskConfig } from './config.js';

export interface TaskData {
  readonly train: Dataset;
  readonly test: Dataset;
}

export type DataProgress = (stage: string, done: number, total: number) => void;

/** Both splits, cut to the configuration's sizes. IMDB tokenises on the first call and then reads its disk cache. */
export async function loadTaskData(config: TaskConfig, onProgress?: DataProgress): Promise<TaskData> {
  let train: Dataset;
  let test: Dataset;
  if (config.model.kind === 'mnist') {
    onProgress?.('read', 0, 1);
    ({ train, test } = await loadMnist({ normalize: config.model.normalize }));
    if (config.model.steps === 14) [train, test] = [poolRows(train), poolRows(test)];
    onProgress?.('read', 1, 1);
  } else if (config.model.kind === 'movingMnist') {
    // Generated at exactly the configured sizes (no subset to take): the sequences depend on the
    // seed and the sizes only, so every backend process builds the same ones.
    const m = config.model;
    onProgress?.('generate', 0, 1);
    const seqs = await loadMovingMnist({
      train: config.trainSamples,
      test: config.testSamples,
      seed: config.seed,
      frameSize: m.frameSize,
      digitSize: m.digitSize,
      digits: m.digits,
      frames: m.frames,
      speed: m.speed,
    });
    onProgress?.('generate', 1, 1);
    return { train: nextFramePairs(seqs.train.frames), test: nextFramePairs(seqs.test.frames) };
  } else {
    const m = config.model;
    const options: ImdbOptions = { numWords: m.numWords, maxLen: m.maxLen, padding: m.padding, truncating: m.truncating };
    if (onProgress) options.onProgress = onProgress;
    ({ train, test } = await loadImdb(options));
  }
  return {
    train: seededSubset(train, config.trainSamples, config.seed, 1),
    test: seededSubset(test, config.testSamples, config.seed, 2),
  };
}

/** [N, 28, 28] images → [N, 14, 14], each pixel the mean of a 2×2 block (after standardising, so the mean stays 0). */
export function poolRows(ds: Dataset): Dataset {
  const [n, h, w] = ds.x.shape as [number, number, number];
  const src = ds.x.data as Float32Array;
  const out = new Float32Array(n * (h / 2) * (w / 2));
  let o = 0;
  for (let i = 0; i < n; i++) {
    const base = i * h * w;
    for (let r = 0; r < h; r += 2) {
      for (let c = 0; c < w; c += 2) {
        const a = base + r * w + c;
        out[o++] = 0.25 * (src[a]! + src[a + 1]! + src[a + w]! + src[a + w + 1]!);
      }
    }
  }
  return { ...ds, x: { data: out, shape: [n, h / 2, w / 2] } };
}

/**
 * The first `n` samples of a seeded permutation (the whole set, in its original order, when n covers it).
 * A random subset matters: IMDB's splits are sorted by label, so a prefix would hold one class only.
 */
export function seededSubset(ds: Dataset, n: number, seed: number, stream: number): Dataset {
  const size = datasetSize(ds);
  if (!Number.isInteger(n) || n < 1) throw new Error(`samples: expected a positive integer, got ${n}`);
  if (n >= size) return ds;
  // Sorted, so the subset keeps the split's order and only the choice of samples is random.
  const idx = epochOrder(size, seed, 1000 + stream, true).slice(0, n).sort();
  return gatherBatch(ds, idx);
}
