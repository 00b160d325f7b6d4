// Helpers for this package's tests (excluded from the build).

import { Rng, type Backend, type Tensor } from '@rnnkit/core';
import type { JsBackend } from './backend.js';
import { createJsBackend, type JsBackendOptions } from './index.js';

/** Deterministic uniform numbers in [lo, hi) from core's seeded Rng, so failures reproduce. */
export function randoms(seed: number): (n: number, lo?: number, hi?: number) => Float64Array {
  const rng = new Rng(seed);
  return (n, lo = -1, hi = 1) => Float64Array.from({ length: n }, () => rng.uniform(lo, hi));
}

export async function readF(be: Backend, t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await be.read(t));
}

/** Largest |a − b| / (atol + rtol·|b|); ≤ 1 means within tolerance. */
export function maxScaledError(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!)));
  return worst;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** The backend as its own class, whose kernels are synchronous (tests call them without await). */
export async function jsBackend(options: JsBackendOptions = {}): Promise<JsBackend> {
  return (await createJsBackend(options)) as JsBackend;
}

/** One layer direction's parameters by the cell's local names. */
export function recurrentParams(wIh: Tensor, wHh: Tensor, bIh: Tensor, bHh: Tensor): Map<string, Tensor> {
  return new Map([['weight_ih', wIh], ['weight_hh', wHh], ['bias_ih', bIh], ['bias_hh', bHh]]);
}
