// Float32 matrix products for the fast path, written for V8, which compiles these loops to scalar
// double arithmetic (no SIMD), so speed comes from register tiles: independent accumulators that
// hide the add latency, and each loaded element feeding several multiply-adds.
//
// - matmulNT (a × bᵀ, dot products of contiguous rows) carries every recurrent product: about
//   2.3 G multiply-adds/s per core here, against 2.0 for matmul's i-k-j form. It runs over the
//   whole K at once: with 7 streamed rows the loads stay ahead of the arithmetic, and K panels of
//   256–1024 measured no faster on [512, 3584] × [128, 3584]ᵀ.
// - matmul (i-k-j, rows of b and out contiguous, K cut into panels that stay in cache) remains
//   for the dense layer's input gradient, whose weights are stored [U, I].
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
// Used for weight gradients summed over every (sample, step) row: dW = dGatesᵀ · X. Both operands
// are transposed once (a few ms for the largest, [B·T, 4H]) so the product runs as matmulNT's dot
// products along the long B·T axis, about 10% faster than matmul's i-k-j order on that shape.
export function matmulTN(
  a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number,
  out: F32, oOff: number, ldo: number,
  M: number, K: number, N: number,
  accumulate: boolean,
): void {
  matmulNT(transpose(a, aOff, lda, K, M), 0, K, transpose(b, bOff, ldb, K, N), 0, K, out, oOff, ldo, M, K, N, accumulate);
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

// out: [M, N] (ldo) = (accumulate ? out : 0) + a: [M, K] (lda) × bᵀ, with b: [N, K] (ldb).
// The "transposed-B" form: every output is a dot product of two contiguous rows, computed as a
// 3 × 4 register tile (twelve independent accumulators, seven loads per twelve multiply-adds, no
// stores inside the k loop: 19 live doubles, about what x64's 16 vector registers hold with V8's
// spills; 3 × 3, 4 × 2 and 4 × 4 measured 2–4% slower). The fastest of these kernels in V8, and
// it takes PyTorch-layout weights ([G·H, I]) as b without transposing them.
export function matmulNT(
  a: F32, aOff: number, lda: number,
  b: F32, bOff: number, ldb: number,
  out: F32, oOff: number, ldo: number,
  M: number, K: number, N: number,
  accumulate: boolean,
): void {
  let i = 0;
  for (; i + 2 < M; i += 3) {
    const a0 = aOff + i * lda;
    const a1 = a0 + lda;
    const a2 = a1 + lda;
    const o0 = oOff + i * ldo;
    const o1 = o0 + ldo;
    const o2 = o1 + ldo;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bOff + j * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!, x2 = a[a2 + k]!;
        const y0 = b[b0 + k]!, y1 = b[b1 + k]!, y2 = b[b2 + k]!, y3 = b[b3 + k]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
      }
      if (accumulate) {
        s00 += out[o0 + j]!; s01 += out[o0 + j + 1]!; s02 += out[o0 + j + 2]!; s03 += out[o0 + j + 3]!;
        s10 += out[o1 + j]!; s11 += out[o1 + j + 1]!; s12 += out[o1 + j + 2]!; s13 += out[o1 + j + 3]!;
        s20 += out[o2 + j]!; s21 += out[o2 + j + 1]!; s22 += out[o2 + j + 2]!; s23 += out[o2 + j + 3]!;
      }
      out[o0 + j] = s00; out[o0 + j + 1] = s01; out[o0 + j + 2] = s02; out[o0 + j + 3] = s03;
      out[o1 + j] = s10; out[o1 + j + 1] = s11; out[o1 + j + 2] = s12; out[o1 + j + 3] = s13;
      out[o2 + j] = s20; out[o2 + j + 1] = s21; out[o2 + j + 2] = s22; out[o2 + j + 3] = s23;
    }
    for (; j < N; j++) {
      const bj = bOff + j * ldb;
      dotInto(a, a0, b, bj, K, out, o0 + j, accumulate);
      dotInto(a, a1, b, bj, K, out, o1 + j, accumulate);
      dotInto(a, a2, b, bj, K, out, o2 + j, accumulate);
    }
  }
  // The last M mod 3 rows: 1 × 4 tiles (a batch block of 64 rows leaves one).
  for (; i < M; i++) {
    const a0 = aOff + i * lda;
    const o0 = oOff + i * ldo;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bOff + j * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!;
        s0 += x0 * b[b0 + k]!; s1 += x0 * b[b1 + k]!; s2 += x0 * b[b2 + k]!; s3 += x0 * b[b3 + k]!;
      }
      if (accumulate) {
        s0 += out[o0 + j]!; s1 += out[o0 + j + 1]!; s2 += out[o0 + j + 2]!; s3 += out[o0 + j + 3]!;
      }
      out[o0 + j] = s0; out[o0 + j + 1] = s1; out[o0 + j + 2] = s2; out[o0 + j + 3] = s3;
    }
    for (; j < N; j++) dotInto(a, a0, b, bOff + j * ldb, K, out, o0 + j, accumulate);
  }
}

