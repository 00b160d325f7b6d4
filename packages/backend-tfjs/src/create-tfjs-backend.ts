// Factory: loads and starts the requested tfjs engine, then builds the backend on it.

import type { Backend } from '@rnnkit/core';
import { acquireEngine, describeEngine, releaseEngine, type TfjsEngineOption } from './engine.js';
import { TfjsBackend } from './tfjs-backend.js';

export interface TfjsBackendOptions {
  /**
   * tfjs engine: 'wasm' (Node default; SIMD, single-threaded in Node), 'cpu' (plain JS, slow),
   * 'webgl' (browser default; needs @tensorflow/tfjs-backend-webgl), or 'auto' for the
   * environment's default. An explicit engine that cannot start throws; 'auto' falls back to
   * cpu and says so in `name`. tfjs has ONE global engine per process: while one TfjsBackend is
   * alive, asking for a different engine throws (close() the first one before switching).
   */
  readonly engine?: TfjsEngineOption;
}

export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<Backend> {
  const engine = await acquireEngine(options.engine ?? 'auto');
  try {
    return new TfjsBackend(engine, await describeEngine(engine), releaseEngine);
  } catch (e) {
    releaseEngine();
    throw e;
  }
}
