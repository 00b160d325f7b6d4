// Dense (PyTorch Linear), float32 fast path: y = x wᵀ + b as one matrix product.

import { columnSums, matmul, matmulNT, matmulTN } from './matmul.js';

// x: [N, I]  w: [U, I]  b: [U]  →  y: [N, U]
export function denseForward(x: Float32Array, w: Float32Array, b: Float32Array, N: number, I: number, U: number): Float32Array {
  const y = new Float32Array(N * U);
  for (let n = 0; n < N; n++) y.set(b, n * U);
  matmulNT(x, 0, I, w, 0, I, y, 0, U, N, I, U, true);
  return y;
}

// x: [N, I]  w: [U, I]  dy: [N, U]  →  dx: [N, I] = dy w, dw: [U, I] = dyᵀ x, db: [U] = Σ_n dy
export function denseBackward(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  N: number,
  I: number,
  U: number,
): { dx: Float32Array; dw: Float32Array; db: Float32Array } {
  const dx = new Float32Array(N * I);
  matmul(dy, 0, U, w, 0, I, dx, 0, I, N, U, I, false);
  const dw = new Float32Array(U * I);
  matmulTN(dy, 0, U, x, 0, I, dw, 0, I, U, N, I, false);
  return { dx, dw, db: columnSums(dy, 0, U, N, U) };
}
