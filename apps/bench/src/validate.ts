// Validation before timing: one forward + loss + backward on a real batch must match backend-js's
// float64 reference. One plain SGD step makes the weight change equal to −lr·gradient, so comparing
// weights before and after compares every parameter's gradient through the public model API.
// lr is 1024 rather than 1: a power of two scales exactly, and it keeps the change far above the
// float32 rounding of the weights themselves (with lr 1 that rounding alone is ~1e-6 of a small gradient).
import { sgd, type Backend, type Dataset, type LossName, type Sequential } from '@rnnkit/core';
import type { ValidationResult } from './results.js';

/**
 * Relative tolerance by declared precision (float32 accumulates over B·T terms). float64 gets 1e-6,
 * not less: the model API reads weights back as float32, which bounds what this check can resolve.
 */
export function toleranceFor(precision: string): number {
  return precision === 'float64' ? 1e-6 : 1e-3;
}

export async function validateBackend(
  backend: Backend,
  reference: Backend,
  /** Builds the model (same initial weights) on a backend. */
  build: (b: Backend) => Sequential,
  loss: LossName,
  batch: Dataset,
): Promise<ValidationResult> {
  const tolerance = toleranceFor(backend.precision);
  const lr = 1024;
  const step = async (b: Backend) => {
    const model = build(b);
    try {
      const before = await model.getWeights();
      const value = await model.trainStep(batch, { loss, optimizer: sgd({ lr }) });
      const after = await model.getWeights();
      const grads = new Map<string, Float64Array>();
      for (const [name, w0] of before) {
        const w1 = after.get(name)!;
        grads.set(name, Float64Array.from(w0, (v, i) => (v - w1[i]!) / lr));
      }
      return { value, grads };
    } finally {
      model.dispose();
    }
  };
  const ref = await step(reference);
  const got = await step(backend);
  let gradientError = 0;
  let worstParameter = '';
  for (const [name, g] of ref.grads) {
    const e = relativeMaxError(got.grads.get(name)!, g);
    if (e > gradientError || worstParameter === '') {
      gradientError = e;
      worstParameter = name;
    }
  }
  const lossError = Math.abs(got.value - ref.value) / Math.max(Math.abs(ref.value), 1e-12);
  return {
    passed: lossError <= tolerance && gradientError <= tolerance && Number.isFinite(got.value),
    tolerance,
    referenceLoss: ref.value,
    loss: got.value,
    lossError,
    gradientError,
    worstParameter,
    batchSize: batch.x.shape[0]!,
  };
}

/** max|a − b| / max|b| (0 when both are all zeros); NaN anywhere gives Infinity. */
export function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  if (diff === 0) return 0;
  return scale === 0 ? Infinity : diff / scale;
}
