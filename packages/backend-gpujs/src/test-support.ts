// Shared by this package's tests: the backend under test, WebGL unless explicitly allowed to fall back.
import { createGpujsBackend } from './index.js';
import type { GpujsBackend } from './backend.js';

/** Set RNNKIT_GPUJS_ALLOW_FALLBACK=1 to run the tests on gpu.js's CPU/WebAssembly fallback. */
export const allowFallback = process.env.RNNKIT_GPUJS_ALLOW_FALLBACK === '1';

export function createTestBackend(): Promise<GpujsBackend> {
  return createGpujsBackend(allowFallback ? { mode: 'auto' } : { requireWebGL: true });
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
