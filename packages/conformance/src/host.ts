// Host-side helpers: seeded random data, and moving float64 host arrays in and out of a backend.
import { Rng, type Backend, type Tensor } from '@rnnkit/core';

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** n values U(-scale, scale) from a seeded core Rng (the same numbers on every backend). */
export function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-scale, scale);
  return out;
}

export function randomInts(rng: Rng, n: number, high: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(high);
  return out;
}

/** Reads a tensor back as float64 (exact for both precisions). */
export async function readF64(b: Backend, t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await b.read(t));
}

/** Reads and disposes. */
export async function take(b: Backend, t: Tensor): Promise<Float64Array> {
  const v = await readF64(b, t);
  b.dispose(t);
  return v;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Float32 copy of a float64 array (the model API's host type). */
export function f32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

/** Rounds through float32 so that float32 and float64 backends start from identical numbers. */
export function roundF32(a: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(a));
}
