// Learning-rate schedules for `fit({ schedule })`, stepping once per epoch like PyTorch's
// torch.optim.lr_scheduler classes called once per epoch: epoch e (0-based, counting across fit
// calls) trains every step at `lr(e, baseLr)`, where baseLr is the optimizer's lr as given. The
// formulas are PyTorch's closed forms; where rnnkit differs (cosine after tMax, the warm-up) the
// doc comment says so.
import { checkMode, checkMonitor, monitored, type EpochLog, type Monitor } from './callbacks.js';
import { checkOptions } from './strict-options.js';

/**
 * A schedule: the learning rate of an epoch from the base lr. Write your own as
 * `{ lr: (epoch, baseLr) => ... }` (Keras's LearningRateScheduler). `onEpochEnd` sees each
 * epoch's log after validation; a schedule that reads one names it in `monitor`, and fit checks
 * before training that the log will have it.
 */
export interface LrSchedule {
  lr(epoch: number, baseLr: number): number;
  onEpochEnd?(log: EpochLog): void;
  readonly monitor?: Monitor | undefined;
}

function positiveInt(where: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`${where}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}
function nonNegativeInt(where: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${where}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}
function factorIn01(where: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new Error(`${where}: expected a number in (0, 1), got ${JSON.stringify(v)}`);
  return v;
}
function positiveFactor(where: string, v: unknown): number {
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0)) throw new Error(`${where}: expected a finite number > 0, got ${JSON.stringify(v)}`);
  return v;
}
function nonNegative(where: string, v: unknown): number {
  if (typeof v !== 'number' || !(Number.isFinite(v) && v >= 0)) throw new Error(`${where}: expected a finite number >= 0, got ${JSON.stringify(v)}`);
  return v;
}

/** torch StepLR: lr = baseLr · gamma^⌊epoch / stepSize⌋. */
export function stepLR(o: { stepSize: number; gamma?: number }): LrSchedule {
  checkOptions(o, ['stepSize', 'gamma'], 'stepLR');
  const stepSize = positiveInt('stepLR: stepSize', o?.stepSize);
  const gamma = positiveFactor('stepLR: gamma', o.gamma ?? 0.1);
  return new FormulaSchedule((e, base) => base * gamma ** Math.floor(e / stepSize));
}

/** torch ExponentialLR: lr = baseLr · gamma^epoch. */
export function exponentialLR(o: { gamma: number }): LrSchedule {
  checkOptions(o, ['gamma'], 'exponentialLR');
  const gamma = positiveFactor('exponentialLR: gamma', o?.gamma);
  return new FormulaSchedule((e, base) => base * gamma ** e);
}

/**
 * Cosine annealing from baseLr down to etaMin at epoch tMax, optionally after a linear warm-up.
 * - warm-up (epoch e < warmup): lr = baseLr · (e + 1) / (warmup + 1), rising towards baseLr, so
 *   no epoch trains at 0;
 * - then (warmup ≤ e ≤ tMax): lr = etaMin + (baseLr − etaMin) · (1 + cos(π · (e − warmup) / (tMax − warmup))) / 2,
 *   which with warmup 0 is torch CosineAnnealingLR's closed form;
 * - after tMax: etaMin (PyTorch's formula would climb back towards baseLr; a finished schedule stays down).
 */
export function cosineLR(o: { tMax: number; etaMin?: number; warmup?: number }): LrSchedule {
  checkOptions(o, ['tMax', 'etaMin', 'warmup'], 'cosineLR');
  const tMax = positiveInt('cosineLR: tMax', o?.tMax);
  const etaMin = nonNegative('cosineLR: etaMin', o.etaMin ?? 0);
  const warmup = nonNegativeInt('cosineLR: warmup', o.warmup ?? 0);
  if (warmup >= tMax) throw new Error(`cosineLR: warmup: expected fewer epochs than tMax (${tMax}), got ${warmup}`);
  return new FormulaSchedule((e, base) => {
    if (e < warmup) return (base * (e + 1)) / (warmup + 1);
    if (e >= tMax) return etaMin;
    return etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * (e - warmup)) / (tMax - warmup)))) / 2;
  });
}

class FormulaSchedule implements LrSchedule {
  readonly #f: (epoch: number, baseLr: number) => number;
  constructor(f: (epoch: number, baseLr: number) => number) {
    this.#f = f;
  }
  lr(epoch: number, baseLr: number): number {
    return this.#f(epoch, baseLr);
  }
}

export interface ReduceLROnPlateauOptions {
  monitor: Monitor;
  /** new lr = lr · factor, in (0, 1) (default 0.1, as PyTorch). */
  factor?: number;
  /** Epochs without improvement that are tolerated (default 10, as PyTorch). */
  patience?: number;
  /** The lr never goes below this (default 0). */
  minLr?: number;
  /** 'min' (losses) or 'max' (accuracies); default by the monitor, as Keras's 'auto'. */
  mode?: 'min' | 'max';
  /** Relative improvement that counts (default 1e-4, PyTorch's threshold with threshold_mode 'rel'). */
  threshold?: number;
}

/**
 * torch ReduceLROnPlateau (threshold_mode 'rel', no cooldown), read after each epoch:
 * - the value improves when it is below best · (1 − threshold) in mode 'min', above
 *   best · (1 + threshold) in mode 'max' (the first epoch always improves);
 * - an improvement sets best and zeroes the count of bad epochs; any other epoch adds one;
 * - when the count exceeds `patience`, lr becomes max(lr · factor, minLr) from the next epoch on
 *   and the count restarts at 0.
 * The state (best, count, reductions) lives in this object, so one object follows one training
 * run: passing the same object to consecutive `fit` calls continues it.
 */
export function reduceLROnPlateau(o: ReduceLROnPlateauOptions): LrSchedule {
  checkOptions(o, ['monitor', 'factor', 'patience', 'minLr', 'mode', 'threshold'], 'reduceLROnPlateau');
  return new PlateauSchedule(o);
}

class PlateauSchedule implements LrSchedule {
  readonly #monitor: Monitor;
  readonly #factor: number;
  readonly #patience: number;
  readonly #minLr: number;
  readonly #mode: 'min' | 'max';
  readonly #threshold: number;
  #best = Number.NaN;
  #bad = 0;
  #reductions = 0;

  constructor(o: ReduceLROnPlateauOptions) {
    const w = 'reduceLROnPlateau';
    this.#monitor = checkMonitor(w, o?.monitor);
    this.#factor = factorIn01(`${w}: factor`, o.factor ?? 0.1);
    this.#patience = nonNegativeInt(`${w}: patience`, o.patience ?? 10);
    this.#minLr = nonNegative(`${w}: minLr`, o.minLr ?? 0);
    this.#mode = checkMode(w, o.mode, this.#monitor);
    this.#threshold = nonNegative(`${w}: threshold`, o.threshold ?? 1e-4);
  }

  // A getter, not a field: fit checks a schedule's own keys strictly.
  get monitor(): Monitor {
    return this.#monitor;
  }

  lr(_epoch: number, baseLr: number): number {
    // max(lr·factor, minLr) applied k times equals max(base·factor^k, minLr), as the lr only falls.
    return this.#reductions === 0 ? baseLr : Math.max(baseLr * this.#factor ** this.#reductions, this.#minLr);
  }

  onEpochEnd(log: EpochLog): void {
    const v = monitored('reduceLROnPlateau', log, this.monitor);
    const better = Number.isNaN(this.#best) || (this.#mode === 'min' ? v < this.#best * (1 - this.#threshold) : v > this.#best * (1 + this.#threshold));
    if (better) {
      this.#best = v;
      this.#bad = 0;
      return;
    }
    this.#bad++;
    if (this.#bad > this.#patience) {
      this.#reductions++;
      this.#bad = 0;
    }
  }
}

/** `fit`'s `schedule` option: an object with an `lr` function (and optionally `onEpochEnd`, `monitor`). */
export function checkSchedule(schedule: unknown): LrSchedule | undefined {
  if (schedule === undefined) return undefined;
  checkOptions(schedule, ['lr', 'onEpochEnd', 'monitor'], 'fit: schedule');
  const s = schedule as Record<string, unknown>;
  if (typeof s.lr !== 'function') throw new Error(`fit: schedule: lr: expected a function (epoch, baseLr) => number, got ${typeof s.lr}`);
  if (s.onEpochEnd !== undefined && typeof s.onEpochEnd !== 'function') throw new Error(`fit: schedule: onEpochEnd: expected a function, got ${typeof s.onEpochEnd}`);
  if (s.monitor !== undefined) checkMonitor('fit: schedule', s.monitor);
  return schedule as LrSchedule;
}

/** The schedule's lr for an epoch, which must be a finite number >= 0. */
export function scheduledLr(schedule: LrSchedule, epoch: number, baseLr: number): number {
  const lr = schedule.lr(epoch, baseLr);
  if (typeof lr !== 'number' || !(Number.isFinite(lr) && lr >= 0)) throw new Error(`fit: schedule: expected a learning rate >= 0 for epoch ${epoch}, got ${String(lr)}`);
  return lr;
}
