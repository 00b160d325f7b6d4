// Seeded initialisation with PyTorch's default distributions, done in core so that one seed
// gives bit-identical starting weights on every backend (values are drawn in float64 and
// stored as float32, so float32 backends lose nothing and float64 ones see the same numbers).
import { Rng } from './rng.js';

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
