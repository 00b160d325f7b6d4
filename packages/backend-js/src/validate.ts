// Input validation shared by every kernel: errors name the kernel, the argument, the expected
// and the actual value, so a shape mistake in core is found from the message alone.

export function shapeString(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShapeValid(where: string, arg: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new Error(`${where}: ${arg}: expected an array of dimensions, got ${String(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(
        `${where}: ${arg}: dimension ${i} must be a non-negative integer, got ${String(d)} in ${shapeString(shape)}`,
      );
    }
  }
}

/**
 * Check `actual` against `expected`, where each expected entry is a number or a symbolic name
 * followed by its resolved value (e.g. `['B', 2]`). `why` explains where the expected values come from.
 */
export function checkShape(
  where: string,
  arg: string,
  actual: readonly number[],
  expected: readonly (readonly [string, number] | number)[],
  why = '',
): void {
  const ok =
    actual.length === expected.length &&
    expected.every((e, i) => (typeof e === 'number' ? e : e[1]) === actual[i]);
  if (ok) return;
  const symbolic = expected.map((e) => (typeof e === 'number' ? String(e) : e[0]));
  const resolved = expected.map((e) => (typeof e === 'number' ? e : e[1]));
  const names = symbolic.join(', ');
  const nums = resolved.join(', ');
  const shown = names === nums ? `[${nums}]` : `[${names}] = [${nums}]`;
  throw new Error(`${where}: ${arg}: expected ${shown}${why ? ` ${why}` : ''}, got ${shapeString(actual)}`);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
