import type { Kernels } from '../kernels.js';
import { denseBackward, denseForward } from './dense.js';
import { fastRecurrentBackward, fastRecurrentForward, type FastCache } from './recurrent.js';

/** The float32 fast kernel set. */
export const fastKernels: Kernels<Float32Array> = {
  alloc: (n) => new Float32Array(n),
  recurrentForward: fastRecurrentForward,
  recurrentBackward: (cell, d, w, inp, cache, up) => fastRecurrentBackward(cell, d, w, inp, cache as FastCache, up),
  denseForward,
  denseBackward,
};
