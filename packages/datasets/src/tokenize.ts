// The word tokenizer used for IMDB (shared/DATA.md): lowercase, `<br />` → space, punctuation → space,
// split on whitespace.
//
// Decisions, so results are reproducible and explainable:
// - Letters and digits of any script (Unicode \p{L}, \p{M}, \p{N}) are word characters; everything
//   else is a separator. So "well-made" → "well", "made"; "10/10" → "10", "10"; "café" stays one word.
// - Apostrophes INSIDE a word are kept ("don't", "it's", "costner's" stay one token, as in Keras'
//   Tokenizer, whose filters do not include the apostrophe); apostrophes at a word's start or end are
//   quotes and are dropped ("'cause" → "cause", "'the end'" → "the", "end"). The typographic
//   apostrophe ’ (U+2019) counts as an apostrophe.

const BREAK = /<br\s*\/?>/gi;
// Any run of characters that is not a letter, mark, digit or apostrophe.
const SEPARATORS = /[^\p{L}\p{M}\p{N}']+/gu;
// A run of apostrophes at the start or the end of a word (runs inside a word are kept whole).
const OUTER_APOSTROPHES = /(?<![\p{L}\p{M}\p{N}'])'+|'+(?![\p{L}\p{M}\p{N}'])/gu;

export function tokenize(text: string): string[] {
  const cleaned = text
    .toLowerCase()
    .replace(BREAK, ' ')
    .replaceAll('\u2019', "'")
    .replace(SEPARATORS, ' ')
    .replace(OUTER_APOSTROPHES, ' ');
  return cleaned.split(' ').filter((w) => w.length > 0);
}
