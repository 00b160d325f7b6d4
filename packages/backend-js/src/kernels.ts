// The precision-specific kernel set a JsBackend runs: the float64 reference loops or the
// float32 fast path. What is cheap and precision-generic (the element-wise primitives, slices,
// losses, optimizers, embedding) runs the shared loops of @rnnkit/core/host on both.

import type { CellSpec } from '@rnnkit/core';
import type {
  F,
  RecurrentDims,
  RecurrentGrads,
  RecurrentInputs,
  RecurrentOutputs,
  RecurrentUpstream,
  RecurrentWeights,
} from './recurrent-types.js';

export interface Kernels<A extends F> {
  alloc(n: number): A;
  /** op(a): [M, K], op(b): [K, N] → [M, N]; a stored [M, K] ([K, M] when transposeA), b [K, N] ([N, K] when transposeB) */
  matmul(a: A, b: A, M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): A;
  recurrentForward(
    cell: CellSpec,
    d: RecurrentDims,
    w: RecurrentWeights<A>,
    inp: RecurrentInputs<A>,
    training: boolean,
  ): RecurrentOutputs<A, object>;
  recurrentBackward(
    cell: CellSpec,
    d: RecurrentDims,
    w: RecurrentWeights<A>,
    inp: RecurrentInputs<A>,
    cache: object,
    up: RecurrentUpstream<A>,
  ): RecurrentGrads<A>;
  /** Frees what a recurrent cache holds outside this thread (worker threads); called by disposeSaved. */
  releaseCache?(cache: object): void;
  /** x: [N, I]  w: [U, I]  b: [U]  →  y: [N, U] */
  denseForward(x: A, w: A, b: A, N: number, I: number, U: number): A;
  /** x: [N, I]  w: [U, I]  dy: [N, U]  →  dx: [N, I], dw: [U, I], db: [U] */
  denseBackward(x: A, w: A, dy: A, N: number, I: number, U: number): { dx: A; dw: A; db: A };
}
