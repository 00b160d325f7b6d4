import { describe, expect, it } from 'vitest';
import { buildImdb, imdbSettings, type ImdbReview } from './imdb-build.js';

// Counts in train: the ×4 (+ "The." → the), movie ×3, good ×2 (tie with bad: good occurs first), bad ×2, plot ×1, ok ×1.
const train: ImdbReview[] = [
  { t: 'The movie was good. The plot<br />good!', s: 1 },
  { t: 'The movie: BAD, bad. ok', s: 0 },
  { t: 'The. Movie', s: 0 },
];
const test: ImdbReview[] = [
  { t: 'The unseen movie was good', s: 1 },
  { t: 'Zebra', s: 0 },
];
const ids = (x: Int32Array, row: number, len: number) => Array.from(x.subarray(row * len, (row + 1) * len));

describe('buildImdb', () => {
  it('ranks train words by count, ties by first occurrence, ids from indexFrom', () => {
    const d = buildImdb(train, test, { maxLen: 10 });
    expect(d.vocabulary.words).toEqual(['the', 'movie', 'good', 'bad', 'was', 'plot', 'ok']);
    expect(d.vocabulary.wordIndex.get('the')).toBe(3);
    expect(d.vocabulary.wordIndex.get('ok')).toBe(9);
    // Review 0: <start> the movie was good the plot good, pre-padded to 10.
    expect(ids(d.train.x.data as Int32Array, 0, 10)).toEqual([0, 0, 1, 3, 4, 7, 5, 3, 8, 5]);
    expect(d.vocabulary.decode(ids(d.train.x.data as Int32Array, 0, 10))).toBe('<start> the movie was good the plot good');
  });

  it('builds the vocabulary from train only: a word seen only in test is OOV', () => {
    const d = buildImdb(train, test, { maxLen: 6 });
    expect(d.vocabulary.wordIndex.has('unseen')).toBe(false);
    expect(d.vocabulary.wordIndex.has('zebra')).toBe(false);
    expect(ids(d.test.x.data as Int32Array, 0, 6)).toEqual([1, 3, 2, 4, 7, 5]);
    expect(ids(d.test.x.data as Int32Array, 1, 6)).toEqual([0, 0, 0, 0, 1, 2]);
    expect(Array.from(d.test.y.data)).toEqual([1, 0]);
    expect(d.test.y.data).toBeInstanceOf(Float32Array);
  });

  it('keeps ids < numWords (Keras semantics) and maps the rest to oovChar', () => {
    // numWords 5: ids 3 (the) and 4 (movie) survive; good, bad, was, plot, ok become 2.
    const d = buildImdb(train, test, { numWords: 5, maxLen: 9 });
    expect(ids(d.train.x.data as Int32Array, 0, 9)).toEqual([0, 1, 3, 4, 2, 2, 3, 2, 2]);
    expect(d.vocabulary.keptWords).toBe(2);
    expect(d.vocabulary.encodeWord('good')).toBe(2);
    expect(d.vocabulary.encodeWord('movie')).toBe(4);
  });

  it('skipTop turns the most frequent words into oovChar but leaves the start id alone', () => {
    const d = buildImdb(train, test, { skipTop: 2, maxLen: 9 });
    expect(ids(d.train.x.data as Int32Array, 0, 9)).toEqual([0, 1, 2, 2, 7, 5, 2, 8, 5]);
    expect(d.vocabulary.keptWords).toBe(5);
  });

  it('oovChar null drops unknown words; startChar null drops the start id', () => {
    const d = buildImdb(train, test, { numWords: 5, oovChar: null, startChar: null, maxLen: 4 });
    expect(ids(d.train.x.data as Int32Array, 0, 4)).toEqual([0, 3, 4, 3]);
    expect(ids(d.test.x.data as Int32Array, 1, 4)).toEqual([0, 0, 0, 0]);
    expect(Array.from(d.tokenCounts.test)).toEqual([2, 0]);
  });

  it("truncates at the front by default, at the back with truncating 'post'", () => {
    const pre = buildImdb(train, test, { maxLen: 3 });
    expect(ids(pre.train.x.data as Int32Array, 0, 3)).toEqual([3, 8, 5]); // the plot good
    const post = buildImdb(train, test, { maxLen: 3, truncating: 'post' });
    expect(ids(post.train.x.data as Int32Array, 0, 3)).toEqual([1, 3, 4]);
    expect(Array.from(pre.tokenCounts.train)).toEqual([3, 3, 3]);
  });

  it("sets Dataset.lengths only for padding 'post'; tokenCounts always", () => {
    const pre = buildImdb(train, test, { maxLen: 8 });
    expect(pre.train.lengths).toBeUndefined();
    expect(Array.from(pre.tokenCounts.train)).toEqual([8, 6, 3]);
    const post = buildImdb(train, test, { maxLen: 8, padding: 'post' });
    expect(Array.from(post.train.lengths!)).toEqual([8, 6, 3]);
    expect(ids(post.train.x.data as Int32Array, 2, 8)).toEqual([1, 3, 4, 0, 0, 0, 0, 0]);
    expect(post.train.x.shape).toEqual([3, 8]);
    expect(post.train.y.shape).toEqual([3]);
  });

  it('pads to the longest review with maxLen null or an explicit undefined; 200 when absent', () => {
    expect(buildImdb(train, test, { maxLen: null }).train.x.shape).toEqual([3, 8]);
    expect(buildImdb(train, test, { maxLen: undefined }).test.x.shape).toEqual([2, 8]);
    expect(buildImdb(train, test).train.x.shape).toEqual([3, 200]);
  });

  it('reports progress through the tokenize stage', () => {
    const calls: [string, number, number][] = [];
    buildImdb(train, test, {}, (stage, done, total) => calls.push([stage, done, total]));
    expect(calls[0]).toEqual(['tokenize', 0, 5]);
    expect(calls.at(-1)).toEqual(['tokenize', 5, 5]);
  });

  it('rejects malformed reviews and bad options by name', () => {
    expect(() => buildImdb([{ t: 'x', s: 3 }], test)).toThrow(/train review 0: expected \{ t: string, s: 0 \| 1 \}/);
    expect(() => imdbSettings({ numWords: 3 })).toThrow(/numWords: expected more than indexFrom = 3/);
    expect(() => imdbSettings({ oovChar: 1 })).toThrow(/oovChar: expected an id different from startChar/);
    expect(() => imdbSettings({ startChar: 5 })).toThrow(/startChar: expected an id in \[1, indexFrom = 3\)/);
    expect(() => imdbSettings({ truncating: 'mid' as 'pre' })).toThrow(/truncating: expected 'pre' or 'post'/);
    expect(() => imdbSettings({ maxLen: 2.5 })).toThrow(/maxLen: expected a positive integer or null/);
  });
});
