// @rnnkit/backend-js: the model API bound to the pure TypeScript backend, its factory and its
// options. The backend's classes and kernels are internal: core reaches them through the Backend
// contract only.
import { bindBackend } from '@rnnkit/core';
import type { Backend } from '@rnnkit/core';
import { JsBackend } from './backend.js';
import { startRecurrentThreads, workerUrl, type RecurrentThreads } from './fast/parallel.js';
import { checkJsBackendOptions, DEFAULT_PARALLEL_MIN_WORK, type JsBackendOptions } from './options.js';

export type { JsBackendOptions } from './options.js';

/**
 * The pure TypeScript backend: `precision: 'float32'` (default, name `js`) runs the fast kernels,
 * on `threads` threads (default: the machine's cores, at most 8); `'float64'` (name `js-f64`) the
 * reference kernels on one thread.
 */
export async function createJsBackend(options: JsBackendOptions = {}): Promise<Backend> {
  checkJsBackendOptions('createJsBackend', options);
  const threads = await threadCount(options);
  const workers: RecurrentThreads | undefined =
    threads > 1 ? await startRecurrentThreads(threads, options.parallelMinWork ?? DEFAULT_PARALLEL_MIN_WORK) : undefined;
  try {
    return new JsBackend({ ...options, threads }, workers);
  } catch (e) {
    workers?.close();
    throw e;
  }
}

/** Threads to start: 'auto' is 1 for float64, outside Node, or when running from the TypeScript sources (no compiled worker). */
async function threadCount(options: JsBackendOptions): Promise<number> {
  const asked = options.threads ?? 'auto';
  if (asked !== 'auto') {
    if (asked > 1 && !(await workerAvailable())) {
      throw new Error(`createJsBackend: options.threads: ${asked} threads need ${workerUrl().href}, which is missing (running from the TypeScript sources? build the package first)`);
    }
    return asked;
  }
  if (options.precision === 'float64' || !(await workerAvailable())) return 1;
  const os = await import('node:os');
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

async function workerAvailable(): Promise<boolean> {
  if (typeof process === 'undefined' || !process.versions?.node) return false;
  const [{ existsSync }, { fileURLToPath }] = await Promise.all([import('node:fs'), import('node:url')]);
  return existsSync(fileURLToPath(workerUrl()));
}

// The model API bound to this backend. Every backend package exports the same names, so that
// switching backend is a one-line import change.
const api = bindBackend(createJsBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
