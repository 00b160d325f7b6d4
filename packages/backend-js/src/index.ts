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
