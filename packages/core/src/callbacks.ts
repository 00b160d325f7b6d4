// What `fit` tells callbacks and how a callback answers: the batch and epoch logs, the Keras-style
// hooks, and the one way to stop training cleanly (`ctx.stopTraining = true`, Keras's
// `model.stop_training`), which ends `fit` after the current batch or epoch and still returns
// the history so far.
import type { Sequential } from './sequential.js';
import { checkOptions } from './strict-options.js';

export interface BatchLog {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly size: number;
  readonly loss: number;
}

export interface EpochLog {
  /** 0-based and counting across `fit` calls on the same model (Keras's epoch index with initialEpoch). */
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy?: number | undefined;
  readonly valLoss?: number | undefined;
  readonly valAccuracy?: number | undefined;
  /** The learning rate every step of this epoch used (after the schedule, if any). */
  readonly lr: number;
  readonly seconds: number;
}

/** What every hook receives besides its log. */
export interface FitContext {
  /** The model being trained (for callbacks that read or restore weights). */
  readonly model: Sequential;
  /**
   * Set to true to stop training: from `onBatchEnd`, after that batch (the epoch is still
   * evaluated, logged and passed to `onEpochEnd`); from `onEpochBegin` or `onEpochEnd`, before
   * the next epoch. `fit` then returns the history so far; `onTrainEnd` still runs.
   */
  stopTraining: boolean;
}

/** Keras-style hooks; any may be async. A hook that throws ends `fit` with that error. */
export interface Callbacks {
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: FitContext): void | Promise<void>;
  onBatchEnd?(log: BatchLog, ctx: FitContext): void | Promise<void>;
  onEpochEnd?(log: EpochLog, ctx: FitContext): void | Promise<void>;
  /** After the last epoch, also when a callback stopped training; `history` is what `fit` returns. */
  onTrainEnd?(history: readonly EpochLog[], ctx: FitContext): void | Promise<void>;
}

export const CALLBACK_HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/** The epoch-log entries a callback or schedule can watch. */
export type Monitor = 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy';
export const MONITORS: readonly Monitor[] = ['loss', 'accuracy', 'valLoss', 'valAccuracy'];

/** Checks a `monitor` option; Keras's snake_case names get the camelCase one. */
export function checkMonitor(where: string, monitor: unknown): Monitor {
  if (MONITORS.includes(monitor as Monitor)) return monitor as Monitor;
  const camel = typeof monitor === 'string' ? monitor.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : undefined;
  const hint = camel && MONITORS.includes(camel as Monitor) ? ` (rnnkit's name for it is '${camel}')` : '';
  throw new Error(`${where}: monitor: expected ${MONITORS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(monitor)}${hint}`);
}

/** 'max' for accuracies, 'min' for losses (Keras's mode 'auto'); an explicit mode must be one of the two. */
export function checkMode(where: string, mode: unknown, monitor: Monitor): 'min' | 'max' {
  if (mode === undefined) return monitor === 'accuracy' || monitor === 'valAccuracy' ? 'max' : 'min';
  if (mode !== 'min' && mode !== 'max') throw new Error(`${where}: mode: expected 'min' or 'max', got ${JSON.stringify(mode)}`);
  return mode;
}

/** The monitored value of an epoch log; an error naming who asked when the log does not have it. */
export function monitored(where: string, log: EpochLog, monitor: Monitor): number {
  const v = log[monitor];
  if (typeof v !== 'number' || Number.isNaN(v)) {
    const why = monitor.startsWith('val') ? 'fit has no validationData or validationSplit' : 'the loss has no accuracy (only the classification losses do)';
    throw new Error(`${where}: monitor: '${monitor}' is not in the epoch log (${why})`);
  }
  return v;
}

/**
 * `fit`'s `callbacks` option: one Callbacks object or an array of them (Keras's list), each with
 * only known hooks, each a function.
 */
export function checkCallbacks(callbacks: unknown): Callbacks[] {
  if (callbacks === undefined) return [];
  const list = Array.isArray(callbacks) ? callbacks : [callbacks];
  return list.map((cb, i) => {
    const where = Array.isArray(callbacks) ? `fit: callbacks[${i}]` : 'fit: callbacks';
    checkOptions(cb, CALLBACK_HOOKS, where);
    if (cb === undefined) throw new Error(`${where}: expected a callbacks object, got undefined`);
    for (const hook of CALLBACK_HOOKS) {
      const fn = (cb as Record<string, unknown>)[hook];
      if (fn !== undefined && typeof fn !== 'function') throw new Error(`${where}: ${hook}: expected a function, got ${typeof fn}`);
    }
    return cb as Callbacks;
  });
}
