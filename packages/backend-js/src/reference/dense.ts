// Dense (PyTorch Linear), float64 reference: y = x wᵀ + b.

// x: [N, I]  w: [U, I]  b: [U]  →  y: [N, U]
export function denseForward(x: Float64Array, w: Float64Array, b: Float64Array, N: number, I: number, U: number): Float64Array {
  const y = new Float64Array(N * U);
  for (let n = 0; n < N; n++) {
    for (let u = 0; u < U; u++) {
      let sum = b[u]!;
      for (let i = 0; i < I; i++) sum += x[n * I + i]! * w[u * I + i]!;
      y[n * U + u] = sum;
    }
  }
  return y;
}

// x: [N, I]  w: [U, I]  dy: [N, U]  →  dx: [N, I], dw: [U, I], db: [U]
export function denseBackward(
  x: Float64Array,
  w: Float64Array,
  dy: Float64Array,
  N: number,
  I: number,
  U: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(N * I);
  const dw = new Float64Array(U * I);
  const db = new Float64Array(U);
  for (let n = 0; n < N; n++) {
    for (let u = 0; u < U; u++) {
      const g = dy[n * U + u]!;
      db[u] = db[u]! + g;
      for (let i = 0; i < I; i++) {
        dx[n * I + i] = dx[n * I + i]! + g * w[u * I + i]!;
        dw[u * I + i] = dw[u * I + i]! + g * x[n * I + i]!;
      }
    }
  }
  return { dx, dw, db };
}
