import type { FloatArray } from '../backend.js';

/** A zeroed array of the same precision as `like`. */
export function allocLike<A extends FloatArray>(like: A, n: number): A {
  return (like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n)) as A;
}
