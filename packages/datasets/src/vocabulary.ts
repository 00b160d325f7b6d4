// Word ids for IMDB, with Keras' `imdb.load_data` conventions: 0 = padding, `startChar` (1) opens
// every review, `oovChar` (2) stands for words left out, and the word of frequency rank r (0-based)
// has id `indexFrom + r` (3 + r). DATA.md puts the most frequent word at 3; Keras' own pre-built
// index starts its words at 1 + index_from = 4, so ids are not interchangeable with Keras' files.

export interface VocabularySettings {
  /** Keep words whose id is < numWords (Keras semantics: the limit counts ids, reserved ones included). Infinity keeps all. */
  readonly numWords: number;
  /** The `skipTop` most frequent words are replaced by `oovChar` (or dropped if `oovChar` is null). */
  readonly skipTop: number;
  /** Id put in front of every review; null for none. */
  readonly startChar: number | null;
  /** Id for a word outside the kept range; null drops such words (Keras' `oov_char=None`). */
  readonly oovChar: number | null;
  /** Id of the most frequent word. */
  readonly indexFrom: number;
}

export const PAD_ID = 0;

export class Vocabulary {
  /** Every word of the training split, most frequent first: `words[r]` has id `indexFrom + r`. */
  readonly words: readonly string[];
  /** Every training word → its id (also the words that `numWords`/`skipTop` turn into `oovChar`). */
  readonly wordIndex: ReadonlyMap<string, number>;
  readonly settings: VocabularySettings;

  constructor(words: readonly string[], settings: VocabularySettings) {
    this.words = words;
    this.settings = settings;
    this.wordIndex = new Map(words.map((w, r) => [w, settings.indexFrom + r]));
  }

  /** The number of word ids kept in the encoded data: ids in [indexFrom + skipTop, min(numWords, indexFrom + words.length)). */
  get keptWords(): number {
    const { numWords, skipTop, indexFrom } = this.settings;
    return Math.max(0, Math.min(numWords, indexFrom + this.words.length) - indexFrom - skipTop);
  }

  /** Whether id is a word id the encoded data keeps (not skipped, below numWords). */
  isKept(id: number): boolean {
    const { numWords, skipTop, indexFrom } = this.settings;
    return id >= indexFrom + skipTop && id < numWords && id < indexFrom + this.words.length;
  }

  /** The id a word gets in the encoded data: its own id if kept, else `oovChar` (null if dropped). */
  encodeWord(word: string): number | null {
    const id = this.wordIndex.get(word);
    return id !== undefined && this.isKept(id) ? id : this.settings.oovChar;
  }

  /**
   * Ids back to text: padding is skipped, the start and OOV ids read `<start>` and `<oov>`, other ids
   * their word (`<unk:ID>` for an id no word has).
   */
  decode(ids: ArrayLike<number>): string {
    const { startChar, oovChar, indexFrom } = this.settings;
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === PAD_ID) continue;
      if (id === startChar) out.push('<start>');
      else if (id === oovChar) out.push('<oov>');
      else out.push(this.words[id - indexFrom] ?? `<unk:${id}>`);
    }
    return out.join(' ');
  }
}

/** Checks the id settings and returns them normalised; throws naming the bad option. */
export function checkVocabularySettings(s: VocabularySettings): VocabularySettings {
  const nonNegInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: expected a non-negative integer, got ${v}`);
  };
  if (!(s.numWords === Infinity || (Number.isInteger(s.numWords) && s.numWords > 0))) {
    throw new Error(`numWords: expected a positive integer or Infinity, got ${s.numWords}`);
  }
  nonNegInt('skipTop', s.skipTop);
  nonNegInt('indexFrom', s.indexFrom);
  for (const [name, v] of [['startChar', s.startChar], ['oovChar', s.oovChar]] as const) {
    if (v === null) continue;
    nonNegInt(name, v);
    if (v === PAD_ID || v >= s.indexFrom) {
      throw new Error(`${name}: expected an id in [1, indexFrom = ${s.indexFrom}) (0 is padding, words start at indexFrom), got ${v}`);
    }
  }
  if (s.startChar !== null && s.startChar === s.oovChar) {
    throw new Error(`oovChar: expected an id different from startChar (${s.startChar}), got ${s.oovChar}`);
  }
  if (s.numWords <= s.indexFrom) {
    throw new Error(`numWords: expected more than indexFrom = ${s.indexFrom} (numWords counts ids, reserved ones included), got ${s.numWords}`);
  }
  return s;
}
