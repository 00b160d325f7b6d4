// tf.tidy with the result's own type. tfjs walks the returned object and keeps every tensor in
// it (null fields are skipped at run time), but its TensorContainer type admits no null fields.

import * as tf from '@tensorflow/tfjs-core';

export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
