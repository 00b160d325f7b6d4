// Whole-step programs: the optional fast path where a backend runs one whole training step
// (forward, loss, backward, gradient clipping, optimizer update) or one whole inference forward as
// one program, instead of core driving it layer by layer (see `Backend.compileTrainStep`).
//
// Core decides what may take it (nothing whose behaviour the program could not reproduce: dropout
// randomness, initial states, frozen layers, `fused: false`), describes the model and the batch in
// a plan, and keeps everything a checkpoint reads: parameters and optimizer slots stay the model's
// and the Optimizer's handles, and the program updates them in place (what the contract already
// allows optimizer updates to do), so save(), optimizerState() and getWeights() read fast steps
// exactly as they read plain ones. A backend returns undefined for a plan it does not compute, and
// the step runs on the plain path: a fast path, never a different behaviour.

import type { FloatArray, Tensor } from './backend.js';
import type { Dataset } from './dataset.js';
import type { LayerSpec } from './layers/specs.js';
import { countCorrect, targetDtype, type LossName } from './losses.js';
import type { Optimizer, OptimizerSpec } from './optimizers.js';
import type { Sequential, TrainOptions } from './sequential.js';

/** What a whole-model program is compiled for: the model's layers and one batch shape. */
export interface WholeModelPlan {
  /** The model's layer specs (`model.specs`). */
  readonly layers: readonly LayerSpec[];
  /** Every parameter by state_dict name (`1.weight_ih_l0`), in model order, with its shape. */
  readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** x: [B, T, ...]: token ids (int32) when the first layer is an embedding, else float32 features. */
  readonly inputShape: readonly number[];
  readonly inputDtype: 'int32' | 'float32';
  /** Whether per-sample lengths are fed (each in [1, T]). */
  readonly lengths: boolean;
}

export type InferencePlan = WholeModelPlan;

export interface TrainStepPlan extends WholeModelPlan {
  readonly loss: LossName;
  /** The targets' shape and dtype (labels int32 for the cross-entropies, float32 otherwise). */
  readonly targetShape: readonly number[];
  /**
   * The optimizer's hyper-parameters. `lr` is the one at compile time only: every run gets the
   * step's lr (schedules change it without a new program).
   */
  readonly optimizer: OptimizerSpec;
  /** Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_), when set. */
  readonly clipNorm?: number | undefined;
}

export interface TrainStepArgs {
  /** x: as `plan.inputShape`; y: as `plan.targetShape`. */
  readonly x: Tensor;
  readonly y: Tensor;
  readonly lengths?: Int32Array | undefined;
  /** Every parameter by state_dict name; the program updates them in place. */
  readonly params: ReadonlyMap<string, Tensor>;
  /** Each parameter's two optimizer slots (Adam m, v; SGD velocity; RMSprop square average, buffer), updated in place. */
  readonly slots: ReadonlyMap<string, readonly Tensor[]>;
  /** This step's learning rate, 1-based step count, and whether the slots are fresh (SGD's buffer = grad). */
  readonly lr: number;
  readonly step: number;
  readonly first: boolean;
}

export interface TrainStepResult {
  /** The batch's mean loss, before the update. */
  readonly loss: number;
  /** The model's output on the batch (before the update), for accuracy. */
  readonly output: FloatArray;
  readonly outputShape: readonly number[];
}

export interface TrainStepProgram {
  run(args: TrainStepArgs): Promise<TrainStepResult>;
}

export interface InferenceProgram {
  /** The model's output for x (a new tensor the caller disposes). */
  run(args: { readonly x: Tensor; readonly lengths?: Int32Array | undefined; readonly params: ReadonlyMap<string, Tensor> }): Promise<Tensor>;
}

/** Compiled programs per model (keyed by its layer list) and plan; null: the backend declined. */
const programs = new WeakMap<object, Map<string, TrainStepProgram | InferenceProgram | null>>();

function cached<P>(model: Sequential, key: string, compile: () => P | undefined): P | undefined {
  let m = programs.get(model.layers);
  if (!m) programs.set(model.layers, (m = new Map()));
  if (!m.has(key)) m.set(key, (compile() as TrainStepProgram | InferenceProgram | undefined) ?? null);
  return (m.get(key) ?? undefined) as P | undefined;
}

