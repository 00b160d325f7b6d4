import { describe, expect, it } from 'vitest';
import { BOS, CharVocabulary, EOS, PAD, UNK } from './char-vocabulary.js';

describe('CharVocabulary', () => {
  it('puts the specials first, then one id per character, and finds their roles by name', () => {
    const v = new CharVocabulary([PAD, BOS, EOS], 'ab');
    expect(v.tokens).toEqual(['<pad>', '<bos>', '<eos>', 'a', 'b']);
    expect([v.pad, v.bos, v.eos, v.unk, v.size]).toEqual([0, 1, 2, undefined, 5]);
    expect(Array.from(v.encode('bab'))).toEqual([4, 3, 4]);
  });

  it('decodes skipping <pad>/<bos>, stopping at <eos>, <unk> as U+FFFD', () => {
    const v = new CharVocabulary([PAD, UNK, BOS, EOS], 'xy');
    expect(v.decode([2, 4, 1, 5, 3, 4, 4])).toBe('x\uFFFDy');
    expect(v.decode([4, 0, 0, 5])).toBe('xy');
    expect(Array.from(v.encode('xzy'))).toEqual([4, 1, 5]);
  });

  it('names the character or id it cannot handle, and rejects duplicate characters', () => {
    const v = new CharVocabulary([PAD], 'ab');
    expect(() => v.encode('abc')).toThrow('CharVocabulary.encode: character "c" at 2 of "abc" is not in the vocabulary: expected one of "ab"');
    expect(() => v.decode([1, 7])).toThrow('CharVocabulary.decode: ids[1]: expected an id in [0, 3), got 7');
    expect(() => new CharVocabulary([], 'aba')).toThrow('chars: expected distinct characters, got "a" twice');
  });
});
