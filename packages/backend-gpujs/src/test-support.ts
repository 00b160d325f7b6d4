// Shared by this package's tests: the backend under test, WebGL unless explicitly allowed to fall
// back. Tests get the backend as its own class (its kernels are synchronous, and they reach its
// engine), called directly, without core's checked wrapper in front.
import { expect } from 'vitest';
import { Rng, type Tensor } from '@rnnkit/core';
import { createGpujsBackend } from './create-gpujs-backend.js';
import type { GpujsBackend } from './backend.js';

/** Set RNNKIT_GPUJS_ALLOW_FALLBACK=1 to run the tests on gpu.js's CPU/WebAssembly fallback. */
export const allowFallback = process.env.RNNKIT_GPUJS_ALLOW_FALLBACK === '1';

export async function createTestBackend(): Promise<GpujsBackend> {
  return (await createGpujsBackend(allowFallback ? { mode: 'auto' } : { requireWebGL: true })) as GpujsBackend;
}

/** Float32 GPU maths against float64 references: absolute + relative tolerance. */
export const TOL = 1e-4;

export function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const err = Math.abs(a - e) / (1 + Math.abs(e));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
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
