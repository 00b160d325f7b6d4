// The contract between @rnnkit/core and a compute backend (specification version 3).
//
// Two layers of kernels, as in Keras 3's backends (one generic `rnn()` loop, optional fused
// `lstm()`/`gru()`):
// - primitives: a small set of tensor operations that every cell's step is written in (core's
//   cells/*.ts). Core's generic recurrent loop runs any cell over time with them, so a new cell
//   runs on every backend the day it is written, and a backend may trace them into a graph.
// - fused kernels, optional per cell kind: a whole layer direction in one call (llm.c-style
//   forward/backward pairs), used when present and checked against the generic path.
// Plus the layer-level kernels every model needs (dense, embedding, losses, optimizer updates).
//
// Every kernel may return a promise (`Awaitable`), so a backend can call its engine's public
// asynchronous API (onnxruntime's `InferenceSession.run`); core always awaits. Arguments are
// checked once, in core (`checkedBackend`), before a backend sees them: backends do not re-check.
//
// Shapes in comments: B batch, T time steps, I input features, H hidden size, C classes,
// U dense units, V vocabulary, E embedding size.

import type { CellConfig, CellSizes } from './cells/cell.js';
import type { InferencePlan, InferenceProgram, TrainStepPlan, TrainStepProgram } from './whole-step.js';
export type { InferencePlan, InferenceProgram, TrainStepArgs, TrainStepPlan, TrainStepProgram, TrainStepResult, WholeModelPlan } from './whole-step.js';

/** Bumped whenever this interface changes incompatibly; backends declare the version they implement. */
export const SPECIFICATION_VERSION = 3 as const;

export type DType = 'float32' | 'int32';
export type FloatArray = Float32Array | Float64Array;
export type HostArray = Float32Array | Float64Array | Int32Array;
/** A value or a promise of it: kernels may be asynchronous. */
export type Awaitable<T> = T | Promise<T>;

/**
 * An opaque, backend-owned tensor handle. Core only reads `shape` and `dtype`.
 * A backend may swap what lives behind a handle (optimizer updates are in place on the handle).
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * What a forward kernel keeps for its backward kernel. Opaque to core; freed with `disposeSaved`.
 * Saved is independent of every handle passed in or returned: the caller may dispose the inputs
 * and outputs right after forward, and backward must still work.
 */
export interface Saved {
  readonly kind: string;
}

/** Float precision the backend computes in; sets the conformance tolerance. */
export type Precision = 'float32' | 'float64';

export interface Capabilities {
  /** Backward kernels and optimizer updates exist (training works). */
  readonly training: boolean;
}

/** Element-wise activations of the primitive set. */
export type Activation = 'sigmoid' | 'tanh' | 'relu';

// ---- fused recurrent kernels ------------------------------------------------------------------

export interface FusedForwardArgs {
  /** The cell and its options, as its definition in core normalised them. */
  readonly cell: CellConfig;
  /** The sizes the parameters and states follow (input features of x, hidden size). */
  readonly sizes: CellSizes;
  /** One layer direction's parameters by the cell's local names (`weight_ih`, `bias_hh`, ...). */
  readonly params: ReadonlyMap<string, Tensor>;
  /** x: [B, T, I] */
  readonly x: Tensor;
  /** Initial states in the cell's state order (h; or h, c), each [B, ...]; an absent entry is zeros. */
  readonly states?: readonly (Tensor | undefined)[] | undefined;
  /**
   * Per-sample valid lengths, each in [1, T]; all T when absent. Outputs at padded steps are 0,
   * the final states are those after each sample's last valid step, and padding never changes
   * any result or gradient.
   */
  readonly lengths?: Int32Array | undefined;
  /** Run from each sample's last valid step down to step 0 (the reverse direction of a bidirectional layer). */
  readonly reverse: boolean;
  /** Keep what backward needs. When false, `saved` is undefined and nothing is kept. */
  readonly training: boolean;
}

export interface FusedForwardResult {
  /** y: [B, T, O], the cell's output (state 0) at each step, in original time order, 0 at padded steps */
  readonly y: Tensor;
  /** Final states, in the cell's state order. */
  readonly states: Tensor[];
  readonly saved?: Saved | undefined;
}

export interface FusedBackwardArgs {
  readonly saved: Saved;
  /** dy: [B, T, O]; absent means zero */
  readonly dy?: Tensor | undefined;
  /** Gradients of the final states, in the cell's state order; absent entries mean zero. */
  readonly dStates?: readonly (Tensor | undefined)[] | undefined;
}

export interface FusedBackwardResult {
  /** dx: [B, T, I] */
  readonly dx: Tensor;
  /** Gradients of the initial states, in the cell's state order. */
  readonly dStates: Tensor[];
  /** Parameter gradients by the cell's local names, one for every parameter. */
  readonly grads: Map<string, Tensor>;
}

/** A whole layer direction of one cell kind in one call. */
export interface FusedRecurrentKernel {
  /** Whether this kernel computes `cell` with these options; absent means every configuration. */
  supports?(cell: CellConfig): boolean;
  forward(args: FusedForwardArgs): Awaitable<FusedForwardResult>;
  backward(args: FusedBackwardArgs): Awaitable<FusedBackwardResult>;
}

