import type { Kernels } from '../kernels.js';
import { denseBackward, denseForward } from './dense.js';
import { product } from './matmul.js';
import { fastRecurrentBackward, fastRecurrentForward, type FastCache } from './recurrent.js';
import type { ParallelCache, RecurrentThreads } from './parallel.js';

/** The float32 fast kernel set. */
export const fastKernels: Kernels<Float32Array> = {
  alloc: (n) => new Float32Array(n),
  matmul: product,
  recurrentForward: fastRecurrentForward,
  recurrentBackward: (cell, d, w, inp, cache, up) => fastRecurrentBackward(cell, d, w, inp, cache as FastCache, up),
  denseForward,
  denseBackward,
};

/** The float32 kernels with recurrent layers split across threads when a call is big enough. */
export function parallelKernels(t: RecurrentThreads): Kernels<Float32Array> {
  const isParallel = (c: object): c is ParallelCache => (c as Partial<ParallelCache>).parallel === true;
  return {
    ...fastKernels,
    recurrentForward: (cell, d, w, inp, training) =>
      t.splits(cell, d) ? t.forward(cell, d, w, inp, training) : fastRecurrentForward(cell, d, w, inp, training),
    recurrentBackward: (cell, d, w, inp, cache, up) =>
      isParallel(cache) ? t.backward(cell, d, w, cache, up) : fastRecurrentBackward(cell, d, w, inp, cache as FastCache, up),
    releaseCache: (cache) => {
      if (isParallel(cache)) t.release(cache);
    },
  };
}
