// The sequential model: a stack of layers with Keras-style fit / evaluate / predict, a
// single-batch trainStep, state in/out, and a step-by-step stream for online inference.
// Parameter names follow PyTorch's nn.Sequential state_dict: `<layer index>.<name>`.
import type { Backend, Tensor } from './backend.js';
import { checkedBackend } from './checked-backend.js';
import { batchIndices, datasetSize, epochOrder, gatherBatch, splitValidation, type Dataset, type HostTensor } from './dataset.js';
import { encodeCheckpoint, OPTIMIZER_SLOTS, writeFileAtomic, type CheckpointContents } from './checkpoint.js';
import { buildDense } from './layers/dense.js';
import { buildEmbedding } from './layers/embedding.js';
import type { BuiltLayer, ForwardContext, LayerIO, RecurrentState, StateGradArgs } from './layers/layer.js';
import { describeIO } from './layers/layer.js';
import { buildRecurrent } from './layers/recurrent.js';
import type { LayerSpec } from './layers/specs.js';
import { checkLossName, computeLoss, countCorrect, targetDtype, type LossName } from './losses.js';
import { Optimizer, adam, checkOptimizerSpec, sameExceptLr, type OptimizerSpec } from './optimizers.js';
import { checkCallbacks, type Callbacks, type EpochLog, type FitContext } from './callbacks.js';
import { checkSchedule, scheduledLr, type LrSchedule } from './lr-schedules.js';
import type { Initializer } from './init.js';
import { Rng } from './rng.js';
import { inferWhole, trainWholeStep } from './whole-step.js';
import { checkOptions } from './strict-options.js';
import { ModelLock } from './model-lock.js';
import { encodeSafetensors } from './safetensors.js';
import { readSafetensors } from './safetensors-file.js';
import { describeMismatch, matchStateDict, stateDictEntries, torchName, type StateDictNames, type StateDictReport } from './state-dict.js';
import { checkDataset, checkFloats, checkInput, checkLengths, checkTargets, shapeString } from './validate.js';

const STEP_OPTIONS = ['loss', 'optimizer', 'clipNorm'] as const;
/** trainStep also takes one batch's initial states; fit does not (they are per batch, not per sample). */
const TRAIN_OPTIONS = [...STEP_OPTIONS, 'initialStates'] as const;
const FIT_OPTIONS = [...STEP_OPTIONS, 'epochs', 'initialEpoch', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'callbacks', 'schedule'] as const;
/** SequentialOptions, and what the backend packages' `sequential`/`loadModel` add to them. */
const SEQUENTIAL_OPTIONS = ['seed', 'initializer', 'fused', 'backend', 'backendOptions'] as const;

export interface SequentialOptions {
  /** Seed for initial weights, dropout masks and shuffling (default 0). */
  seed?: number;
  /** Initial weights as PyTorch (default) or Keras would draw them; see `Initializer`. */
  initializer?: Initializer;
  /**
   * Run recurrent layers on the backend's fused kernels where it has them (default true); false
   * runs every cell on core's generic path (for tests and benchmarks of the fast paths).
   */
  fused?: boolean;
}

export type { BatchLog, Callbacks, EpochLog, FitContext } from './callbacks.js';

export interface TrainOptions {
  /**
   * trainStep and gradients: the batch's initial states, one entry per layer as in `forward`
   * (PyTorch's `lstm(x, (h_0, c_0))` inside the step). They are used, and their gradient is what
   * `gradients` returns as `initialStates`. fit rejects them.
   */
  initialStates?: (InitialState | undefined)[] | undefined;
  loss: LossName;
  /**
   * Default adam() (lr 1e-3), or the model's current optimizer after the first call. A spec that
   * differs from the current one only in `lr` keeps its state (moments, step count), as setting
   * PyTorch's `param_group['lr']` does; any other change (type, another hyper-parameter) starts
   * fresh optimizer state.
   */
  optimizer?: OptimizerSpec;
  /** Clip the global gradient norm to this value (torch.nn.utils.clip_grad_norm_). */
  clipNorm?: number;
}

export interface FitOptions extends TrainOptions {
  /**
   * How many epochs to run (default 1), continuing the model's epoch count (`model.epoch`), so
   * `fit({ epochs: 1 })` twice is `fit({ epochs: 2 })`. With `initialEpoch`, as in Keras, the
   * epoch to stop before: epochs initialEpoch … epochs − 1 run.
   */
  epochs?: number;
  /** Keras initial_epoch: the index of the first epoch (its shuffle order and scheduled lr); default `model.epoch`. */
  initialEpoch?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationData?: Dataset;
  /** Keras validation_split: the last fraction of the samples (in data order, before shuffling) validates instead of training. */
  validationSplit?: number;
  /** One callbacks object or a list (Keras's `callbacks=[...]`); `earlyStopping(...)` is one. */
  callbacks?: Callbacks | readonly Callbacks[];
  /** A learning-rate schedule stepped once per epoch: stepLR, exponentialLR, cosineLR, reduceLROnPlateau, or your own. */
  schedule?: LrSchedule;
}

export interface EvaluateResult {
  readonly loss: number;
  /** Classification losses only. */
  readonly accuracy?: number | undefined;
  readonly samples: number;
}

/**
 * One recurrent layer's states by the cell's state names, each [numLayers·D, B, ...state],
 * layer-major, forward then reverse (PyTorch's h_n / c_n): `h` for every classic cell, `c` for LSTM.
 */
export interface LayerStates {
  h: HostTensor<Float32Array>;
  c?: HostTensor<Float32Array> | undefined;
  readonly [state: string]: HostTensor<Float32Array> | undefined;
}

export interface ForwardResult {
  /** The model's output (logits for classification losses). */
  readonly output: HostTensor<Float32Array>;
  /** Final states of each recurrent layer, in model order. */
  readonly states: LayerStates[];
}

/** Initial states of one recurrent layer, by state name (PyTorch h_0, c_0); each [numLayers·D, B, ...state]. */
export type InitialState = LayerStates;

