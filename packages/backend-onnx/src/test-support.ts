// Helpers for this package's tests (excluded from the build). Tests call the backend directly,
// without core's checked wrapper in front, and await every kernel (some run ORT sessions).

import { expect } from 'vitest';
import { Rng, type Backend, type CellConfig, type CellSpec, type FusedRecurrentKernel, type Tensor } from '@rnnkit/core';
import { createOnnxBackend } from './onnx-backend.js';
import type { OnnxBackend } from './onnx-backend.js';

/** The CPU backend with one intra-op thread, as its own class. */
export async function onnxBackend(): Promise<OnnxBackend> {
  return (await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 })) as OnnxBackend;
}

/** The classic cells in every configuration the fused kernels compute. */
export const CELLS: readonly CellSpec[] = [
  { kind: 'rnn', nonlinearity: 'tanh' },
  { kind: 'rnn', nonlinearity: 'relu' },
  { kind: 'lstm', unitForgetBias: false },
  { kind: 'gru', resetAfter: true },
  { kind: 'gru', resetAfter: false },
];

export function describeCell(cell: CellConfig): string {
  return Object.entries(cell)
    .filter(([k]) => k !== 'kind')
    .reduce((s, [k, v]) => `${s} ${k}=${String(v)}`, cell.kind);
}

/** The fused kernel of `cell`'s kind (every backend here has one for the classic cells). */
export function fusedKernel(b: Backend, cell: CellConfig): FusedRecurrentKernel {
  const k = b.fused[cell.kind];
  if (!k) throw new Error(`${b.name} has no fused '${cell.kind}' kernel`);
  return k;
}

/** One layer direction's parameters by the cell's local names. */
export function recurrentParams(wIh: Tensor, wHh: Tensor, bIh: Tensor, bHh: Tensor): Map<string, Tensor> {
  return new Map([
    ['weight_ih', wIh],
    ['weight_hh', wHh],
    ['bias_ih', bIh],
    ['bias_hh', bHh],
  ]);
}

/** Deterministic uniform numbers in [lo, hi) from core's seeded Rng, so failures reproduce. */
export function randoms(seed: number): (n: number, lo?: number, hi?: number) => Float32Array {
  const rng = new Rng(seed);
  return (n, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** Element-wise |a − e| ≤ atol + rtol·|e|, reporting the worst element on failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (tolerance ${atol} + ${rtol}·|e|)`);
}
