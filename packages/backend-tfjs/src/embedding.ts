// Embedding lookup. tfjs's own gradient of `gather` needs UnsortedSegmentSum, which the wasm
// backend lacks (and which on cpu went through a dense [N, V] path); ScatterNd is registered by
// wasm and cpu alike and sums rows that share an index, which is exactly "rows of dy summed per
// token id": one kernel, O(B·T·E) work, no [B·T, V] one-hot.

import * as tf from '@tensorflow/tfjs-core';

export type EmbeddingSavedTensors = { /** [B·T, 1] int32 */ ids: tf.Tensor };

// weight: [V, E]  ids: [B, T] int32  →  y: [B, T, E]; saves the ids as a scatter index.
export function embeddingForward(weight: tf.Tensor, ids: tf.Tensor, training: boolean): { y: tf.Tensor; saved: EmbeddingSavedTensors | null } {
  const [B = 0, T = 0] = ids.shape;
  const E = weight.shape[1] ?? 0;
  const flat = tf.reshape(ids, [B * T]);
  const y = tf.reshape(tf.gather(weight, flat), [B, T, E]);
  return { y, saved: training ? { ids: tf.reshape(ids, [B * T, 1]) } : null };
}

// dy: [B, T, E]  →  dWeight: [V, E], dWeight[v] = Σ_{(b,t): ids[b,t] = v} dy[b, t]
export function embeddingBackward(s: EmbeddingSavedTensors, V: number, dy: tf.Tensor): tf.Tensor {
  const [B = 0, T = 0, E = 0] = dy.shape;
  return tf.scatterND(s.ids, tf.reshape(dy, [B * T, E]), [V, E]);
}
