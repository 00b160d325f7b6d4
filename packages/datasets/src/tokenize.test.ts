import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize.js';

describe('tokenize', () => {
  it('lowercases and turns <br /> tags into spaces', () => {
    expect(tokenize('Great FILM.<br /><br />Loved it<br/>and<BR>more')).toEqual(['great', 'film', 'loved', 'it', 'and', 'more']);
  });

  it('treats punctuation as a separator', () => {
    expect(tokenize('Well-made, 10/10!!! (really)...ok?')).toEqual(['well', 'made', '10', '10', 'really', 'ok']);
  });

  it('keeps apostrophes inside words and drops quoting apostrophes', () => {
    expect(tokenize("Don't 'cause I said 'the end' rock'n'roll O'Neil's")).toEqual([
      "don't", 'cause', 'i', 'said', 'the', 'end', "rock'n'roll", "o'neil's",
    ]);
    expect(tokenize("''' x' 'y a''b")).toEqual(['x', 'y', "a''b"]);
  });

  it('maps the typographic apostrophe to the ASCII one and keeps non-ASCII letters', () => {
    expect(tokenize('Café’s naïve Ünïcode')).toEqual(["café's", 'naïve', 'ünïcode']);
  });

  it('returns no tokens for empty or punctuation-only text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' .,;<br /> ')).toEqual([]);
  });
});
