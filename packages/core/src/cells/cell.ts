// What a recurrent cell is, once, for every backend: its parameters (PyTorch state_dict names and
// shapes), its states, its initial values, its options and their checks, and its step — forward
// and backward — written in the backend primitives (`CellOps`). Core's generic loop
// (recurrent-loop.ts) runs a step over time on any backend; a backend may instead trace the
// step into one graph, since a step only calls `ops` and never reads values.
//
// A kind is one set of equations: options tune it (nonlinearity, α), they never switch to other
// equations, so a fused kernel registered for a kind computes exactly that kind.
import type { Backend, Tensor } from '../backend.js';
import type { Initializer } from '../init.js';

/** A cell and its normalised options, e.g. `{ kind: 'gru', resetAfter: true }`. */
export interface CellConfig {
  readonly kind: string;
  readonly [option: string]: unknown;
}

/** Sizes a cell's parameters and states follow. */
export interface CellSizes {
  /** Features of x_t (channels for image cells). */
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Height and width of image inputs (ConvLSTM), read from x at run time; absent for vector cells. */
  readonly spatial?: readonly [number, number] | undefined;
}

/** How a parameter starts (CELLS.md, "Initial values"). */
export interface ParamDecl {
  /** Local name without the layer suffix: `weight_ih`, `bias_hh`, `weight_hr`. */
  readonly name: string;
  readonly shape: readonly number[];
  /**
   * Keras scheme: `input` kernels (they read x, or project) are glorot-uniform, `recurrent`
   * kernels (they read the carried state) orthogonal, `bias` zero. PyTorch: U(−bound, bound).
   */
  readonly role: 'input' | 'recurrent' | 'bias';
  /** PyTorch scheme bound; default 1/√H. */
  readonly bound?: number;
  /** A fixed start value under both schemes (peephole weights 0, layer-norm gains 1). */
  readonly fill?: number;
}

/** A state carried across steps: per-sample shape (the batch axis comes first at run time). */
export interface StateDecl {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The primitives a step may call: the backend's, nothing else (their doc comments are in backend.ts). */
export type CellOps = Pick<
  Backend,
  | 'matmul'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'affine'
  | 'addRow'
  | 'sumRows'
  | 'activation'
  | 'activationGrad'
  | 'slice'
  | 'concat'
  | 'reshape'
  | 'layerNorm'
  | 'layerNormGrad'
  | 'conv2d'
  | 'conv2dGradInput'
  | 'conv2dGradFilter'
>;

/** What a whole-sequence form (`CellDefinition.sequence`) may call: the step primitives and the linear scan. */
export type SequenceOps = CellOps & Pick<Backend, 'linearScan'>;

/** One layer direction's parameters by local name. */
export type CellParams = ReadonlyMap<string, Tensor>;

export interface StepForward {
  /** States after the step, in the cell's state order; state 0 is the step's output. */
  readonly states: Tensor[];
  /** Whatever backward needs beyond x_t, the previous states and the parameters. */
  readonly cache: Tensor[];
}

export interface StepBackward {
  /** dx_t: same shape as x_t */
  readonly dx: Tensor;
  /** Gradients of the previous states, in state order. */
  readonly dStates: Tensor[];
  /** Gradients of this step's parameter uses, by local name (every parameter). */
  readonly grads: Map<string, Tensor>;
}

/** A whole-sequence forward: every step's output and the final states. */
export interface SequenceForward {
  /** y: [B, T, ...state0], 0 at padded steps */
  readonly y: Tensor;
  readonly states: Tensor[];
  readonly cache: Tensor[];
}

/**
 * A cell's fast path over the whole sequence at once, written in the primitives plus
 * `linearScan` (minGRU, minLSTM: gates from x alone, then a linear recurrence). Used where the
 * backend has no fused kernel for the kind; it must compute exactly what the step does over time.
 */
export interface SequenceForm<C extends CellConfig = CellConfig> {
  /**
   * x: [B, T, ...input], states: the initial states, mask: [B, T, ...state0] (1 at valid steps,
   * 0 at padded ones; absent when every sample runs all T steps).
   */
  forward(ops: SequenceOps, cell: C, p: CellParams, x: Tensor, states: readonly Tensor[], mask: Tensor | undefined, reverse: boolean): Promise<SequenceForward>;
  /** dy: [B, T, ...state0] or absent; dStates: gradients of the final states (zeros when not given). */
  backward(
    ops: SequenceOps,
    cell: C,
    p: CellParams,
    x: Tensor,
    states: readonly Tensor[],
    cache: readonly Tensor[],
    mask: Tensor | undefined,
    reverse: boolean,
    dy: Tensor | undefined,
    dStates: readonly Tensor[],
  ): Promise<StepBackward>;
}

/**
 * One cell kind. `C` is its normalised configuration. Every tensor a step creates through `ops`
 * and does not return is freed by the caller, so a step never disposes anything itself.
 */
export interface CellDefinition<C extends CellConfig = CellConfig> {
  readonly kind: C['kind'];
  /** Axes of one sample's x_t: 1 for feature vectors [I] (the default), 3 for images [C, H, W]. */
  readonly inputRank?: 1 | 3;
  /** Checks user options (every key must be one this cell defines) and fills defaults. `where` prefixes errors. */
  configure(options: Readonly<Record<string, unknown>>, where: string): C;
  /** Parameters of one layer direction, in state_dict order. */
  params(cell: C, sizes: CellSizes): ParamDecl[];
  /** States, in order; state 0 is the output of every step. */
  states(cell: C, sizes: CellSizes): StateDecl[];
  /** Post-draw adjustments (the forget-gate bias of 1): values by local name, changed in place. */
  adjustInit?(cell: C, sizes: CellSizes, values: Map<string, Float32Array>, scheme: Initializer): void;
  /** x: [B, ...input], states: [B, ...state] each → the next states. */
  forward(ops: CellOps, cell: C, p: CellParams, x: Tensor, states: readonly Tensor[]): Promise<StepForward>;
  /** dNext: gradients of the states this step produced (the output's gradient already added to state 0). */
  backward(
    ops: CellOps,
    cell: C,
    p: CellParams,
    x: Tensor,
    states: readonly Tensor[],
    cache: readonly Tensor[],
    dNext: readonly Tensor[],
  ): Promise<StepBackward>;
  /** Short description, e.g. `gru(resetAfter)`. */
  describe(cell: C): string;
  /** Optional whole-sequence fast path; the suite checks it against the step run over time. */
  readonly sequence?: SequenceForm<C>;
}

/** A parameter by local name, or a clear error (a cell asked for one it did not declare). */
export function param(p: CellParams, name: string): Tensor {
  const t = p.get(name);
  if (!t) throw new Error(`cell step: missing parameter '${name}' (have ${[...p.keys()].join(', ')})`);
  return t;
}

/** One sample's x_t shape: [I], or [C, H, W] for image cells. */
export function stepInputShape(def: CellDefinition, _cell: CellConfig, sizes: CellSizes): readonly number[] {
  if ((def.inputRank ?? 1) === 1) return [sizes.inputSize];
  if (!sizes.spatial) throw new Error(`${def.kind}: image sizes (height, width) are needed for its input shape`);
  return [sizes.inputSize, ...sizes.spatial];
}
