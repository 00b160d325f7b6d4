// The backend primitives (backend.ts) as loops over host arrays, precision-generic: the result
// has the array type of the first operand. backend-js runs them directly; a backend whose
// tensors live on the host (onnx on its CPU provider) can too. Shapes are checked by core's
// checked backend before any of these run.
import type { Activation, FloatArray } from '../backend.js';
import { allocLike } from './alloc.js';

type Any = FloatArray | Int32Array;

function like<A extends Any>(x: A, n: number): A {
  if (x instanceof Int32Array) return new Int32Array(n) as A;
  return allocLike(x as FloatArray, n) as A;
}

/** op(a): [M, K], op(b): [K, N] → [M, N]; a stored [M, K] (or [K, M] when transposeA), b [K, N] (or [N, K]). */
export function matmul<A extends FloatArray>(a: A, b: FloatArray, M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): A {
  const out = allocLike(a, M * N);
  if (transposeB) {
    // bᵀ: rows of b are contiguous along k, so each output is one dot product.
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const r = j * K;
        if (transposeA) for (let k = 0; k < K; k++) acc += a[k * M + i]! * b[r + k]!;
        else {
          const ar = i * K;
          for (let k = 0; k < K; k++) acc += a[ar + k]! * b[r + k]!;
        }
        out[i * N + j] = acc;
      }
    }
    return out;
  }
  // i-k-j order: the inner loop runs along contiguous rows of b and of the result.
  for (let i = 0; i < M; i++) {
    const o = i * N;
    for (let k = 0; k < K; k++) {
      const av = transposeA ? a[k * M + i]! : a[i * K + k]!;
      const r = k * N;
      for (let j = 0; j < N; j++) out[o + j] = out[o + j]! + av * b[r + j]!;
    }
  }
  return out;
}

export function add<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

export function sub<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

export function mul<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

export function affine<A extends FloatArray>(x: A, scale: number, shift: number): A {
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * scale + shift;
  return out;
}

/** x: [N, K], b: [K] → x + b per row */
export function addRow<A extends FloatArray>(x: A, b: FloatArray): A {
  const K = b.length;
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i += K) for (let k = 0; k < K; k++) out[i + k] = x[i + k]! + b[k]!;
  return out;
}

/** x: [N, K] → [K] */
export function sumRows<A extends FloatArray>(x: A, K: number): A {
  const out = allocLike(x, K);
  for (let i = 0; i < x.length; i += K) for (let k = 0; k < K; k++) out[k] = out[k]! + x[i + k]!;
  return out;
}

function sigmoidOf(z: number): number {
  // Stable on both sides: exp of a non-positive number only.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function activation<A extends FloatArray>(f: Activation, x: A): A {
  const out = allocLike(x, x.length);
  switch (f) {
    case 'sigmoid':
      for (let i = 0; i < x.length; i++) out[i] = sigmoidOf(x[i]!);
      break;
    case 'tanh':
      for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i]!);
      break;
    case 'relu':
      for (let i = 0; i < x.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
      break;
  }
  return out;
}

export function activationGrad<A extends FloatArray>(f: Activation, y: A, dy: FloatArray): A {
  const out = allocLike(y, y.length);
  switch (f) {
    case 'sigmoid':
      for (let i = 0; i < y.length; i++) out[i] = dy[i]! * y[i]! * (1 - y[i]!);
      break;
    case 'tanh':
      for (let i = 0; i < y.length; i++) out[i] = dy[i]! * (1 - y[i]! * y[i]!);
      break;
    case 'relu':
      for (let i = 0; i < y.length; i++) out[i] = y[i]! > 0 ? dy[i]! : 0;
      break;
  }
  return out;
}

/** Outer, axis and inner extents of `shape` around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

export function slice<A extends Any>(x: A, shape: readonly number[], axis: number, start: number, size: number): A {
  const [outer, n, inner] = around(shape, axis);
  const out = like(x, outer * size * inner);
  const run = size * inner;
  for (let o = 0; o < outer; o++) out.set(x.subarray((o * n + start) * inner, (o * n + start) * inner + run), o * run);
  return out;
}

export function concat<A extends Any>(xs: readonly A[], shapes: readonly (readonly number[])[], axis: number): A {
  const [outer, , inner] = around(shapes[0]!, axis);
  const total = shapes.reduce((a, s) => a + s[axis]!, 0);
  const out = like(xs[0]!, outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    xs.forEach((x, i) => {
      const run = shapes[i]![axis]! * inner;
      out.set(x.subarray(o * run, (o + 1) * run), at);
      at += run;
    });
  }
  return out;
}

/** Σ x² over every array. */
export function sumSquares(xs: readonly FloatArray[]): number {
  let s = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}
