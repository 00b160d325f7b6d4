// Per-sample lengths from padded token ids: rnnkit's answer to Keras's `mask_zero`. Recurrent
// layers skip padding through `Dataset.lengths` (post-padding), so deriving the lengths once from
// the ids gives what a mask would, without a mask tensor flowing through the model.
import type { HostTensor } from './dataset.js';

/**
 * For ids [N, T] (int32), each sample's length: 1 + the index of its last id that is not
 * `paddingIdx` (default 0, Keras's mask_zero). So post-padded ids get their real lengths;
 * pre-padded ids (padding first) get T, which is right for them (they need no lengths); padding
 * ids in the middle of a sample count as tokens. A sample of padding only gets length 1, the
 * smallest a length can be (with `paddingIdx` on the embedding that one step reads a zero row).
 */
export function lengthsFromPadding(ids: HostTensor, paddingIdx = 0): Int32Array {
  if (!ids || !(ids.data instanceof Int32Array)) {
    throw new Error(`lengthsFromPadding: ids: expected token ids as Int32Array, got ${ids?.data?.constructor?.name ?? typeof ids}`);
  }
  if (!Array.isArray(ids.shape) || ids.shape.length !== 2) throw new Error(`lengthsFromPadding: ids: expected shape [N, T], got ${JSON.stringify(ids.shape)}`);
  const [N, T] = ids.shape as [number, number];
  if (ids.data.length !== N * T) throw new Error(`lengthsFromPadding: ids: data has ${ids.data.length} elements but shape [${N}, ${T}] needs ${N * T}`);
  if (!Number.isSafeInteger(paddingIdx)) throw new Error(`lengthsFromPadding: paddingIdx: expected an integer, got ${JSON.stringify(paddingIdx)}`);
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let t = T;
    while (t > 1 && ids.data[n * T + t - 1] === paddingIdx) t--;
    out[n] = t;
  }
  return out;
}
