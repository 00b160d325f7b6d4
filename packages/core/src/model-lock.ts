// One operation at a time per model. Training, saving and inference read or change the same
// parameter and optimizer tensors across many awaits; interleaved, a save wrote the weights of one
// step with the optimizer state of another, a prediction saw half-updated layers, setWeights freed
// tensors a running step still used, and two fits trained one model in alternation.
//
// The rule (packages/core/README.md, "One operation at a time"):
// - asynchronous operations take turns, first come first served: a call made while the model is
//   busy waits for the calls before it to finish;
// - fit takes one turn per batch and runs its callbacks between turns, so what is called during a
//   fit (from a callback or from anywhere else) runs between two batches, on one consistent step,
//   and a callback may await save/evaluate/predict without deadlocking;
// - a second training call (fit or trainStep) while a fit runs fails: two interleaved training
//   loops are never what was meant;
// - synchronous operations (setWeights, loadCheckpoint, restoreOptimizer) cannot wait, so they fail
//   with "model is busy" while a turn is in progress;
// - dispose() never fails: it frees the model once the turn in progress (and those waiting, which
//   then fail as used after dispose) have finished.

export class ModelLock {
  /** The operation whose turn it is, if any. */
  private holder: string | undefined;
  /** Grants, in call order; each sets `holder` before its caller resumes. */
  private readonly waiting: (() => void)[] = [];
  private whenIdle: (() => void)[] = [];
  private fitting = false;

  /** Runs `body` in its own turn, once every earlier turn has finished. */
  async run<T>(name: string, body: () => Promise<T>): Promise<T> {
    if (this.holder === undefined) this.holder = name;
    else await new Promise<void>((resolve) => this.waiting.push(() => ((this.holder = name), resolve())));
    try {
      return await body();
    } finally {
      this.release();
    }
  }

  /** Runs a whole fit: a second training call until it ends fails (see the rule above). */
  async fit<T>(body: () => Promise<T>): Promise<T> {
    this.checkNotFitting('fit');
    this.fitting = true;
    try {
      return await body();
    } finally {
      this.fitting = false;
    }
  }

  /** For trainStep: fails while a fit runs, instead of training in alternation with it. */
  checkNotFitting(call: string): void {
    if (this.fitting) throw new Error(`${call}: model is busy: fit() is running on this model; await it before training again`);
  }

  /** For synchronous operations, which cannot wait their turn. */
  checkIdle(call: string): void {
    if (this.holder !== undefined) throw new Error(`${call}: model is busy: ${this.holder}() is running on this model; await it first`);
  }

  /** Calls `fn` now when no turn is in progress, else once the last waiting turn has finished. */
  onIdle(fn: () => void): void {
    if (this.holder === undefined) fn();
    else this.whenIdle.push(fn);
  }

  private release(): void {
    this.holder = undefined;
    const next = this.waiting.shift();
    if (next) return next();
    const idle = this.whenIdle;
    this.whenIdle = [];
    for (const fn of idle) fn();
  }
}
