import { matmul } from '@rnnkit/core/host';
import type { Kernels } from '../kernels.js';
import { denseBackward, denseForward } from './dense.js';
import { referenceRecurrentBackward, referenceRecurrentForward, type ReferenceCache } from './recurrent.js';

/** The float64 reference kernel set. */
export const referenceKernels: Kernels<Float64Array> = {
  alloc: (n) => new Float64Array(n),
  matmul,
  recurrentForward: referenceRecurrentForward,
  recurrentBackward: (cell, d, w, inp, cache, up) =>
    referenceRecurrentBackward(cell, d, w, inp, cache as ReferenceCache, up),
  denseForward,
  denseBackward,
};
