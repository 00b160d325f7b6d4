// Keras's EarlyStopping as a fit callback: stop when the monitored value has not improved for
// `patience` epochs, optionally putting back the best epoch's weights at the end.
import { checkMode, checkMonitor, monitored, type Callbacks, type EpochLog, type FitContext, type Monitor } from './callbacks.js';
import { checkOptions } from './strict-options.js';

export interface EarlyStoppingOptions {
  monitor: Monitor;
  /** Epochs without improvement before stopping (default 0, as Keras). */
  patience?: number;
  /** An improvement must exceed this (default 0, as Keras). */
  minDelta?: number;
  /** 'min' (losses) or 'max' (accuracies); default by the monitor, as Keras's 'auto'. */
  mode?: 'min' | 'max';
  /** At the end of training, set the weights of the best epoch (default false, as Keras). */
  restoreBest?: boolean;
}

/**
 * Keras EarlyStopping, rule for rule:
 * - an epoch improves when its value is below best − minDelta (mode 'min') or above
 *   best + minDelta (mode 'max'); the first epoch of each fit always does;
 * - an improvement records best (and, with restoreBest, a host copy of the weights) and resets
 *   the wait; otherwise the wait grows by one, and at `wait >= patience` the callback sets
 *   `ctx.stopTraining`, so fit returns the history so far;
 * - with restoreBest the best epoch's weights are set when training ends (stopped or not);
 * - state starts over at each fit's `onTrainBegin`, as in Keras.
 * `bestEpoch`, `best` and `stoppedEpoch` (undefined when it never stopped) are readable after fit.
 */
export function earlyStopping(o: EarlyStoppingOptions): Callbacks & EarlyStoppingState {
  checkOptions(o, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBest'], 'earlyStopping');
  return new EarlyStopping(o);
}

export interface EarlyStoppingState {
  readonly monitor: Monitor;
  readonly best: number | undefined;
  readonly bestEpoch: number | undefined;
  readonly stoppedEpoch: number | undefined;
}

// Private (#) state and prototype methods: fit checks a callbacks object's own keys strictly.
class EarlyStopping implements Callbacks, EarlyStoppingState {
  readonly #monitor: Monitor;
  readonly #patience: number;
  readonly #minDelta: number;
  readonly #mode: 'min' | 'max';
  readonly #restoreBest: boolean;
  #best: number | undefined;
  #bestEpoch: number | undefined;
  #bestWeights: Map<string, Float32Array> | undefined;
  #wait = 0;
  #stoppedEpoch: number | undefined;

  constructor(o: EarlyStoppingOptions) {
    const w = 'earlyStopping';
    this.#monitor = checkMonitor(w, o?.monitor);
    const patience = o.patience ?? 0;
    if (!Number.isSafeInteger(patience) || patience < 0) throw new Error(`${w}: patience: expected a non-negative integer, got ${JSON.stringify(o.patience)}`);
    this.#patience = patience;
    const minDelta = o.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !(Number.isFinite(minDelta) && minDelta >= 0)) throw new Error(`${w}: minDelta: expected a finite number >= 0, got ${JSON.stringify(o.minDelta)}`);
    this.#minDelta = minDelta;
    this.#mode = checkMode(w, o.mode, this.#monitor);
    if (o.restoreBest !== undefined && typeof o.restoreBest !== 'boolean') throw new Error(`${w}: restoreBest: expected true or false, got ${JSON.stringify(o.restoreBest)}`);
    this.#restoreBest = o.restoreBest ?? false;
  }

  get monitor(): Monitor {
    return this.#monitor;
  }
  get best(): number | undefined {
    return this.#best;
  }
  get bestEpoch(): number | undefined {
    return this.#bestEpoch;
  }
  get stoppedEpoch(): number | undefined {
    return this.#stoppedEpoch;
  }

  onTrainBegin(): void {
    this.#best = undefined;
    this.#bestEpoch = undefined;
    this.#bestWeights = undefined;
    this.#wait = 0;
    this.#stoppedEpoch = undefined;
  }

  async onEpochEnd(log: EpochLog, ctx: FitContext): Promise<void> {
    const v = monitored('earlyStopping', log, this.#monitor);
    const improved = this.#best === undefined || (this.#mode === 'min' ? v < this.#best - this.#minDelta : v > this.#best + this.#minDelta);
    if (improved) {
      this.#best = v;
      this.#bestEpoch = log.epoch;
      this.#wait = 0;
      if (this.#restoreBest) this.#bestWeights = await ctx.model.getWeights();
      return;
    }
    this.#wait++;
    if (this.#wait >= this.#patience) {
      this.#stoppedEpoch = log.epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(_history: readonly EpochLog[], ctx: FitContext): void {
    if (this.#restoreBest && this.#bestWeights) ctx.model.setWeights(this.#bestWeights);
  }
}
