// Date normalisation, a small translation-style seq2seq task (after the classic "human date → ISO"
// exercise): a calendar date written in one of DATE_FORMATS, mapped to `YYYY-MM-DD`. Generated from
// a seed with core's Rng, so every backend and run sees the same pairs. Train and test are disjoint
// by calendar date: a test date never appears in training, in any format, so held-out accuracy
// measures generalisation to unseen dates, not recall of memorised strings.
import { Rng, type HostTensor } from '@rnnkit/core';
import { civilFromDays, daysFromCivil, isoDate, weekdayOf } from './calendar.js';
import { BOS, CharVocabulary, EOS, PAD, UNK } from './char-vocabulary.js';
import { DATE_FORMATS, dateFormatName, renderDate, type DateFormat } from './date-formats.js';

/**
 * Source characters: ids 0 = `<pad>`, 1 = `<unk>`, then space , - . / (2–6), digits 0–9 (7–16),
 * a–z (17–42), A–Z (43–68). Uppercase is in the vocabulary (some formats are upper or title case);
 * `lowercase: true` lowercases the sources instead.
 */
export const DATE_SOURCE_VOCAB = new CharVocabulary([PAD, UNK], ' ,-./0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
/** Target characters: 0 = `<pad>`, 1 = `<bos>`, 2 = `<eos>`, digits 0–9 (3–12), `-` (13). */
export const DATE_TARGET_VOCAB = new CharVocabulary([PAD, BOS, EOS], '0123456789-');

/** Source width: the longest any format writes ('wednesday, september 23, 2000', 29 characters). */
export const DATE_SOURCE_LEN = Math.max(...DATE_FORMATS.map((f) => renderDate({ year: 2000, month: 9, day: 23, weekday: 3 }, f).length));
/** Target width: `<bos>` + 10 ISO characters (targetIn), or the 10 characters + `<eos>` (targetOut). */
export const DATE_TARGET_LEN = 11;

export const DATES_DEFAULTS = { years: [1950, 2049] as const, testFraction: 0.2, splitSeed: 0 } as const;

export type DateSplit = 'train' | 'test';

export interface DatesOptions {
  readonly seed: number;
  /** Pairs to generate; (date, format) is drawn with replacement, so pairs may repeat. */
  readonly count: number;
  /** Default 'train'. */
  readonly split?: DateSplit;
  /** Share of calendar dates held out for 'test' (default 0.2). */
  readonly testFraction?: number;
  /** Seeds the train/test partition of dates (default 0); independent of `seed`. */
  readonly splitSeed?: number;
  /** First and last year, inclusive (default [1950, 2049]): four-digit years, at most 100 of them so a two-digit year names one. */
  readonly years?: readonly [number, number];
  /** Use only these formats, by `dateFormatName` (default all of DATE_FORMATS). */
  readonly formats?: readonly string[];
  /** Lowercase every source (default false). */
  readonly lowercase?: boolean;
}

export interface DatePairs {
  /** [N, DATE_SOURCE_LEN] int32 source character ids, `<pad>` (0) after the text. */
  readonly source: HostTensor<Int32Array>;
  /** Per pair, the source text's length (its valid prefix). */
  readonly sourceLengths: Int32Array;
  /** [N, 11] int32: `<bos>` then the ISO date (decoder input, teacher forcing). */
  readonly targetIn: HostTensor<Int32Array>;
  /** [N, 11] int32: the ISO date then `<eos>` (decoder targets, one step ahead of targetIn). */
  readonly targetOut: HostTensor<Int32Array>;
  readonly texts: { readonly source: readonly string[]; readonly target: readonly string[] };
  /** Per pair, the index of its format in DATE_FORMATS. */
  readonly format: Int32Array;
  /** Per pair, the date as a day number (days since 1970-01-01). */
  readonly day: Int32Array;
  readonly sourceVocab: CharVocabulary;
  readonly targetVocab: CharVocabulary;
}

/**
 * Which split a calendar date belongs to: 'test' iff a hash of (day number, splitSeed), read as a
 * number in [0, 1), is below testFraction. The rule looks at the date alone, so a date keeps its
 * split whatever the year range, the formats or the seed.
 */
export function dateSplitOf(dayNumber: number, testFraction: number = DATES_DEFAULTS.testFraction, splitSeed: number = DATES_DEFAULTS.splitSeed): DateSplit {
  return mix32(mix32(splitSeed) ^ dayNumber) / 2 ** 32 < testFraction ? 'test' : 'train';
}

// murmur3's 32-bit finaliser: a bijection on 32-bit integers that spreads neighbouring inputs apart.
function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Pairs (human-written date → ISO date). Draws from Rng(2·seed) for 'train' and Rng(2·seed + 1)
 * for 'test', per pair: the date (uniform over the split's dates in `years`), then the format
 * (uniform over `formats`). The first n pairs are the same whatever `count`.
 */
export function dates(options: DatesOptions): DatePairs {
  const { seed, count } = options;
  const split = options.split ?? 'train';
  const testFraction = options.testFraction ?? DATES_DEFAULTS.testFraction;
  const splitSeed = options.splitSeed ?? DATES_DEFAULTS.splitSeed;
  const years = options.years ?? DATES_DEFAULTS.years;
  if (!Number.isSafeInteger(seed)) throw new Error(`dates: seed: expected an integer, got ${JSON.stringify(seed)}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`dates: count: expected a positive integer, got ${JSON.stringify(count)}`);
  if (split !== 'train' && split !== 'test') throw new Error(`dates: split: expected 'train' or 'test', got ${JSON.stringify(split)}`);
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction < 1)) {
    throw new Error(`dates: testFraction: expected a number in [0, 1), got ${JSON.stringify(testFraction)}`);
  }
  if (!Number.isSafeInteger(splitSeed)) throw new Error(`dates: splitSeed: expected an integer, got ${JSON.stringify(splitSeed)}`);
  const [from, to] = Array.isArray(years) ? years : [];
  if (!Number.isInteger(from) || !Number.isInteger(to) || from! < 1000 || to! > 9999 || from! > to! || to! - from! > 99) {
    throw new Error(`dates: years: expected [first, last] with 1000 ≤ first ≤ last ≤ 9999 and at most 100 years, got ${JSON.stringify(years)}`);
  }
  const formats = pickFormats(options.formats);

  const pool: number[] = [];
  for (let d = daysFromCivil(from!, 1, 1), end = daysFromCivil(to!, 12, 31); d <= end; d++) {
    if (dateSplitOf(d, testFraction, splitSeed) === split) pool.push(d);
  }
  if (pool.length === 0) throw new Error(`dates: split: no ${split} dates in years ${from}–${to} with testFraction ${testFraction}`);

  const rng = new Rng(2 * seed + (split === 'test' ? 1 : 0));
  const sources: string[] = [];
  const targets: string[] = [];
  const format = new Int32Array(count);
  const day = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const d = pool[rng.int(pool.length)]!;
    const f = formats[rng.int(formats.length)]!;
    const text = renderDate({ ...civilFromDays(d), weekday: weekdayOf(d) }, DATE_FORMATS[f]!);
    sources.push(options.lowercase ? text.toLowerCase() : text);
    targets.push(isoDate(d));
    format[n] = f;
    day[n] = d;
  }
  const { source, lengths } = encodeDateSources(sources);
  const targetIn = new Int32Array(count * DATE_TARGET_LEN);
  const targetOut = new Int32Array(count * DATE_TARGET_LEN);
  targets.forEach((t, n) => {
    const ids = DATE_TARGET_VOCAB.encode(t);
    targetIn[n * DATE_TARGET_LEN] = DATE_TARGET_VOCAB.bos!;
    targetIn.set(ids, n * DATE_TARGET_LEN + 1);
    targetOut.set(ids, n * DATE_TARGET_LEN);
    targetOut[(n + 1) * DATE_TARGET_LEN - 1] = DATE_TARGET_VOCAB.eos!;
  });
  return {
    source,
    sourceLengths: lengths,
    targetIn: { data: targetIn, shape: [count, DATE_TARGET_LEN] },
    targetOut: { data: targetOut, shape: [count, DATE_TARGET_LEN] },
    texts: { source: sources, target: targets },
    format,
    day,
    sourceVocab: DATE_SOURCE_VOCAB,
    targetVocab: DATE_TARGET_VOCAB,
  };
}

/**
 * Any texts (a user's input, say) as source ids, `<pad>`-padded to DATE_SOURCE_LEN, or to the
 * longest text where one is longer; a character outside the vocabulary becomes `<unk>`.
 */
export function encodeDateSources(texts: readonly string[]): { source: HostTensor<Int32Array>; lengths: Int32Array } {
  const encoded = texts.map((t) => DATE_SOURCE_VOCAB.encode(t));
  const width = encoded.reduce((w, e) => Math.max(w, e.length), DATE_SOURCE_LEN);
  const data = new Int32Array(texts.length * width); // zeros: <pad>
  encoded.forEach((e, n) => data.set(e, n * width));
  return { source: { data, shape: [texts.length, width] }, lengths: Int32Array.from(encoded, (e) => e.length) };
}

/** Source ids back to text (stops at nothing; skips `<pad>`). */
export function decodeDateSource(ids: ArrayLike<number>): string {
  return DATE_SOURCE_VOCAB.decode(ids);
}

/** Target ids (a decoder's output, say) back to text: skips `<pad>`/`<bos>`, stops at the first `<eos>`. */
export function decodeDateTarget(ids: ArrayLike<number>): string {
  return DATE_TARGET_VOCAB.decode(ids);
}

/** Every row of a [N, T] id tensor decoded with `decodeDateTarget`. */
export function decodeDateTargets(ids: HostTensor<Int32Array>): string[] {
  const [N = 0, T = 0] = ids.shape;
  if (ids.shape.length !== 2) throw new Error(`decodeDateTargets: ids: expected [N, T], got [${ids.shape.join(', ')}]`);
  return Array.from({ length: N }, (_, n) => decodeDateTarget(ids.data.subarray(n * T, (n + 1) * T)));
}

function pickFormats(names: readonly string[] | undefined): number[] {
  const all = DATE_FORMATS.map((f: DateFormat) => dateFormatName(f));
  if (names === undefined) return all.map((_, i) => i);
  if (!Array.isArray(names) || names.length === 0) throw new Error(`dates: formats: expected a non-empty array of format names, got ${JSON.stringify(names)}`);
  return names.map((name) => {
    const i = all.indexOf(name);
    if (i < 0) throw new Error(`dates: formats: expected names from DATE_FORMATS (${all.map((a) => JSON.stringify(a)).join(', ')}), got ${JSON.stringify(name)}`);
    return i;
  });
}
