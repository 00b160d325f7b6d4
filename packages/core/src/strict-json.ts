// JSON for files rnnkit did not necessarily write (checkpoint headers and their metadata). It
// differs from JSON.parse in what it refuses: a key twice in one object (JSON.parse silently keeps
// the last, so a tampered file could hide a second value behind the first), nesting deeper than
// `maxDepth` (a hostile header could otherwise exhaust the stack), and `__proto__` keys, which
// would replace an object's prototype when the value is copied with spread or Object.assign.
// Values are what JSON.parse returns; objects keep the key order of the text.

export class StrictJsonError extends Error {}

export function parseStrictJson(text: string, maxDepth = 32): unknown {
  let pos = 0;
  const fail = (why: string): never => {
    throw new StrictJsonError(`${why} at position ${pos}`);
  };
  const space = () => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\n' || text[pos] === '\r' || text[pos] === '\t')) pos++;
  };
  const string = (): string => {
    const start = pos;
    pos++; // the opening quote
    while (pos < text.length && text[pos] !== '"') {
      const c = text.charCodeAt(pos);
      if (c < 0x20) fail('control character in a string');
      pos += text[pos] === '\\' ? 2 : 1;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    // JSON.parse checks the escapes; the scan above only found where the string ends.
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (depth: number): unknown => {
    space();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      pos++;
      space();
      const close = c === '{' ? '}' : ']';
      const out: Record<string, unknown> | unknown[] = c === '{' ? {} : [];
      if (text[pos] === close) {
        pos++;
        return out;
      }
      for (;;) {
        if (c === '{') {
          space();
          if (text[pos] !== '"') fail('expected a key');
          const keyAt = pos;
          const key = string();
          if (key === '__proto__') (pos = keyAt), fail("key '__proto__' is not allowed");
          if (Object.hasOwn(out, key)) (pos = keyAt), fail(`key '${key}' appears twice in one object`);
          space();
          if (text[pos] !== ':') fail("expected ':'");
          pos++;
          (out as Record<string, unknown>)[key] = value(depth + 1);
        } else {
          (out as unknown[]).push(value(depth + 1));
        }
        space();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === close) {
          pos++;
          return out;
        }
        fail(`expected ',' or '${close}'`);
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 64));
    if (!literal) return fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    pos += literal[0].length;
    return JSON.parse(literal[0]) as unknown;
  };
  const result = value(0);
  space();
  if (pos !== text.length) fail('unexpected text after the value');
  return result;
}
