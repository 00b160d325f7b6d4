// Input validation: errors name the kernel, the argument, the expected and the actual value.

import type { Tensor } from '@rnnkit/core';

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkDims(where: string, arg: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new Error(`${where}: ${arg}: expected an array of dimensions, got ${String(shape)}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: ${arg}: dimension ${i} must be a non-negative integer, got ${String(d)} in ${shapeString(shape)}`);
    }
  });
}

/** Expected entries are numbers or `[name, value]` pairs, e.g. `['B', 2]`, so the message shows both. */
export function checkShape(
  where: string,
  arg: string,
  t: Tensor,
  expected: readonly (readonly [string, number] | number)[],
): void {
  const actual = t.shape;
  const ok = actual.length === expected.length && expected.every((e, i) => (typeof e === 'number' ? e : e[1]) === actual[i]);
  if (ok) return;
  const names = expected.map((e) => (typeof e === 'number' ? String(e) : e[0])).join(', ');
  const nums = expected.map((e) => (typeof e === 'number' ? e : e[1])).join(', ');
  const shown = names === nums ? `[${nums}]` : `[${names}] = [${nums}]`;
  throw new Error(`${where}: ${arg}: expected shape ${shown}, got ${shapeString(actual)}`);
}

export function checkRank(where: string, arg: string, t: Tensor, rank: number, what: string): void {
  if (t.shape.length !== rank) {
    throw new Error(`${where}: ${arg}: expected rank ${rank} ${what}, got shape ${shapeString(t.shape)}`);
  }
}

export function checkDtype(where: string, arg: string, t: Tensor, dtype: Tensor['dtype']): void {
  if (t.dtype !== dtype) throw new Error(`${where}: ${arg}: expected dtype ${dtype}, got ${t.dtype}`);
}

export function checkSameShape(where: string, argA: string, a: Tensor, argB: string, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${where}: ${argB}: expected the shape of ${argA} ${shapeString(a.shape)}, got ${shapeString(b.shape)}`);
  }
}

export function checkFinite(where: string, arg: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${arg}: expected a finite number, got ${String(v)}`);
}