function buildLayers(specs: readonly LayerSpec[]): BuiltLayer[] {
  if (!Array.isArray(specs) || specs.length === 0) throw new Error('layers: expected a non-empty array of layers');
  const built: BuiltLayer[] = [];
  specs.forEach((s, i) => built.push(buildLayer(s, built[i - 1]?.output, i)));
  return built;
}

function buildLayer(spec: LayerSpec, input: LayerIO | undefined, index: number): BuiltLayer {
  switch (spec?.type) {
    case 'embedding':
      return buildEmbedding(spec, input, index);
    case 'recurrent':
      return buildRecurrent(spec, input, index);
    case 'dense':
      return buildDense(spec, input, index);
    default:
      throw new Error(`layers[${index}]: expected a layer from layers.lstm/gru/rnn/ctrnn/dense/embedding, got ${JSON.stringify(spec)}`);
  }
}

export class Sequential {
  readonly backend: Backend;
  readonly layers: readonly BuiltLayer[];
  readonly seed: number;
  /** Parameters per layer, by local name. */
  private readonly params: Map<string, Tensor>[];
  private optimizer: Optimizer | undefined;
  /** The next epoch's index: epochs fit has completed on this model (see `epoch`). */
  private nextEpoch = 0;
  private dropoutRng: Rng;
  private disposed = false;
  /** One operation at a time: see model-lock.ts for the rule. */
  private readonly lock = new ModelLock();
  lastLoss: LossName | undefined;

  private readonly fused: boolean;

  /** With `weights` (by state_dict name), parameters start from them and nothing is drawn. */
  private constructor(
    backend: Backend,
    readonly specs: readonly LayerSpec[],
    private readonly ownsBackend: boolean,
    options: SequentialOptions,
    weights?: ReadonlyMap<string, Float32Array>,
  ) {
    checkOptions(options, SEQUENTIAL_OPTIONS, 'model options');
    this.backend = checkedBackend(backend);
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw new Error(`seed: expected a non-negative integer, got ${JSON.stringify(options.seed)}`);
    if (options.fused !== undefined && typeof options.fused !== 'boolean') throw new Error(`fused: expected true or false, got ${JSON.stringify(options.fused)}`);
    this.fused = options.fused ?? true;
    const built = buildLayers(specs);
    this.layers = built;
    const scheme = options.initializer ?? 'pytorch';
    if (scheme !== 'pytorch' && scheme !== 'keras') throw new Error(`initializer: expected 'pytorch' or 'keras', got '${String(scheme)}'`);
    let values: Map<string, Float32Array>[];
    if (weights) {
      values = built.map((layer, i) =>
        new Map(
          layer.params.map(({ name, shape }) => {
            const v = weights.get(`${i}.${name}`);
            if (!v) throw new Error(`weights: missing '${i}.${name}' (shape ${shapeString(shape)})`);
            return [name, v];
          }),
        ),
      );
    } else {
      const rng = new Rng(this.seed);
      values = built.map((layer) => layer.init(rng, scheme));
    }
    this.params = [];
    try {
      for (const [i, layer] of built.entries()) {
        const m = new Map<string, Tensor>();
        this.params.push(m);
        for (const { name, shape } of layer.params) m.set(name, backend.tensor(values[i]!.get(name)!, shape, 'float32'));
      }
    } catch (e) {
      for (const p of this.params) for (const t of p.values()) backend.dispose(t);
      throw e;
    }
    this.dropoutRng = new Rng(this.seed + 0x5eed);
  }

  /** Builds a model on `backend`. `ownsBackend`: the model closes the backend on dispose. */
  static create(backend: Backend, specs: readonly LayerSpec[], options: SequentialOptions = {}, ownsBackend = false): Sequential {
    return new Sequential(backend, specs, ownsBackend, options);
  }

