import type { Backend, Precision } from '@rnnkit/core';
import { JsBackend } from './backend.js';
import { fastKernels } from './fast/kernels.js';
import { referenceKernels } from './reference/kernels.js';

export { JsBackend } from './backend.js';
export { JsTensor, JsSaved } from './tensor.js';

export interface JsBackendOptions {
  /** 'float32' (default): the fast path. 'float64': the reference path the conformance suite trusts. */
  readonly precision?: Precision;
}

/** The pure TypeScript backend. Async only to match the other backends' factories. */
export function createJsBackend(options: JsBackendOptions = {}): Promise<Backend> {
  const precision = options.precision ?? 'float32';
  if (precision !== 'float32' && precision !== 'float64') {
    return Promise.reject(new Error(`createJsBackend: options.precision: expected 'float32' or 'float64', got ${String(precision)}`));
  }
  return Promise.resolve(
    precision === 'float64' ? new JsBackend('float64', referenceKernels) : new JsBackend('float32', fastKernels),
  );
}