/** Fused kernels a backend provides, by cell kind (`rnn`, `lstm`, `gru`, ...). */
export type FusedKernels = Readonly<Partial<Record<string, FusedRecurrentKernel>>>;

// ---- layer-level kernel arguments -------------------------------------------------------------

export interface LossResult {
  /** Scalar (shape []) mean loss over the counted elements. */
  readonly loss: Tensor;
  /** Gradient of `loss` with respect to the first argument (logits or predictions), same shape. */
  readonly grad: Tensor;
}

export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** 1-based step count, for bias correction. */
  readonly step: number;
}

export interface SgdHyper {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

export interface RmspropHyper {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weightDecay: number;
}

/**
 * A compute backend. Tensor creation and disposal are synchronous; every kernel may return a
 * promise. Core checks every argument before calling (see `checkedBackend`).
 */
export interface Backend {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** Short name including the engine actually running, e.g. `js`, `tfjs-wasm`, `onnx-cpu`, `gpujs-webgl`. */
  readonly name: string;
  /** What actually runs, in words, e.g. `onnxruntime 1.30 cpu`, `webgl (ANGLE on llvmpipe)`. */
  readonly device: string;
  readonly precision: Precision;
  readonly capabilities: Capabilities;
  /** Optional fused whole-sequence kernels; a cell kind without one runs on the generic path. */
  readonly fused: FusedKernels;

  // ---- tensors ---------------------------------------------------------------------------------
  /** Upload host data. Floats are converted to the backend's precision. */
  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor;
  /** A new tensor of zeros (float32 unless `dtype` says int32). */
  zeros(shape: readonly number[], dtype?: DType): Tensor;
  /** Read back to host. Floats come back in the backend's precision. */
  read(t: Tensor): Promise<FloatArray | Int32Array>;
  dispose(t: Tensor): void;
  disposeSaved(s: Saved): void;
  /** Live tensors owned by this backend (handles plus anything kept inside Saved); the leak check watches it. */
  liveTensors(): number;
  /** Free everything this backend holds (sessions, contexts, kernels). The backend is unusable afterwards. */
  close(): void;

  // ---- primitives: what cells' steps are written in (every result is a new tensor) -------------
  // Why each exists: matmul carries every gate product and its gradients; add/sub/mul/affine
  // are the gate algebra (1 − z, α·h, masks); addRow/sumRows are a bias and its gradient;
  // activation/activationGrad the nonlinearities and their derivatives from the output alone (so
  // backward keeps outputs, not pre-activations); slice/concat/reshape split gate blocks, pick a
  // time step and join steps and directions. Version 3 adds what the catalogue needs: div
  // (minLSTM's normalised gates), layerNorm and its gradient (the layer-normalised LSTM),
  // conv2d and its two gradients (ConvLSTM), and linearScan, the linear recurrence minGRU and
  // minLSTM reduce to, which a backend may compute as a parallel (associative) scan.