  /**
   * Builds a model from a checkpoint's contents: its weights are uploaded once, with no random
   * initialisation drawn first. Weights are by state_dict name (`0.weight_ih_l0`); shapes are
   * checked against the layers before anything is uploaded.
   */
  static fromCheckpoint(backend: Backend, c: CheckpointContents, options: Omit<SequentialOptions, 'seed'> = {}, ownsBackend = false): Sequential {
    // Errors about a file's contents name the file (decodeCheckpoint sets `source`).
    const where = c.source ? `${c.source}: not a valid rnnkit checkpoint` : 'checkpoint';
    const shapes = new Map<string, readonly number[]>();
    let built: BuiltLayer[];
    try {
      built = buildLayers(c.layers);
    } catch (e) {
      throw new Error(`${where}: metadata.layers: ${(e as Error).message}`, { cause: e });
    }
    built.forEach((l, i) => l.params.forEach((p) => shapes.set(`${i}.${p.name}`, p.shape)));
    for (const [name, shape] of shapes) {
      const w = c.weights.get(name);
      if (!w) throw new Error(`${where}: missing weight '${name}' (shape ${shapeString(shape)})`);
      if (shapeString(w.shape) !== shapeString(shape)) throw new Error(`${where}: '${name}': expected shape ${shapeString(shape)}, got ${shapeString(w.shape)}`);
    }
    for (const name of c.weights.keys()) if (!shapes.has(name)) throw new Error(`${where}: unexpected weight '${name}' (not a parameter of these layers)`);
    const model = new Sequential(backend, c.layers, ownsBackend, { ...options, seed: c.seed }, new Map([...c.weights].map(([k, v]) => [k, v.data])));
    try {
      if (c.optimizer) model.restoreOptimizer(c.optimizer.spec, c.optimizer.step, c.optimizer.slots);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  }

  get input(): LayerIO {
    return this.layers[0]!.input;
  }

  get output(): LayerIO {
    return this.layers[this.layers.length - 1]!.output;
  }

  /** @internal Parameter handles by state_dict name (owned by the model). */
  namedParams(): Map<string, Tensor> {
    const named = new Map<string, Tensor>();
    this.params.forEach((p, i) => p.forEach((t, k) => named.set(`${i}.${k}`, t)));
    return named;
  }

  /** Every parameter by its state_dict name with its shape. */
  parameterShapes(): Map<string, readonly number[]> {
    const out = new Map<string, readonly number[]>();
    this.layers.forEach((l, i) => l.params.forEach((p) => out.set(`${i}.${p.name}`, p.shape)));
    return out;
  }

  parameterCount(): number {
    let n = 0;
    for (const s of this.parameterShapes().values()) n += s.reduce((a, b) => a * b, 1);
    return n;
  }

  /** Host copies of every parameter, by state_dict name. */
  async getWeights(): Promise<Map<string, Float32Array>> {
    return this.turn('getWeights', () => this.readWeights());
  }

  /** getWeights' reads, for callers already in a turn. */
  private async readWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [i, p] of this.params.entries()) {
      for (const [name, t] of p) out.set(`${i}.${name}`, Float32Array.from(await this.backend.read(t)));
    }
    return out;
  }

  /**
   * Replaces parameters by state_dict name; every name and shape must match. Optimizer state is
   * kept, as PyTorch's `load_state_dict` leaves the optimizer alone.
   */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.checkAlive();
    this.lock.checkIdle('setWeights');
    const shapes = this.parameterShapes();
    for (const name of weights.keys()) if (!shapes.has(name)) throw new Error(`weights: unknown parameter '${name}' (model has ${[...shapes.keys()].join(', ')})`);
    for (const [name, shape] of shapes) {
      const w = weights.get(name);
      if (!w) throw new Error(`weights: missing parameter '${name}'`);
      checkFloats(`weights: '${name}'`, w, shape.reduce((a, b) => a * b, 1));
    }
    for (const [name, shape] of shapes) {
      const [i, local] = splitName(name);
      const old = this.params[i]!.get(local)!;
      this.params[i]!.set(local, this.backend.tensor(weights.get(name)!, shape, 'float32'));
      this.backend.dispose(old);
    }
  }

  /**
   * The PyTorch state_dict: every parameter by its nn.Sequential name (`1.weight_ih_l0`), or by a
   * module's attribute names through `names` (`{ '0.': 'embed.', '1.': 'lstm.', '2.': 'fc.' }`).
   */
  async stateDict(opts: { names?: StateDictNames } = {}): Promise<Map<string, HostTensor<Float32Array>>> {
    checkOptions(opts, ['names'], 'stateDict');
    const shapes = this.parameterShapes();
    const out = new Map<string, HostTensor<Float32Array>>();
    for (const [name, data] of await this.getWeights()) out.set(torchName(name, opts.names, 'stateDict'), { data, shape: [...shapes.get(name)!] });
    return out;
  }

  /**
   * Writes the state_dict as a plain safetensors file (float32, metadata `format: pt`, nothing
   * else), which `safetensors.torch.load_file` + `load_state_dict(strict=True)` accept unchanged.
   */
  async saveStateDict(path: string, opts: { names?: StateDictNames } = {}): Promise<void> {
    checkOptions(opts, ['names'], 'saveStateDict');
    const sd = await this.stateDict(opts);
    await writeFileAtomic(path, encodeSafetensors([...sd].map(([name, t]) => ({ name, data: t.data, shape: t.shape })), { format: 'pt' }));
  }

  /**
   * Loads a PyTorch state_dict: a safetensors file (F32, F64, F16 and BF16 are converted to
   * float32) or a Map in memory. Strict by default, as `load_state_dict(strict=True)`: anything
   * missing, unexpected or of the wrong shape is an error listing all of it; `strict: false` loads
   * what matches. Returns the report either way. Optimizer state is kept.
   */
  async loadStateDict(source: string | ReadonlyMap<string, HostTensor>, opts: { names?: StateDictNames; strict?: boolean } = {}): Promise<StateDictReport> {
    this.checkAlive();
    checkOptions(opts, ['names', 'strict'], 'loadStateDict');
    const strict = opts.strict ?? true;
    if (typeof strict !== 'boolean') throw new Error(`loadStateDict: strict: expected true or false, got ${JSON.stringify(opts.strict)}`);
    const where = typeof source === 'string' ? `loadStateDict(${source})` : 'loadStateDict';
    const given = typeof source === 'string' ? (await readSafetensors(source)).tensors : stateDictEntries(source, where);
    const { weights, report } = matchStateDict(this.parameterShapes(), given, opts.names, where);
    const problems = describeMismatch(report);
    if (strict && problems) throw new Error(`${where}: the state_dict does not match the model: ${problems} (strict: false loads what matches)`);
    const all = await this.getWeights();
    for (const [name, w] of weights) all.set(name, w);
    this.setWeights(all);
    return report;
  }

  /** The model's layers in a table, Keras-style. */
  summary(): string {
    const rows = this.layers.map((l, i) => {
      const n = l.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
      const s = l.spec;
      const what =
        s.type === 'recurrent'
          ? `${s.cell}(hidden ${s.hiddenSize}${s.numLayers > 1 ? `, ${s.numLayers} layers` : ''}${s.bidirectional ? ', bidirectional' : ''}${s.returnSequences ? ', sequences' : ''})`
          : s.type === 'dense'
            ? `dense(${s.units})`
            : `embedding(${s.inputDim} → ${s.outputDim})`;
      return `${String(i).padEnd(4)}${what.padEnd(52)}${describeIO(l.output).padEnd(36)}${n}`;
    });
    return [`${'#'.padEnd(4)}${'layer'.padEnd(52)}${'output'.padEnd(36)}params`, ...rows, `total parameters: ${this.parameterCount()} on ${this.backend.name} (${this.backend.device})`].join('\n');
  }

  // ---- forward ----------------------------------------------------------------------------

  /** @internal */
  upload(x: HostTensor, dtype: 'int32' | 'float32'): Tensor {
    return this.backend.tensor(x.data, x.shape, dtype);
  }

  /**
   * @internal Runs every layer; returns the output tensor, per-layer saved (training) and states
   * (keepState). Used by the models made of parts (encoder-decoder.ts).
   */
  async forwardTensors(
    x: Tensor,
    opts: { training: boolean; lengths?: Int32Array | undefined; initial?: (RecurrentState | undefined)[] | undefined; keepState: boolean },
  ): Promise<{ y: Tensor; saved: unknown[]; states: (RecurrentState | undefined)[] }> {
    const saved: unknown[] = [];
    const states: (RecurrentState | undefined)[] = [];
    let h = x;
    for (const [i, layer] of this.layers.entries()) {
      const ctx: ForwardContext = {
        training: opts.training,
        lengths: opts.lengths,
        rng: opts.training ? this.dropoutRng : undefined,
        initialState: opts.initial?.[i],
        keepState: opts.keepState,
        fused: this.fused,
      };
      const r = await layer.forward(this.backend, this.params[i]!, h, ctx);
      if (h !== x) this.backend.dispose(h);
      h = r.y;
      saved.push(r.saved);
      states.push(r.state);
    }
    return { y: h, saved, states };
  }

  /** The model's output shape for input x: [B, T, ...]; image outputs keep x's frame size. */
  private outShape(x: readonly number[]): number[] {
    const out = this.output;
    const [B, T] = x as [number, number];
    switch (out.kind) {
      case 'ids':
        throw new Error('model: the last layer must produce features, not token ids');
      case 'sequence':
        return [B, T, out.features];
      case 'vector':
        return [B, out.features];
      case 'frames':
        return [B, T, out.features, ...x.slice(3)];
      case 'image':
        return [B, out.features, ...x.slice(3)];
    }
  }

  // ---- training ----------------------------------------------------------------------------

  /**
   * The optimizer for `spec`: the current one when `spec` differs from its spec at most in `lr`
   * (the lr changes, moments and step stay: PyTorch's `param_group['lr'] = ...`), else a fresh
   * one. `baseLr` is the unscheduled lr when fit's schedule chose `spec.lr`.
   */
  private optimizerFor(spec: OptimizerSpec | undefined, baseLr?: number): Optimizer {
    const s = spec === undefined ? (this.optimizer?.spec ?? adam()) : checkOptimizerSpec(spec);
    if (this.optimizer && sameExceptLr(this.optimizer.spec, s)) {
      this.optimizer.setLr(s.lr);
    } else {
      this.optimizer?.dispose();
      this.optimizer = new Optimizer(s, this.backend);
    }
    if (spec !== undefined) this.optimizer.baseLr = baseLr ?? s.lr;
    return this.optimizer;
  }

  /**
   * How many epochs `fit` has completed on this model: the index the next `fit` starts at
   * (unless given `initialEpoch`), which picks its shuffle order and scheduled lr. Not saved in
   * checkpoints: pass `initialEpoch` to resume a loaded model's count.
   */
  get epoch(): number {
    return this.nextEpoch;
  }

  /**
   * One optimisation step on one batch (forward, loss, backward, optional clipping, update).
   * Returns the batch's mean loss.
   */
  async trainStep(batch: Dataset, opts: TrainOptions): Promise<number> {
    checkOptions(opts, TRAIN_OPTIONS, 'trainStep');
    this.lock.checkNotFitting('trainStep');
    return this.turn('trainStep', async () => (await this.trainBatch(batch, opts, false)).loss);
  }

  /** trainStep, optionally also counting correct predictions (one extra read of the batch's outputs). */
  private async trainBatch(
    batch: Dataset,
    opts: TrainOptions,
    countAccuracy: boolean,
    baseLr?: number,
  ): Promise<{ loss: number; accuracy?: { correct: number; total: number } | undefined }> {
    this.checkAlive();
    if (this.layers.every((l) => !l.trainable)) throw new Error('trainStep: every layer is frozen (trainable: false), so there is nothing to train');
    checkLossName(opts.loss);
    checkDataset(batch, 'batch');
    const [B, T] = checkInput(batch.x, this.input);
    checkLengths(batch.lengths, B, T);
    checkTargets(batch.y, opts.loss, this.outShape(batch.x.shape));
    if (opts.clipNorm !== undefined && !(opts.clipNorm > 0)) throw new Error(`clipNorm: expected a number > 0, got ${opts.clipNorm}`);
    this.lastLoss = opts.loss;
    const optimizer = this.optimizerFor(opts.optimizer, baseLr);
    const b = this.backend;
    // whole-step.ts: the backend's one-program step where it has one for this model (else undefined).
    const whole = await trainWholeStep(this, this.fused, batch, opts, optimizer, countAccuracy);
    if (whole) return whole;

    const { loss, grads, dInitial } = await this.lossAndGrads(batch, opts.loss, opts.initialStates, countAccuracy, false);
    disposeStates(b, dInitial);
    const accuracy = countAccuracy ? loss.accuracy : undefined;
    if (opts.clipNorm !== undefined) {
      const ss = await b.sumSquares([...grads.values()]);
      const norm = Math.sqrt((await b.read(ss))[0]!);
      b.dispose(ss);
      const coef = opts.clipNorm / (norm + 1e-6);
      if (coef < 1) for (const g of grads.values()) await b.scaleInPlace(g, coef);
    }

    await optimizer.apply(this.namedParams(), grads);
    for (const g of grads.values()) b.dispose(g);
    const value = loss.value;
    if (!Number.isFinite(value)) throw new Error(`trainStep: the loss became ${value}; lower the learning rate or set clipNorm`);
    return { loss: value, accuracy };
  }

  /**
   * Forward (training mode), loss and backward on one checked batch: the loss, the trainable
   * layers' gradients by state_dict name, and (with initial states) their gradients, per layer.
   */
  private async lossAndGrads(
    batch: Dataset,
    lossName: LossName,
    initialStates: (InitialState | undefined)[] | undefined,
    countAccuracy: boolean,
    wantStateGrads: boolean,
  ): Promise<{ loss: { value: number; accuracy?: { correct: number; total: number } | undefined }; grads: Map<string, Tensor>; dInitial: (RecurrentState | undefined)[] }> {
    const b = this.backend;
    const initial = this.uploadStates(initialStates, batch.x.shape[0]!, batch.x.shape.slice(3));
    try {
      const x = this.upload(batch.x, this.input.kind === 'ids' ? 'int32' : 'float32');
      const y = this.upload(batch.y, targetDtype(lossName));
      const fwd = await this.forwardTensors(x, { training: true, lengths: batch.lengths, initial, keepState: false });
      b.dispose(x);
      const { loss, grad } = await computeLoss(b, lossName, fwd.y, y, batch.lengths);
      const accuracy = countAccuracy ? countCorrect(lossName, await b.read(fwd.y), fwd.y.shape, batch.y, batch.lengths) : undefined;
      b.dispose(fwd.y);
      b.dispose(y);
      const r = await this.backwardTensors(fwd.saved, grad, { wantInitial: wantStateGrads && initial !== undefined });
      b.dispose(grad);
      // As PyTorch: a gradient only for the states that were given (zeros elsewhere get none).
      r.dInitial.forEach((d, i) => {
        if (d && !initial?.[i]) disposeStates(b, [d]), (r.dInitial[i] = undefined);
      });
      const value = (await b.read(loss))[0]!;
      b.dispose(loss);
      return { loss: { value, accuracy }, grads: r.grads, dInitial: r.dInitial };
    } finally {
      // The saved activations may hold the initial states until backward is done.
      disposeStates(b, initial);
    }
  }

  /**
   * @internal Backward through every layer from dy (the loss gradient w.r.t. the output; absent =
   * zero) and `dFinal` (per layer, the gradient w.r.t. its final states). Frees `saved`; returns
   * the trainable layers' gradients by state_dict name, the initial states' gradients per layer
   * when `wantInitial` (else none), and dx when `needDx` (float inputs only).
   */
  async backwardTensors(
    saved: readonly unknown[],
    dy: Tensor | undefined,
    opts: { dFinal?: readonly (StateGradArgs['dFinal'] | undefined)[] | undefined; wantInitial?: boolean; needDx?: boolean } = {},
  ): Promise<{ grads: Map<string, Tensor>; dInitial: (RecurrentState | undefined)[]; dx?: Tensor | undefined }> {
    const b = this.backend;
    // Layers before the first trainable one need no backward at all (a frozen embedding, say),
    // unless a state or input gradient is wanted below them.
    const firstTrainable = this.layers.findIndex((l) => l.trainable);
    const stop = opts.wantInitial || opts.needDx ? 0 : Math.max(0, firstTrainable);
    const grads = new Map<string, Tensor>();
    const dInitial: (RecurrentState | undefined)[] = new Array(this.layers.length).fill(undefined);
    let d: Tensor | undefined = dy;
    let owned = false;
    let dx: Tensor | undefined;
    try {
      for (let i = this.layers.length - 1; i >= 0; i--) {
        const layer = this.layers[i]!;
        if (i < stop) {
          layer.disposeSaved(b, saved[i]);
          continue;
        }
        const needDx = i > stop || (i === 0 && opts.needDx === true);
        const r = await layer.backward(b, saved[i], d, needDx, layer.states ? { dFinal: opts.dFinal?.[i], wantInitial: opts.wantInitial } : undefined);
        if (owned && d) b.dispose(d);
        layer.disposeSaved(b, saved[i]);
        d = r.dx;
        owned = true;
        dInitial[i] = r.dInitial;
        // A frozen layer's gradients only carry dx through it: no update, no slots, no clipNorm share.
        for (const [name, g] of r.grads) {
          if (layer.trainable) grads.set(`${i}.${name}`, g);
          else b.dispose(g);
        }
      }
      dx = opts.needDx ? d : undefined;
      if (!opts.needDx && owned && d) b.dispose(d);
      return { grads, dInitial, dx };
    } catch (e) {
      for (const g of grads.values()) b.dispose(g);
      disposeStates(b, dInitial);
      throw e;
    }
  }

  /**
   * The loss and its gradients on one batch, with no update (PyTorch's `loss.backward()` followed
   * by reading `p.grad` and `h_0.grad`): every trainable parameter's gradient by state_dict name,
   * and, when `initialStates` are given, their gradients in the same layout (per layer, by state
   * name, [numLayers·D, B, ...]). Dropout is drawn as in trainStep.
   */
  async gradients(
    batch: Dataset,
    opts: { loss: LossName; initialStates?: (InitialState | undefined)[] | undefined },
  ): Promise<{ loss: number; grads: Map<string, HostTensor<Float32Array>>; initialStates: (LayerStates | undefined)[] }> {
    checkOptions(opts, ['loss', 'initialStates'], 'gradients');
    return this.turn('gradients', async () => {
      checkLossName(opts.loss);
      checkDataset(batch, 'batch');
      const [B, T] = checkInput(batch.x, this.input);
      checkLengths(batch.lengths, B, T);
      checkTargets(batch.y, opts.loss, this.outShape(batch.x.shape));
      const b = this.backend;
      const { loss, grads, dInitial } = await this.lossAndGrads(batch, opts.loss, opts.initialStates, false, true);
      try {
        const shapes = this.parameterShapes();
        const out = new Map<string, HostTensor<Float32Array>>();
        for (const [name, g] of grads) out.set(name, { data: Float32Array.from(await b.read(g)), shape: [...shapes.get(name)!] });
        const states: (LayerStates | undefined)[] = [];
        for (const [i, st] of dInitial.entries()) states.push(st ? await this.namedStates(i, st) : undefined);
        return { loss: loss.value, grads: out, initialStates: states };
      } finally {
        for (const g of grads.values()) b.dispose(g);
        disposeStates(b, dInitial);
      }
    });
  }

  /** @internal A layer's states as host tensors by name, each [numLayers·D, B, ...]. */
  async namedStates(layer: number, st: RecurrentState): Promise<LayerStates> {
    const named: Record<string, HostTensor<Float32Array>> = {};
    for (const [j, d] of this.layers[layer]!.states!.entries()) named[d.name] = await this.stackStates(st.values[j]!);
    return named as LayerStates;
  }

  /**
   * Keras-style training loop. Shuffles with the model's seed and the epoch's index (same order on
   * every backend, and across fit calls: epochs continue `model.epoch`). Returns the history, one
   * log per epoch run (fewer than asked when a callback set `ctx.stopTraining`).
   */
  async fit(data: Dataset, opts: FitOptions): Promise<EpochLog[]> {
    this.checkAlive();
    return this.lock.fit(() => this.fitLoop(data, opts));
  }

  /** fit's loop: one turn per batch (model-lock.ts), so callbacks and other calls run between batches. */
  private async fitLoop(data: Dataset, opts: FitOptions): Promise<EpochLog[]> {
    this.checkAlive();
    checkOptions(opts, FIT_OPTIONS, 'fit');
    const callbacks = checkCallbacks(opts.callbacks);
    const schedule = checkSchedule(opts.schedule);
    checkLossName(opts.loss);
    const first = opts.initialEpoch ?? this.nextEpoch;
    if (!Number.isSafeInteger(first) || first < 0) throw new Error(`fit: initialEpoch: expected a non-negative integer, got ${JSON.stringify(opts.initialEpoch)}`);
    const epochs = opts.epochs ?? 1;
    if (!Number.isSafeInteger(epochs) || epochs < 1) throw new Error(`epochs: expected a positive integer, got ${epochs}`);
    // Keras: with initial_epoch, `epochs` is the index to stop before, not a count.
    const end = opts.initialEpoch === undefined ? first + epochs : epochs;
    if (end <= first) throw new Error(`fit: epochs: with initialEpoch ${first}, epochs is the epoch to stop before (Keras) and must be > ${first}, got ${epochs}`);
    const batchSize = opts.batchSize ?? 32;
    const total = checkDataset(data);
    if (opts.validationData !== undefined && opts.validationSplit !== undefined) throw new Error('fit: validationSplit: give validationData or validationSplit, not both');
    const split = opts.validationSplit !== undefined ? splitValidation(data, opts.validationSplit) : undefined;
    const train = split?.train ?? data;
    const n = split ? datasetSize(split.train) : total;
    const validation = split?.validation ?? opts.validationData;
    if (opts.validationData) checkDataset(opts.validationData, 'validationData');
    // What a schedule or callback watches must be in every epoch's log: say so before training.
    for (const [what, w] of [['schedule', schedule] as const, ...callbacks.map((c, i) => [`callbacks${Array.isArray(opts.callbacks) ? `[${i}]` : ''}`, c] as const)]) {
      const monitor = (w as { monitor?: unknown } | undefined)?.monitor;
      if (typeof monitor !== 'string') continue;
      if (!validation && monitor.startsWith('val')) throw new Error(`fit: ${what}: monitor: '${monitor}' needs validationData or validationSplit`);
      if (opts.loss === 'meanSquaredError' && /accuracy/i.test(monitor)) throw new Error(`fit: ${what}: monitor: '${monitor}' is not reported for meanSquaredError (only the classification losses have an accuracy)`);
    }
    // The unscheduled optimizer: as given, else the current one (with the lr it was given when a schedule scales it).
    const base =
      opts.optimizer !== undefined
        ? checkOptimizerSpec(opts.optimizer)
        : this.optimizer
          ? { ...this.optimizer.spec, lr: schedule ? this.optimizer.baseLr : this.optimizer.spec.lr }
          : adam();
    const ctx: FitContext = { model: this, stopTraining: false };
    const history: EpochLog[] = [];
    for (const c of callbacks) await c.onTrainBegin?.(ctx);
    for (let epoch = first; epoch < end && !ctx.stopTraining; epoch++) {
      const lr = schedule ? scheduledLr(schedule, epoch, base.lr) : base.lr;
      const epochOpts = { ...opts, optimizer: { ...base, lr } };
      for (const c of callbacks) await c.onEpochBegin?.(epoch, ctx);
      if (ctx.stopTraining) break;
      const started = performance.now();
      const batches = batchIndices(epochOrder(n, this.seed, epoch, opts.shuffle ?? true), batchSize);
      let sum = 0;
      let count = 0;
      let correct = 0;
      let counted = 0;
      for (const [bi, idx] of batches.entries()) {
        const r = await this.turn('fit', () => this.trainBatch(gatherBatch(train, idx), epochOpts, true, base.lr));
        const loss = r.loss;
        sum += loss * idx.length;
        count += idx.length;
        if (r.accuracy) (correct += r.accuracy.correct), (counted += r.accuracy.total);
        for (const c of callbacks) await c.onBatchEnd?.({ epoch, batch: bi, batches: batches.length, size: idx.length, loss }, ctx);
        if (ctx.stopTraining) break;
      }
      const val = validation ? await this.evaluate(validation, { loss: opts.loss, batchSize }) : undefined;
      const log: EpochLog = {
        epoch,
        loss: sum / count,
        accuracy: counted > 0 ? correct / counted : undefined,
        valLoss: val?.loss,
        valAccuracy: val?.accuracy,
        lr,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(log);
      this.nextEpoch = epoch + 1;
      schedule?.onEpochEnd?.(log);
      for (const c of callbacks) await c.onEpochEnd?.(log, ctx);
    }
    for (const c of callbacks) await c.onTrainEnd?.(history, ctx);
    return history;
  }

  // ---- inference ---------------------------------------------------------------------------

  /** Mean loss and (for classification) accuracy over a data set. */
  async evaluate(
    data: Dataset,
    opts: { loss?: LossName; batchSize?: number; onBatchEnd?: (done: number, total: number) => void } = {},
  ): Promise<EvaluateResult> {
    return this.turn('evaluate', async () => {
      checkOptions(opts, ['loss', 'batchSize', 'onBatchEnd'], 'evaluate');
      const lossName = opts.loss ?? this.lastLoss;
      if (!lossName) throw new Error('evaluate: loss: not given and the model has not been trained yet');
      checkLossName(lossName);
      const n = checkDataset(data);
      const batches = batchIndices(epochOrder(n, 0, 0, false), opts.batchSize ?? 256);
      const b = this.backend;
      let lossSum = 0;
      let correct = 0;
      let total = 0;
      let counted = false;
      let done = 0;
      for (const idx of batches) {
        const batch = gatherBatch(data, idx);
        const [B, T] = checkInput(batch.x, this.input);
        checkLengths(batch.lengths, B, T);
        checkTargets(batch.y, lossName, this.outShape(batch.x.shape));
        const x = this.upload(batch.x, this.input.kind === 'ids' ? 'int32' : 'float32');
        const y = this.upload(batch.y, targetDtype(lossName));
        const fwd = (await inferWhole(this, this.fused, x, batch.x, batch.lengths)) ?? (await this.forwardTensors(x, { training: false, lengths: batch.lengths, keepState: false })); // whole-step.ts
        b.dispose(x);
        const r = await computeLoss(b, lossName, fwd.y, y, batch.lengths);
        b.dispose(y);
        b.dispose(r.grad);
        const out = await b.read(fwd.y);
        lossSum += (await b.read(r.loss))[0]! * idx.length;
        b.dispose(r.loss);
        const acc = countCorrect(lossName, out, fwd.y.shape, batch.y, batch.lengths);
        b.dispose(fwd.y);
        if (acc) {
          counted = true;
          correct += acc.correct;
          total += acc.total;
        }
        done += idx.length;
        opts.onBatchEnd?.(done, n);
      }
      return { loss: lossSum / n, accuracy: counted ? correct / total : undefined, samples: n };
    });
  }

  /** Model outputs (logits for classification models) for `x`, batched. */
  async predict(
    x: HostTensor,
    opts: { batchSize?: number; lengths?: Int32Array; onBatchEnd?: (done: number, total: number) => void } = {},
  ): Promise<HostTensor<Float32Array>> {
    return this.turn('predict', async () => {
      checkOptions(opts, ['batchSize', 'lengths', 'onBatchEnd'], 'predict');
      const [N, T] = checkInput(x, this.input);
      checkLengths(opts.lengths, N, T);
      const outShape = this.outShape(x.shape);
      const rowSize = outShape.slice(1).reduce((a, c) => a * c, 1);
      const out = new Float32Array(N * rowSize);
      const ds: Dataset = { x, y: { data: new Float32Array(N), shape: [N] }, lengths: opts.lengths };
      for (const idx of batchIndices(epochOrder(N, 0, 0, false), opts.batchSize ?? 256)) {
        const batch = gatherBatch(ds, idx);
        const xt = this.upload(batch.x, this.input.kind === 'ids' ? 'int32' : 'float32');
        const fwd = (await inferWhole(this, this.fused, xt, batch.x, batch.lengths)) ?? (await this.forwardTensors(xt, { training: false, lengths: batch.lengths, keepState: false })); // whole-step.ts
        this.backend.dispose(xt);
        out.set(await this.backend.read(fwd.y), idx[0]! * rowSize);
        this.backend.dispose(fwd.y);
        opts.onBatchEnd?.(idx[0]! + idx.length, N);
      }
      return { data: out, shape: outShape };
    });
  }

  /**
   * One forward pass with state in and out (PyTorch's `output, (h_n, c_n) = lstm(x, (h_0, c_0))`).
   * `initialStates` has one entry per layer (undefined for non-recurrent layers or zero state).
   */
  async forward(
    x: HostTensor,
    opts: { lengths?: Int32Array; initialStates?: (InitialState | undefined)[] } = {},
  ): Promise<ForwardResult> {
    return this.turn('forward', async () => {
      checkOptions(opts, ['lengths', 'initialStates'], 'forward');
      const [B, T] = checkInput(x, this.input);
      checkLengths(opts.lengths, B, T);
      const initial = this.uploadStates(opts.initialStates, B, x.shape.slice(3));
      const xt = this.upload(x, this.input.kind === 'ids' ? 'int32' : 'float32');
      const fwd = await this.forwardTensors(xt, { training: false, lengths: opts.lengths, initial, keepState: true });
      this.backend.dispose(xt);
      disposeStates(this.backend, initial);
      const output = { data: Float32Array.from(await this.backend.read(fwd.y)), shape: fwd.y.shape.slice() };
      this.backend.dispose(fwd.y);
      const states: ForwardResult['states'] = [];
      for (const [i, st] of fwd.states.entries()) if (st) states.push(await this.namedStates(i, st));
      disposeStates(this.backend, fwd.states);
      return { output, states };
    });
  }

  private async stackStates(ts: readonly Tensor[]): Promise<HostTensor<Float32Array>> {
    const per = ts[0]!.shape.reduce((a, c) => a * c, 1);
    const out = new Float32Array(ts.length * per);
    for (const [i, t] of ts.entries()) out.set(await this.backend.read(t), i * per);
    return { data: out, shape: [ts.length, ...ts[0]!.shape] };
  }

  /** Uploads user states, checking each against its layer: every state the cell has, by name. */
  uploadStates(states: (InitialState | undefined)[] | undefined, B: number, frame: readonly number[] = []): (RecurrentState | undefined)[] | undefined {
    if (!states) return undefined;
    if (!Array.isArray(states) || states.length !== this.layers.length) {
      throw new Error(`initialStates: expected ${this.layers.length} entries (one per layer, undefined for non-recurrent), got ${Array.isArray(states) ? states.length : typeof states}`);
    }
    // Check everything before uploading anything, so a rejected call leaves no tensor behind.
    const plan = states.map((s, i) => {
      if (!s) return undefined;
      const layer = this.layers[i]!;
      if (!layer.states) throw new Error(`initialStates[${i}]: layer ${i} is ${layer.spec.type}, which has no state`);
      const names = layer.states.map((d) => d.name);
      for (const key of Object.keys(s)) {
        if (s[key] !== undefined && !names.includes(key)) throw new Error(`initialStates[${i}].${key}: layer ${i} has no state '${key}' (its states: ${names.join(', ')})`);
      }
      return layer.states.map((decl) => {
        // Image cells' states take x's frame size: [Hc, H, W].
        const d = layer.input.kind === 'frames' ? { ...decl, shape: [decl.shape[0]!, ...frame] } : decl;
        const t = s[d.name];
        if (!t) throw new Error(`initialStates[${i}].${d.name}: missing (layer ${i} needs ${names.join(' and ')})`);
        checkFloats(`initialStates[${i}].${d.name}`, t.data);
        const shape = [d.count, B, ...d.shape];
        if (shapeString(t.shape) !== shapeString(shape) || t.data.length !== shape.reduce((a, c) => a * c, 1)) {
          throw new Error(`initialStates[${i}].${d.name}: expected shape ${shapeString(shape)}, got ${shapeString(t.shape)}`);
        }
        return { t, d };
      });
    });
    return plan.map((entries) => {
      if (!entries) return undefined;
      return {
        values: entries.map(({ t, d }) => {
          const per = B * d.shape.reduce((a, c) => a * c, 1);
          return Array.from({ length: d.count }, (_, k) => this.backend.tensor(t.data.subarray(k * per, (k + 1) * per), [B, ...d.shape], 'float32'));
        }),
      };
    });
  }

  /** Runs layers on backend tensors with explicit states (used by SequenceStream). */
  async runWithState(x: Tensor, states: (RecurrentState | undefined)[] | undefined): Promise<{ y: Tensor; states: (RecurrentState | undefined)[] }> {
    return this.turn('stream', async () => {
      const r = await this.forwardTensors(x, { training: false, initial: states, keepState: true });
      return { y: r.y, states: r.states };
    });
  }

  // ---- lifetime ----------------------------------------------------------------------------

  /** Optimizer state for checkpoints (undefined before the first training step). */
  async optimizerState(): Promise<{ spec: OptimizerSpec; step: number; slots: Map<string, Float32Array[]> } | undefined> {
    return this.turn('optimizerState', () => this.readOptimizerState());
  }

  private async readOptimizerState(): Promise<{ spec: OptimizerSpec; step: number; slots: Map<string, Float32Array[]> } | undefined> {
    if (!this.optimizer) return undefined;
    const s = await this.optimizer.state();
    return { spec: this.optimizer.spec, ...s };
  }

  restoreOptimizer(spec: OptimizerSpec, step: number, slots: ReadonlyMap<string, readonly Float32Array[]>): void {
    this.checkAlive();
    this.lock.checkIdle('restoreOptimizer');
    const checked = checkOptimizerSpec(spec, 'optimizer state: spec');
    if (!Number.isSafeInteger(step) || step < 0) throw new Error(`optimizer state: step: expected a non-negative integer, got ${JSON.stringify(step)}`);
    // Every slot checked before anything is uploaded, so a rejected state leaves nothing allocated.
    const shapes = this.parameterShapes();
    for (const [name, arrays] of slots) {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`optimizer state: slots: '${name}' is not a parameter of this model`);
      if (!Array.isArray(arrays) || arrays.length !== OPTIMIZER_SLOTS) throw new Error(`optimizer state: slots: '${name}': expected ${OPTIMIZER_SLOTS} arrays, got ${Array.isArray(arrays) ? arrays.length : typeof arrays}`);
      arrays.forEach((a, i) => checkFloats(`optimizer state: slots: '${name}'[${i}]`, a, shape.reduce((x, y) => x * y, 1)));
    }
    this.optimizer?.dispose();
    this.optimizer = new Optimizer(checked, this.backend);
    this.optimizer.restore(step, slots, shapes);
  }

  /** Everything a checkpoint holds: layer specs, seed, weights, and optimizer state when `includeOptimizer`. */
  async toCheckpoint(includeOptimizer = true): Promise<CheckpointContents> {
    return this.turn('toCheckpoint', () => this.snapshot(includeOptimizer));
  }

  /** Weights and optimizer state read in one turn: both of the same step. */
  private async snapshot(includeOptimizer: boolean): Promise<CheckpointContents> {
    const shapes = this.parameterShapes();
    const weights = new Map<string, { data: Float32Array; shape: readonly number[] }>();
    for (const [name, data] of await this.readWeights()) weights.set(name, { data, shape: shapes.get(name)! });
    return { layers: this.specs, seed: this.seed, weights, optimizer: includeOptimizer ? await this.readOptimizerState() : undefined };
  }

  /** Saves a safetensors checkpoint atomically (Node). Reload with the backend package's `loadModel`. */
  async save(path: string, opts: { includeOptimizer?: boolean } = {}): Promise<void> {
    this.checkAlive();
    checkOptions(opts, ['includeOptimizer'], 'save');
    // Read and write in one turn: the file holds one step, and saves to one path land in call order.
    return this.turn('save', async () => writeFileAtomic(path, encodeCheckpoint(await this.snapshot(opts.includeOptimizer ?? true))));
  }

  /** Loads weights (and optimizer state, if present) from checkpoint contents built for the same layers. */
  loadCheckpoint(c: CheckpointContents): void {
    this.checkAlive();
    this.lock.checkIdle('loadCheckpoint');
    const where = c.source ?? 'checkpoint';
    const mine = JSON.stringify(this.specs);
    if (JSON.stringify(c.layers) !== mine) {
      throw new Error(`${where}: layers differ from this model's.\n  checkpoint: ${JSON.stringify(c.layers)}\n  model:      ${mine}`);
    }
    const shapes = this.parameterShapes();
    for (const [name, w] of c.weights) {
      const expected = shapes.get(name);
      if (expected && shapeString(expected) !== shapeString(w.shape)) {
        throw new Error(`${where}: '${name}': expected shape ${shapeString(expected)}, got ${shapeString(w.shape)}`);
      }
    }
    this.setWeights(new Map([...c.weights].map(([k, v]) => [k, v.data])));
    // The model then holds the checkpoint's step: its optimizer state, or none.
    if (c.optimizer) this.restoreOptimizer(c.optimizer.spec, c.optimizer.step, c.optimizer.slots);
    else {
      this.optimizer?.dispose();
      this.optimizer = undefined;
    }
  }

  /** Frees every tensor the model holds (and the backend, when the model created it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // A turn in progress still uses these tensors: they go when it, and those waiting, end.
    this.lock.onIdle(() => {
      for (const p of this.params) for (const t of p.values()) this.backend.dispose(t);
      this.optimizer?.dispose();
      if (this.ownsBackend) this.backend.close();
    });
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('model: used after dispose()');
  }

  /** Runs `body` in the model's next turn (model-lock.ts), on a model still alive by then. */
  private turn<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.checkAlive();
    return this.lock.run(name, async () => {
      this.checkAlive();
      return body();
    });
  }
}

export function disposeStates(b: Backend, states: (RecurrentState | undefined)[] | undefined): void {
  for (const s of states ?? []) s?.values.forEach((ts) => ts.forEach((t) => b.dispose(t)));
}

function splitName(name: string): [number, string] {
  const dot = name.indexOf('.');
  return [Number(name.slice(0, dot)), name.slice(dot + 1)];
}
