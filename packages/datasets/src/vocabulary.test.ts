import { describe, expect, it } from 'vitest';
import { Vocabulary } from './vocabulary.js';

const settings = { numWords: 6, skipTop: 1, startChar: 1, oovChar: 2, indexFrom: 3 };
const vocab = new Vocabulary(['the', 'film', 'good', 'bad'], settings);

describe('Vocabulary', () => {
  it('gives every train word its id and encodes only kept ids', () => {
    expect([...vocab.wordIndex]).toEqual([['the', 3], ['film', 4], ['good', 5], ['bad', 6]]);
    // skipTop 1 drops 'the'; numWords 6 keeps ids < 6.
    expect(['the', 'film', 'good', 'bad', 'never'].map((w) => vocab.encodeWord(w))).toEqual([2, 4, 5, 2, 2]);
    expect(vocab.keptWords).toBe(2);
  });

  it('decodes ids, skipping padding and naming reserved and unknown ids', () => {
    expect(vocab.decode([0, 0, 1, 4, 2, 6, 99])).toBe('<start> film <oov> bad <unk:99>');
    expect(vocab.decode(Int32Array.from([0, 0]))).toBe('');
  });
});