  /** 2-D product: op(a) · op(b), op = transpose when asked. a: [M, K] (or [K, M]), b: [K, N] (or [N, K]) → [M, N] */
  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Awaitable<Tensor>;
  /** Element-wise a + b, same shapes */
  add(a: Tensor, b: Tensor): Awaitable<Tensor>;
  /** Element-wise a − b, same shapes */
  sub(a: Tensor, b: Tensor): Awaitable<Tensor>;
  /** Element-wise a ⊙ b, same shapes */
  mul(a: Tensor, b: Tensor): Awaitable<Tensor>;
  /** Element-wise x·scale + shift */
  affine(x: Tensor, scale: number, shift: number): Awaitable<Tensor>;
  /** x: [N, K], b: [K] → x + b on every row */
  addRow(x: Tensor, b: Tensor): Awaitable<Tensor>;
  /** x: [N, K] → [K], the sum over rows (a bias gradient) */
  sumRows(x: Tensor): Awaitable<Tensor>;
  /** Element-wise f(x) */
  activation(f: Activation, x: Tensor): Awaitable<Tensor>;
  /** dy ⊙ f′ where y = f(x), from y alone: sigmoid y(1−y), tanh 1−y², relu [y > 0] */
  activationGrad(f: Activation, y: Tensor, dy: Tensor): Awaitable<Tensor>;
  /** Slice `size` entries from `start` along `axis` (any rank, any float or int32 tensor) */
  slice(x: Tensor, axis: number, start: number, size: number): Awaitable<Tensor>;
  /** Join along `axis`; every other axis equal */
  concat(xs: readonly Tensor[], axis: number): Awaitable<Tensor>;
  /** Same data, new shape (same element count); a new handle the caller disposes on its own */
  reshape(x: Tensor, shape: readonly number[]): Awaitable<Tensor>;
  /** Element-wise a / b, same shapes */
  div(a: Tensor, b: Tensor): Awaitable<Tensor>;
  /** x: [N, K] → (x − mean) / √(var + eps) per row, biased variance over the K features (layer norm without gain and shift) */
  layerNorm(x: Tensor, eps: number): Awaitable<Tensor>;
  /** x, dy: [N, K] → dx: [N, K], the gradient through y = layerNorm(x, eps) (row statistics recomputed from x) */
  layerNormGrad(x: Tensor, dy: Tensor, eps: number): Awaitable<Tensor>;
  /**
   * PyTorch conv2d (cross-correlation), stride 1, zero padding (k − 1)/2 ("same", k odd).
   * x: [B, C, H, W], w: [O, C, k, k], bias: [O] or absent → y: [B, O, H, W]
   */
  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined): Awaitable<Tensor>;
  /** dy: [B, O, H, W], w: [O, C, k, k] → dx: [B, C, H, W], the input gradient of conv2d */
  conv2dGradInput(dy: Tensor, w: Tensor): Awaitable<Tensor>;
  /** x: [B, C, H, W], dy: [B, O, H, W] → dw: [O, C, k, k], the filter gradient of conv2d */
  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number): Awaitable<Tensor>;
  /**
   * The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t from h0, over t = 0 … T−1 (reverse: t = T−1 … 0).
   * a, b: [B, T, N], h0: [B, N] → h: [B, T, N], every step's state in original time order.
   * (a, b) ∘ (a′, b′) = (a·a′, a′·b + b′) is associative, so a backend may scan in parallel.
   */
  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Awaitable<Tensor>;

  // ---- layers: forward/backward pairs ------------------------------------------------------------
  /** Dense (PyTorch Linear): x: [..., I], w: [U, I], b: [U] → y: [..., U] = x wᵀ + b (leading axes flattened) */
  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): Awaitable<{ y: Tensor; saved?: Saved | undefined }>;
  /** dy: [..., U] → dx: [..., I], dw: [U, I], db: [U] */
  denseBackward(saved: Saved, dy: Tensor): Awaitable<{ dx: Tensor; dw: Tensor; db: Tensor }>;

  /** Embedding: weight: [V, E], ids: [B, T] int32 → y: [B, T, E] */
  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): Awaitable<{ y: Tensor; saved?: Saved | undefined }>;
  /** dy: [B, T, E] → dWeight: [V, E] (rows of dy summed per token id) */
  embeddingBackward(saved: Saved, dy: Tensor): Awaitable<{ dWeight: Tensor }>;

  // ---- losses: value and gradient in one pass ----------------------------------------------------
  /**
   * Softmax cross-entropy. logits: [N, C], labels: [N] int32 in [0, C), weights: [N] float (0/1 mask)
   * or absent. Loss is the mean over samples with weight > 0 (sum of weights); grad is d(loss)/d(logits).
   */
  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): Awaitable<LossResult>;
  /** Sigmoid binary cross-entropy on logits. logits: [N], targets: [N] float in [0, 1]. Mean over N. */
  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): Awaitable<LossResult>;
  /** Mean squared error. predictions, targets: same shape [N, ...]. Mean over all elements. */
  meanSquaredError(predictions: Tensor, targets: Tensor): Awaitable<LossResult>;

  /** Row-wise softmax: x: [N, C] → [N, C] */
  softmax(x: Tensor): Awaitable<Tensor>;

  // ---- optimizer arithmetic (policy lives in core); updates are in place on the handles ----------
  /** Sum of squares of every element of every tensor, as a scalar tensor (for global-norm clipping). */
  sumSquares(ts: readonly Tensor[]): Awaitable<Tensor>;
  /** t ← t · s, in place. */
  scaleInPlace(t: Tensor, s: number): Awaitable<void>;
  /** PyTorch `torch.optim.Adam` (weight decay added to the gradient, as in Adam, not AdamW). */
  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): Awaitable<void>;
  /** PyTorch `torch.optim.SGD`. `velocity` is unused when momentum is 0. `first` marks the first step (buffer = grad). */
  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): Awaitable<void>;
  /** PyTorch `torch.optim.RMSprop` (not centered). `buffer` is used only when momentum > 0. */
  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): Awaitable<void>;

  // ---- whole-step programs, optional (see whole-step.ts) ------------------------------------------
  /**
   * A program that runs one whole training step of the model `plan` describes (forward, loss,
   * backward, clipping, the optimizer update) in as few engine calls as the backend can, updating
   * the parameters and optimizer slots in place on their handles; undefined when the backend does
   * not compute this model that way (core then runs the layer-by-layer path). Absent: never.
   * It must compute what the layer-by-layer path computes, to float tolerance.
   */
  compileTrainStep?(plan: TrainStepPlan): TrainStepProgram | undefined;
  /** The same for inference (predict, evaluate): the whole model's forward in one program, or undefined. */
  compileInference?(plan: InferencePlan): InferenceProgram | undefined;
}

/** A backend package's factory. Async because engines load (wasm, ONNX sessions, WebGL contexts). */
export type BackendFactory<O = unknown> = (options?: O) => Promise<Backend>;
