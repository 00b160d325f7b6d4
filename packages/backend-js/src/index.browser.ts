// @rnnkit/backend-js in a browser (the package's `browser` export condition): the same names as
// index.ts, without Node's worker threads. The fast kernels' worker pool needs node:worker_threads
// and a blocking wait on the calling thread (Atomics.wait), which a browser's main thread does not
// allow, so here the backend runs on the calling thread and its `device` says so.
import { bindBackend } from '@rnnkit/core';
import type { Backend } from '@rnnkit/core';
import { JsBackend } from './backend.js';
import { checkJsBackendOptions, type JsBackendOptions } from './options.js';

export type { JsBackendOptions } from './options.js';

class BrowserJsBackend extends JsBackend {
  override readonly device = 'cpu (pure TypeScript, 1 thread; browser build: worker threads off)';
}

/**
 * The pure TypeScript backend on the calling thread: `precision: 'float32'` (default, name `js`)
 * runs the fast kernels, `'float64'` (name `js-f64`) the reference kernels. `threads` must be 1 or
 * 'auto' (which is 1 here).
 */
export async function createJsBackend(options: JsBackendOptions = {}): Promise<Backend> {
  checkJsBackendOptions('createJsBackend', options);
  const threads = options.threads ?? 'auto';
  if (threads !== 'auto' && threads > 1) {
    throw new Error(
      `createJsBackend: options.threads: ${threads} threads need Node's worker threads; the browser build runs on 1 thread (use threads: 1 or 'auto')`,
    );
  }
  return new BrowserJsBackend({ ...options, threads: 1 });
}

// The model API bound to this backend, as in index.ts.
const api = bindBackend(createJsBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
