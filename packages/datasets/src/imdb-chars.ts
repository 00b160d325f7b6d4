// IMDB review text as characters, for a character-level language model (shared/DATA.md: train on
// the training split's text, score bits per character on the test split's). A fixed vocabulary
// rather than one counted from the data, so ids mean the same on every split, file and version.
import { Rng } from '@rnnkit/core';
import type { ImdbReview } from './imdb-build.js';
import { charWindows, type CharWindows } from './char-windows.js';
import { CharVocabulary, PAD, UNK } from './char-vocabulary.js';

const PRINTABLE_LOWER = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => !/[A-Z]/.test(c)).join('');

/**
 * 72 ids: 0 = `<pad>` (never in the text; for callers that pad), 1 = `<unk>`, 2 = newline, then
 * printable ASCII without uppercase, space (3) to `~` (71), in code order: `a`–`z` are 42–67.
 */
export const IMDB_CHAR_VOCAB = new CharVocabulary([PAD, UNK], `\n${PRINTABLE_LOWER}`);

// Non-ASCII characters common in the reviews whose compatibility decomposition is no help.
const FOLD: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u2032': "'", '\u00b4': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u00df': 'ss', '\u00e6': 'ae', '\u0153': 'oe', '\u00f8': 'o', '\u0142': 'l', '\u0111': 'd',
};

const ascii = new Int16Array(128).fill(IMDB_CHAR_VOCAB.unk!);
for (let c = 0; c < 128; c++) {
  const ch = c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : c === 9 || c === 11 || c === 12 || c === 13 ? ' ' : String.fromCharCode(c);
  ascii[c] = IMDB_CHAR_VOCAB.id(ch) ?? IMDB_CHAR_VOCAB.unk!;
}
const folded = new Map<number, readonly number[]>();

/** The ids one non-ASCII code point becomes (memoised): a fold, its accent-free form, or `<unk>`. */
function foldCodePoint(cp: number): readonly number[] {
  let ids = folded.get(cp);
  if (ids === undefined) {
    const ch = String.fromCodePoint(cp);
    const base = /\s/u.test(ch) ? ' ' : (FOLD[ch.toLowerCase()] ?? ch.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase());
    const mapped = Array.from(base, (c) => IMDB_CHAR_VOCAB.id(c));
    ids = base.length > 0 && mapped.every((id) => id !== undefined) ? (mapped as number[]) : [IMDB_CHAR_VOCAB.unk!];
    folded.set(cp, ids);
  }
  return ids;
}

/** Grows as ids are appended; bytes suffice, the vocabulary has 72 ids. */
class IdBuffer {
  data = new Uint8Array(1024);
  length = 0;
  push(id: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint8Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = id;
  }
}

function encodeInto(text: string, out: IdBuffer, limit: number): void {
  for (let i = 0; i < text.length && out.length < limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      out.push(ascii[c]!);
      continue;
    }
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++; // the low surrogate of a pair
    for (const id of foldCodePoint(cp)) if (out.length < limit) out.push(id);
  }
}

/**
 * Text as IMDB_CHAR_VOCAB ids: lowercase; tab, CR and Unicode spaces → space; typographic quotes and
 * dashes → ASCII; accents dropped (NFKD, `é` → `e`); anything else outside the vocabulary → `<unk>`.
 * No HTML handling (see `imdbReviewText`).
 */
export function encodeChars(text: string): Int32Array {
  const buf = new IdBuffer();
  encodeInto(text, buf, Infinity);
  return Int32Array.from(buf.data.subarray(0, buf.length));
}

/** Ids back to text (`<pad>` skipped, `<unk>` as U+FFFD). */
export function decodeChars(ids: ArrayLike<number>): string {
  return IMDB_CHAR_VOCAB.decode(ids);
}

/** A review's text with each run of `<br />` tags (and the whitespace around it) as one newline, trimmed. */
export function imdbReviewText(text: string): string {
  return text.replace(/\s*(?:<br\s*\/?>\s*)+/gi, '\n').trim();
}

export interface ImdbCharsBuildOptions {
  /** Steps per window for `windows()`. */
  readonly seqLen: number;
  /** Keep only the first maxChars ids of the concatenated text (default all). */
  readonly maxChars?: number;
  /** Concatenate the reviews in the order of Rng(orderSeed).permutation instead of file order (negative then positive). */
  readonly orderSeed?: number;
}

export interface ImdbChars {
  /** The concatenated text as IMDB_CHAR_VOCAB ids: reviews separated by a blank line ("\n\n"). */
  readonly ids: Uint8Array;
  readonly vocab: CharVocabulary;
  /** Reviews (wholly or partly) in `ids`. */
  readonly reviews: number;
  /** How many ids are `<unk>`. */
  readonly unknown: number;
  readonly seqLen: number;
  /** `charWindows(ids, { seqLen, seed, stride })`: x and y [N, seqLen] int32, y one character ahead. */
  windows(seed?: number, stride?: number): CharWindows;
}

/** The character corpus of any reviews (pure, browser-safe: `imdbChars` reads the file, then calls this). */
export function imdbCharsFromReviews(reviews: readonly ImdbReview[], options: ImdbCharsBuildOptions): ImdbChars {
  const { seqLen, orderSeed } = options;
  const maxChars = options.maxChars ?? Infinity;
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`imdbChars: seqLen: expected a positive integer, got ${JSON.stringify(seqLen)}`);
  if (!(maxChars === Infinity || (Number.isInteger(maxChars) && maxChars >= seqLen + 1))) {
    throw new Error(`imdbChars: maxChars: expected an integer ≥ seqLen + 1 = ${seqLen + 1} (one window), or Infinity, got ${JSON.stringify(options.maxChars)}`);
  }
  if (orderSeed !== undefined && !Number.isSafeInteger(orderSeed)) throw new Error(`imdbChars: orderSeed: expected an integer, got ${JSON.stringify(orderSeed)}`);
  const order = orderSeed === undefined ? Int32Array.from(reviews, (_, i) => i) : new Rng(orderSeed).permutation(reviews.length);
  const buf = new IdBuffer();
  const nl = IMDB_CHAR_VOCAB.id('\n')!;
  let count = 0;
  for (const i of order) {
    if (buf.length >= maxChars) break;
    const r = reviews[i];
    if (typeof r?.t !== 'string') throw new Error(`imdbChars: reviews[${i}]: expected { t: string }, got ${JSON.stringify(r)?.slice(0, 80)}`);
    if (count > 0) for (let k = 0; k < 2 && buf.length < maxChars; k++) buf.push(nl);
    if (buf.length >= maxChars) break;
    encodeInto(imdbReviewText(r.t), buf, maxChars);
    count++;
  }
  const ids = buf.data.slice(0, buf.length);
  let unknown = 0;
  for (const id of ids) if (id === IMDB_CHAR_VOCAB.unk) unknown++;
  return {
    ids,
    vocab: IMDB_CHAR_VOCAB,
    reviews: count,
    unknown,
    seqLen,
    windows: (seed?: number, stride?: number) => charWindows(ids, { seqLen, seed, stride }),
  };
}
