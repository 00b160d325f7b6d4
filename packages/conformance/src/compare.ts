// Array comparison that says exactly what went wrong: how many values differ, the first failing
// index (also as a multi-index when the shape is known), both values, and the largest error.

export interface Comparison {
  readonly ok: boolean;
  readonly count: number;
  /** Values beyond tolerance. */
  readonly failures: number;
  readonly firstIndex: number;
  readonly maxError: number;
  readonly maxErrorIndex: number;
  readonly message: string;
}

function multiIndex(flat: number, shape: readonly number[] | undefined): string {
  if (!shape || shape.length < 2) return '';
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return ` [${idx.join(', ')}]`;
}

/**
 * Compares element-wise with |actual − expected| ≤ tol · max(1, |expected|). NaN or infinite
 * values fail unless both sides hold the same infinity.
 */
export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what = 'values',
  shape?: readonly number[],
): Comparison {
  if (actual.length !== expected.length) {
    const message = `${what}: expected ${expected.length} values${shape ? ` (shape [${shape.join(', ')}])` : ''}, got ${actual.length}`;
    return { ok: false, count: actual.length, failures: Math.max(actual.length, expected.length), firstIndex: 0, maxError: Infinity, maxErrorIndex: 0, message };
  }
  let failures = 0;
  let firstIndex = -1;
  let maxError = 0;
  let maxErrorIndex = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const same = Object.is(a, e) || a === e;
    const err = same ? 0 : Math.abs(a - e);
    // Non-finite values only match themselves (tol · ∞ would accept anything).
    const bad = !same && (!Number.isFinite(a) || !Number.isFinite(e) || err > tol * Math.max(1, Math.abs(e)));
    if (bad) {
      failures++;
      if (firstIndex < 0) firstIndex = i;
    }
    // A NaN error is the worst there is; the first one stays reported as the max.
    if (!Number.isNaN(maxError) && (Number.isNaN(err) || err > maxError)) {
      maxError = err;
      maxErrorIndex = i;
    }
  }
  const ok = failures === 0;
  const message = ok
    ? `${what}: ${expected.length} values within ${tol}, max |diff| ${maxError}`
    : `${what}: ${failures} of ${expected.length} values differ beyond ${tol}·max(1, |reference|); ` +
      `first at index ${firstIndex}${multiIndex(firstIndex, shape)}: got ${actual[firstIndex]}, reference ${expected[firstIndex]} ` +
      `(|diff| ${Math.abs(actual[firstIndex]! - expected[firstIndex]!)}); ` +
      `max |diff| ${maxError} at index ${maxErrorIndex}${multiIndex(maxErrorIndex, shape)} ` +
      `(got ${actual[maxErrorIndex]}, reference ${expected[maxErrorIndex]})`;
  return { ok, count: expected.length, failures, firstIndex, maxError, maxErrorIndex, message };
}

/** Throws an Error with `compareArrays`'s message when any value is out of tolerance. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what = 'values',
  shape?: readonly number[],
): void {
  const c = compareArrays(actual, expected, tol, what, shape);
  if (!c.ok) throw new Error(c.message);
}

/** Throws unless every value is exactly equal (bit-identical runs, exact zeros). */
export function expectEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'values', shape?: readonly number[]): void {
  expectClose(actual, expected, 0, what, shape);
}
