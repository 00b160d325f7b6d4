// Embedding lookup. Precision-generic: it only copies and adds rows, so one implementation
// serves both the float64 reference and the float32 path.

import type { FloatArray as F } from '../backend.js';
import { allocLike } from './alloc.js';

// weight: [V, E]  ids: [N] (N = B·T, each in [0, V))  →  y: [N, E]
export function embeddingForward<A extends F>(weight: A, ids: Int32Array, E: number): A {
  const y = allocLike(weight, ids.length * E);
  for (let n = 0; n < ids.length; n++) {
    const row = ids[n]! * E;
    for (let e = 0; e < E; e++) y[n * E + e] = weight[row + e]!;
  }
  return y;
}

// ids: [N]  dy: [N, E]  →  dWeight: [V, E]; each token's gradient row is added to its id's row,
// never through a dense one-hot product (a 10k vocabulary would make that [N, V]).
export function embeddingBackward<A extends F>(ids: Int32Array, dy: A, V: number, E: number): A {
  const dW = allocLike(dy, V * E);
  for (let n = 0; n < ids.length; n++) {
    const row = ids[n]! * E;
    for (let e = 0; e < E; e++) dW[row + e] = dW[row + e]! + dy[n * E + e]!;
  }
  return dW;
}