function modelPlan(model: Sequential, x: Dataset['x'], lengths: Int32Array | undefined): WholeModelPlan {
  return {
    layers: model.specs,
    params: [...model.parameterShapes()].map(([name, shape]) => ({ name, shape })),
    inputShape: [...x.shape],
    inputDtype: model.input.kind === 'ids' ? 'int32' : 'float32',
    lengths: lengths !== undefined,
  };
}

/** Token ids in [0, V): the layer path's checked backend says so per call; this path checks here, as clearly. */
function checkIds(model: Sequential, x: Dataset['x']): void {
  const first = model.layers[0]!;
  if (first.input.kind !== 'ids') return;
  const V = first.input.vocab;
  for (const id of x.data) if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new Error(`embeddingForward: ids: expected token ids in [0, ${V}), got ${id}`);
}

/**
 * trainBatch's fast path: one step through the backend's whole-step program, when the model, the
 * options and the backend allow it; undefined otherwise (nothing has changed then, and the plain
 * path runs). The optimizer is the one trainBatch chose for this step.
 */
export async function trainWholeStep(
  model: Sequential,
  fused: boolean,
  batch: Dataset,
  opts: TrainOptions,
  optimizer: Optimizer,
  countAccuracy: boolean,
): Promise<{ loss: number; accuracy?: { correct: number; total: number } | undefined } | undefined> {
  const b = model.backend;
  if (!b.compileTrainStep || !fused || opts.initialStates !== undefined) return undefined;
  // Not reproducible by one program: dropout draws core's RNG; frozen layers change what updates.
  for (const l of model.layers) if (!l.trainable || (l.spec.type === 'recurrent' && l.spec.dropout > 0)) return undefined;
  if (opts.loss === 'softmaxCrossEntropy' || opts.loss === 'sequenceCrossEntropy') {
    const C = model.output.kind === 'ids' ? 0 : model.output.features;
    for (const c of batch.y.data) if (!(Number.isInteger(c) && c >= 0 && c < C)) return undefined; // the plain path reports it
  }
  const plan: TrainStepPlan = {
    ...modelPlan(model, batch.x, batch.lengths),
    loss: opts.loss,
    targetShape: [...batch.y.shape],
    optimizer: optimizer.spec,
    clipNorm: opts.clipNorm,
  };
  const key = JSON.stringify({ ...plan, layers: undefined, params: undefined, optimizer: { ...plan.optimizer, lr: 0 } });
  const program = cached(model, `train:${key}`, () => b.compileTrainStep!(plan));
  if (!program) return undefined;
  const params = model.namedParams();
  const step = optimizer.beginWholeStep(params);
  if (!step) return undefined;
  checkIds(model, batch.x);
  const x = b.tensor(batch.x.data, batch.x.shape, plan.inputDtype);
  let y: Tensor | undefined;
  try {
    y = b.tensor(batch.y.data, batch.y.shape, targetDtype(opts.loss));
    const r = await program.run({ x, y, lengths: batch.lengths, params, slots: step.slots, lr: optimizer.spec.lr, step: step.step, first: step.first });
    if (!Number.isFinite(r.loss)) throw new Error(`trainStep: the loss became ${r.loss}; lower the learning rate or set clipNorm`);
    return { loss: r.loss, accuracy: countAccuracy ? countCorrect(opts.loss, r.output, r.outputShape, batch.y, batch.lengths) : undefined };
  } finally {
    b.dispose(x);
    if (y) b.dispose(y);
  }
}

/**
 * predict's and evaluate's fast path: the model's output for x (already uploaded) from one
 * whole-model program, or undefined when the backend has none for this model.
 */
export async function inferWhole(model: Sequential, fused: boolean, x: Tensor, batchX: Dataset['x'], lengths: Int32Array | undefined): Promise<{ y: Tensor } | undefined> {
  const b = model.backend;
  if (!b.compileInference || !fused) return undefined;
  const plan = modelPlan(model, batchX, lengths);
  const key = JSON.stringify({ ...plan, layers: undefined, params: undefined });
  const program = cached(model, `infer:${key}`, () => b.compileInference!(plan));
  if (!program) return undefined;
  checkIds(model, batchX);
  return { y: await program.run({ x, lengths, params: model.namedParams() }) };
}
