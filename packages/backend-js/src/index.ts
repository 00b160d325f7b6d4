import { bindBackend } from '@rnnkit/core';
import type { Backend } from '@rnnkit/core';
import { JsBackend, type JsBackendOptions } from './backend.js';

export { JsBackend, type JsBackendOptions } from './backend.js';
export { JsTensor, JsSaved } from './tensor.js';

/**
 * The pure TypeScript backend: `precision: 'float32'` (default, name `js`) runs the fast kernels,
 * `'float64'` (name `js-f64`) the reference kernels. Async only to match the other backends' factories.
 */
export function createJsBackend(options: JsBackendOptions = {}): Promise<Backend> {
  try {
    return Promise.resolve(new JsBackend(options));
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

// The model API bound to this backend. Every backend package exports the same names, so that
// switching backend is a one-line import change.
const api = bindBackend(createJsBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
