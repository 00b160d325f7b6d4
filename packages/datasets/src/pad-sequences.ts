// Keras' `pad_sequences` for int id sequences: pad with 0 and cut to a common length.

export type PadSide = 'pre' | 'post';

export interface PadOptions {
  /** Common length; undefined pads to the longest sequence. */
  maxLen?: number | undefined;
  /** Where the zeros go: 'pre' (default, as Keras) puts them in front. */
  padding?: PadSide;
  /** Which end a too long sequence loses: 'pre' (default, as Keras) keeps its last maxLen ids. */
  truncating?: PadSide;
}

/**
 * sequences: N id arrays → x: [N, L] int32 (row-major) and `kept[n]` = how many of sequence n's ids
 * are in x (its length, or L when truncated).
 */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  options: PadOptions = {},
): { x: Int32Array; shape: [number, number]; kept: Int32Array } {
  const { maxLen, padding = 'pre', truncating = 'pre' } = options;
  checkSide('padding', padding);
  checkSide('truncating', truncating);
  if (maxLen !== undefined && (!Number.isInteger(maxLen) || maxLen < 1)) {
    throw new Error(`maxLen: expected a positive integer or undefined (pad to the longest), got ${maxLen}`);
  }
  const n = sequences.length;
  let len = maxLen ?? 0;
  if (maxLen === undefined) for (const s of sequences) len = Math.max(len, s.length);
  const x = new Int32Array(n * len);
  const kept = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = sequences[i]!;
    const k = Math.min(s.length, len);
    const from = truncating === 'pre' ? s.length - k : 0;
    const to = i * len + (padding === 'pre' ? len - k : 0);
    for (let j = 0; j < k; j++) x[to + j] = s[from + j]!;
    kept[i] = k;
  }
  return { x, shape: [n, len], kept };
}

function checkSide(name: string, v: string): void {
  if (v !== 'pre' && v !== 'post') throw new Error(`${name}: expected 'pre' or 'post', got ${JSON.stringify(v)}`);
}
