// Test helpers (excluded from the build). tfjs has one global engine per process, so each
// engine's suite creates its backend in beforeAll and closes it in afterAll; suites in one file
// run one after the other, never interleaved.
//
// The suites get the backend as its own class, whose kernels are synchronous, so tests call them
// without await; they also call it directly, without core's checked wrapper in front.

import { afterAll, beforeAll, describe, expect } from 'vitest';
import { Rng, type Backend, type Tensor } from '@rnnkit/core';
import { createTfjsBackend } from './create-tfjs-backend.js';
import type { TfjsEngine } from './engine.js';
import type { TfjsBackend } from './tfjs-backend.js';

export const ENGINES: readonly TfjsEngine[] = ['wasm', 'cpu'];

/** describe() once per engine; `backend()` returns that suite's live backend. */
export function describeEngines(name: string, body: (backend: () => TfjsBackend, engine: TfjsEngine) => void, engines = ENGINES): void {
  for (const engine of engines) {
    describe(`${name} [${engine}]`, () => {
      let b: TfjsBackend | undefined;
      beforeAll(async () => {
        b = (await createTfjsBackend({ engine })) as TfjsBackend;
      });
      afterAll(() => b?.close());
      body(() => {
        if (b === undefined) throw new Error('backend not created');
        return b;
      }, engine);
    });
  }
}

export function f32(b: Backend, data: readonly number[], shape: readonly number[]): Tensor {
  return b.tensor(Float32Array.from(data), shape, 'float32');
}

export function i32(b: Backend, data: readonly number[], shape: readonly number[]): Tensor {
  return b.tensor(Int32Array.from(data), shape, 'int32');
}

export async function values(b: Backend, t: Tensor): Promise<number[]> {
  return Array.from(await b.read(t));
}

/** Element-wise |a − e| ≤ atol + rtol·|e|, reporting the worst element on failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (tolerance ${atol} + ${rtol}·|e|)`);
  }
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
