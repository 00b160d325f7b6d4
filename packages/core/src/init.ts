// Seeded initialisation with PyTorch's default distributions, done in core so that one seed
// gives bit-identical starting weights on every backend (values are drawn in float64 and
// stored as float32, so float32 backends lose nothing and float64 ones see the same numbers).
import { Rng } from './rng.js';

/**
 * Which library's default initialisation a model starts from (same seed → same numbers on every backend):
 * - 'pytorch' (default): recurrent weights and biases U(-1/√H, 1/√H); dense U(-1/√I, 1/√I); embedding N(0, 1).
 * - 'keras': recurrent input kernel glorot_uniform, recurrent kernel orthogonal, biases 0 (LSTM forget
 *   bias 1 with unitForgetBias); dense kernel glorot_uniform, bias 0; embedding U(-0.05, 0.05).
 */
export type Initializer = 'pytorch' | 'keras';

/** U(-bound, bound), as PyTorch's `reset_parameters` for RNN/LSTM/GRU (bound 1/√H) and Linear (1/√fan_in). */
export function uniformInit(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** N(0, 1), as PyTorch's nn.Embedding. */
export function normalInit(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

export { Rng };

/** Keras glorot_uniform: U(-b, b) with b = √(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, n: number, fanIn: number, fanOut: number): Float32Array {
  return uniformInit(rng, n, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * Keras orthogonal initializer for a PyTorch-layout recurrent weight W_hh: [rows, cols] with
 * rows ≥ cols (G·H × H): a normal matrix made to have orthonormal columns (QR with the signs of
 * R's diagonal folded in, here by modified Gram–Schmidt, which yields exactly that Q). Keras'
 * recurrent_kernel [H, G·H] is this matrix transposed.
 */
export function orthogonalInit(rng: Rng, rows: number, cols: number): Float32Array {
  if (rows < cols) {
    // A wide kernel (ConvLSTM's [4Hc, Hc·k·k]) gets orthonormal rows, as Keras' Orthogonal does:
    // the transpose of a tall one.
    const t = orthogonalInit(rng, cols, rows);
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = t[c * rows + r]!;
    return out;
  }
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  for (let j = 0; j < cols; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += a[r * cols + p]! * a[r * cols + j]!;
      for (let r = 0; r < rows; r++) a[r * cols + j] = a[r * cols + j]! - dot * a[r * cols + p]!;
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += a[r * cols + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < rows; r++) a[r * cols + j] = a[r * cols + j]! / norm;
  }
  return Float32Array.from(a);
}
