// A fixed character vocabulary: reserved special tokens first (ids 0, 1, …), then one id per
// character. Special tokens are recognised by name: `<pad>` (skipped when decoding), `<unk>` (what
// an unknown character encodes to), `<bos>` (skipped when decoding) and `<eos>` (decoding stops there).

export const PAD = '<pad>';
export const UNK = '<unk>';
export const BOS = '<bos>';
export const EOS = '<eos>';

export class CharVocabulary {
  /** id → token: the special names, then single characters. */
  readonly tokens: readonly string[];
  readonly pad: number | undefined;
  readonly unk: number | undefined;
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  private readonly index: ReadonlyMap<string, number>;

  constructor(specials: readonly string[], chars: string) {
    const charList = Array.from(chars);
    this.tokens = [...specials, ...charList];
    const index = new Map<string, number>();
    charList.forEach((c, i) => {
      if (index.has(c)) throw new Error(`CharVocabulary: chars: expected distinct characters, got ${JSON.stringify(c)} twice`);
      index.set(c, specials.length + i);
    });
    this.index = index;
    const role = (name: string) => (specials.includes(name) ? specials.indexOf(name) : undefined);
    this.pad = role(PAD);
    this.unk = role(UNK);
    this.bos = role(BOS);
    this.eos = role(EOS);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of one character, or undefined. */
  id(char: string): number | undefined {
    return this.index.get(char);
  }

  /** One id per character; an unknown one becomes `<unk>`, or throws where there is none. */
  encode(text: string): Int32Array {
    const chars = Array.from(text);
    const out = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.index.get(c) ?? this.unk;
      if (id === undefined) {
        throw new Error(`CharVocabulary.encode: character ${JSON.stringify(c)} at ${i} of ${JSON.stringify(text)} is not in the vocabulary: expected one of ${JSON.stringify([...this.index.keys()].join(''))}`);
      }
      out[i] = id;
    });
    return out;
  }

  /**
   * Ids back to text: `<pad>` and `<bos>` are skipped, `<eos>` ends the text, `<unk>` reads U+FFFD.
   * An id outside the vocabulary throws.
   */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === this.eos) break;
      if (id === this.pad || id === this.bos) continue;
      if (id === this.unk) out += '\uFFFD';
      else {
        // A special token without a role (none of the four names) reads as its name.
        const token = Number.isInteger(id) && id >= 0 ? this.tokens[id] : undefined;
        if (token === undefined) throw new Error(`CharVocabulary.decode: ids[${i}]: expected an id in [0, ${this.size}), got ${id}`);
        out += token;
      }
    }
    return out;
  }
}