function dotInto(a: F32, ai: number, b: F32, bj: number, K: number, out: F32, o: number, accumulate: boolean): void {
  let s = 0;
  for (let k = 0; k < K; k++) s += a[ai + k]! * b[bj + k]!;
  out[o] = accumulate ? out[o]! + s : s;
}

/** dst[dOff .. dOff + n) = src[sOff .. sOff + n), without creating a subarray view per call. */
export function copyRange(src: F32, sOff: number, dst: F32, dOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = src[sOff + i]!;
}

/**
 * The weight-side gradients of one recurrent direction, each one product over all B·T rows once
 * the time loop has filled dA (the gradients of the G·H pre-activations of every step):
 * dA: [BT, GH]  x: [BT, I]  hPrev: [BT, H]  wIh: [GH, I]  →  dx: [BT, I], dWIh: [GH, I], dWHh: [GH, H], dB: [GH]
 */
export function sequenceGradients(
  dA: F32, x: F32, hPrev: F32, wIh: F32, BT: number, GH: number, I: number, H: number,
): { dx: F32; dWIh: F32; dWHh: F32; dB: F32 } {
  const dx = new Float32Array(BT * I);
  matmulNT(dA, 0, GH, transpose(wIh, 0, I, GH, I), 0, GH, dx, 0, I, BT, GH, I, false);
  // dW = dAᵀ · X as matmulNT's dot products along B·T, with dA transposed once for both.
  const dAT = transpose(dA, 0, GH, BT, GH); // [GH, BT]
  const dWIh = new Float32Array(GH * I);
  matmulNT(dAT, 0, BT, transpose(x, 0, I, BT, I), 0, BT, dWIh, 0, I, GH, BT, I, false);
  const dWHh = new Float32Array(GH * H);
  matmulNT(dAT, 0, BT, transpose(hPrev, 0, H, BT, H), 0, BT, dWHh, 0, H, GH, BT, H, false);
  return { dx, dWIh, dWHh, dB: columnSums(dA, 0, GH, BT, GH) };
}

/**
 * op(a) × op(b) for the backend's matmul primitive, on the tiled kernels above:
 * op(a): [M, K], op(b): [K, N] → [M, N], with a stored [M, K] ([K, M] when transposeA) and b
 * stored [K, N] ([N, K] when transposeB). A cell's step uses x·Wᵀ (NT), dy·W (NN) and dyᵀ·x (TN).
 */
export function product(a: F32, b: F32, M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): F32 {
  const out = new Float32Array(M * N);
  if (transposeB) {
    // b is already [N, K]: matmulNT's dot products of contiguous rows; aᵀ is made contiguous first.
    matmulNT(transposeA ? transpose(a, 0, M, K, M) : a, 0, K, b, 0, K, out, 0, N, M, K, N, false);
  } else if (transposeA) {
    matmulTN(a, 0, M, b, 0, N, out, 0, N, M, K, N, false);
  } else {
    matmul(a, 0, K, b, 0, N, out, 0, N, M, K, N, false);
  }
  return out;
}
