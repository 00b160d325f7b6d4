// The options of the pure TypeScript backend and their checks. These are the backend's own (core
// passes them through untouched), so unlike kernel arguments they are checked here.

import type { Precision } from '@rnnkit/core';

export interface JsBackendOptions {
  /** 'float32' (default): the fast path. 'float64': the reference path the conformance suite trusts. */
  readonly precision?: Precision;
  /**
   * Threads for the float32 recurrent layers, which split a batch's samples among them: a count,
   * or 'auto' (default): the machine's cores, at most 8, in Node; 1 elsewhere. The float64
   * reference path always runs on one thread. The count in use is part of `device`.
   */
  readonly threads?: number | 'auto';
  /**
   * Forward multiply-adds (B·T·(I+H)·G·H) below which a recurrent call stays on the calling
   * thread, where a round trip to the workers would cost more than it saves. Default 2^20.
   */
  readonly parallelMinWork?: number;
}

export const DEFAULT_PARALLEL_MIN_WORK = 1 << 20;

/** Checks every option, naming it; `where` is the entry point the user called. */
export function checkJsBackendOptions(where: string, options: JsBackendOptions): void {
  const { precision = 'float32', threads = 'auto', parallelMinWork = DEFAULT_PARALLEL_MIN_WORK } = options;
  if (precision !== 'float32' && precision !== 'float64') {
    throw new Error(`${where}: options.precision: expected 'float32' or 'float64', got ${String(precision)}`);
  }
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1)) {
    throw new Error(`${where}: options.threads: expected a positive integer or 'auto', got ${String(threads)}`);
  }
  if (precision === 'float64' && typeof threads === 'number' && threads > 1) {
    throw new Error(`${where}: options.threads: the float64 reference path runs on 1 thread, got ${threads}`);
  }
  if (typeof parallelMinWork !== 'number' || !Number.isFinite(parallelMinWork) || parallelMinWork < 0) {
    throw new Error(`${where}: options.parallelMinWork: expected a number ≥ 0, got ${String(parallelMinWork)}`);
  }
}
