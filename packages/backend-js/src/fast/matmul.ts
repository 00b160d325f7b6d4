// Float32 matrix products for the fast path, written for V8: row-major, i-k-j loop order so the
// innermost loop walks contiguous rows of b and out (no strided column reads), k unrolled by 4 and
// two output rows per pass, so each loaded b element feeds 2 multiply-adds and each out element
// is loaded and stored once per 4 k. k is cut into panels of KC rows of b that stay in cache
// while every output row streams past them.
//
// Every matrix is given as (array, offset, leading dimension) so callers can multiply sub-blocks
// (a gate block of a weight matrix, a column range of a gate buffer) without copying.

export type F32 = Float32Array;

const KC = 128;

// out: [M, N] (ldo) = (accumulate ? out : 0) + a: [M, K] (lda) × b: [K, N] (ldb)
export function matmul(
  a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number,
  out: F32, oOff: number, ldo: number,
  M: number, K: number, N: number,
  accumulate: boolean,
): void {
  if (!accumulate) {
    for (let i = 0; i < M; i++) out.fill(0, oOff + i * ldo, oOff + i * ldo + N);
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const k1 = Math.min(K, k0 + KC);
    let i = 0;
    for (; i + 1 < M; i += 2) {
      const a0 = aOff + i * lda;
      const a1 = a0 + lda;
      const o0 = oOff + i * ldo;
      const o1 = o0 + ldo;
      let k = k0;
      for (; k + 3 < k1; k += 4) {
        const x00 = a[a0 + k]!, x01 = a[a0 + k + 1]!, x02 = a[a0 + k + 2]!, x03 = a[a0 + k + 3]!;
        const x10 = a[a1 + k]!, x11 = a[a1 + k + 1]!, x12 = a[a1 + k + 2]!, x13 = a[a1 + k + 3]!;
        const b0 = bOff + k * ldb;
        const b1 = b0 + ldb;
        const b2 = b1 + ldb;
        const b3 = b2 + ldb;
        for (let j = 0; j < N; j++) {
          const y0 = b[b0 + j]!, y1 = b[b1 + j]!, y2 = b[b2 + j]!, y3 = b[b3 + j]!;
          out[o0 + j] = out[o0 + j]! + x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
          out[o1 + j] = out[o1 + j]! + x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
        }
      }
      for (; k < k1; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!;
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) {
          const y = b[b0 + j]!;
          out[o0 + j] = out[o0 + j]! + x0 * y;
          out[o1 + j] = out[o1 + j]! + x1 * y;
        }
      }
    }
    if (i < M) {
      const a0 = aOff + i * lda;
      const o0 = oOff + i * ldo;
      let k = k0;
      for (; k + 3 < k1; k += 4) {
        const x0 = a[a0 + k]!, x1 = a[a0 + k + 1]!, x2 = a[a0 + k + 2]!, x3 = a[a0 + k + 3]!;
        const b0 = bOff + k * ldb;
        const b1 = b0 + ldb;
        const b2 = b1 + ldb;
        const b3 = b2 + ldb;
        for (let j = 0; j < N; j++) {
          out[o0 + j] = out[o0 + j]! + x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]!;
        }
      }
      for (; k < k1; k++) {
        const x0 = a[a0 + k]!;
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) out[o0 + j] = out[o0 + j]! + x0 * b[b0 + j]!;
      }
    }
  }
}

// a: [rows, cols] (lda, from aOff)  →  [cols, rows], contiguous
export function transpose(a: F32, aOff: number, lda: number, rows: number, cols: number): F32 {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const ar = aOff + r * lda;
    for (let c = 0; c < cols; c++) t[c * rows + r] = a[ar + c]!;
  }
  return t;
}

// out: [M, N] (ldo) = (accumulate ? out : 0) + aᵀ × b, with a: [K, M] (lda) and b: [K, N] (ldb).
// Used for weight gradients summed over every (sample, step) row: dW = dGatesᵀ · X.
// a is transposed once so the product runs in matmul's contiguous i-k-j order.
export function matmulTN(
  a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number,
  out: F32, oOff: number, ldo: number,
  M: number, K: number, N: number,
  accumulate: boolean,
): void {
  if (N < 64 && M > N) {
    // A narrow b (dW_ih = dGatesᵀ·X with few input features) would make the inner loop short;
    // compute outᵀ = bᵀ·a instead, whose inner loop runs over the long M axis, and transpose back.
    const bt = transpose(b, bOff, ldb, K, N);
    const tmp = new Float32Array(N * M);
    matmul(bt, 0, K, a, aOff, lda, tmp, 0, M, N, K, M, false);
    for (let i = 0; i < M; i++) {
      const o = oOff + i * ldo;
      for (let j = 0; j < N; j++) out[o + j] = (accumulate ? out[o + j]! : 0) + tmp[j * M + i]!;
    }
    return;
  }
  const at = transpose(a, aOff, lda, K, M);
  matmul(at, 0, K, b, bOff, ldb, out, oOff, ldo, M, K, N, accumulate);
}

// a: [rows, cols] (lda)  →  out[c] = Σ_r a[r, c] (the bias gradient)
export function columnSums(a: F32, aOff: number, lda: number, rows: number, cols: number): F32 {
  const out = new Float32Array(cols);
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const ar = aOff + r * lda;
    for (let c = 0; c < cols; c++) acc[c] = acc[c]! + a[ar + c]!;
  }
  out.set(acc);
  return out;
}
