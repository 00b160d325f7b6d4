// The contract between @rnnkit/core and a compute backend.
//
// Coarse, at layer granularity, as forward/backward pairs (llm.c style): each backend
// uses its best native path for a whole recurrent layer direction, a dense layer, a
// loss, an optimizer update. Core owns the model, the training loop, the optimizer
// policy, clipping, dropout masks and initialisation; the backend owns the arithmetic
// and the memory. Tensors are opaque handles owned by the backend; core reads values
// back (async) only at the edges: loss values, predictions, checkpoints.
//
// Shapes in comments: B batch, T time steps, I input features, H hidden size,
// G gates (RNN 1, LSTM 4, GRU 3), C classes, U dense units, V vocabulary, E embedding size.

import type { CellSpec } from './cells.js';

/** Bumped whenever this interface changes incompatibly; backends declare the version they implement. */
export const SPECIFICATION_VERSION = 1 as const;

export type DType = 'float32' | 'int32';
export type FloatArray = Float32Array | Float64Array;
export type HostArray = Float32Array | Float64Array | Int32Array;

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
 * (x, h0, c0, ids) and the outputs (y, hT, cT) right after forward, and backward must still work.
 * (Share data by reference counting or cheap clones; never by aliasing a handle the caller owns.)
 */
export interface Saved {
  readonly kind: string;
}

/** Float precision the backend computes in; sets the conformance tolerance. */
export type Precision = 'float32' | 'float64';

export interface Capabilities {
  /** Backward kernels and optimizer updates exist (training works). */
  readonly training: boolean;
  /** Cell kinds the backend implements. */
  readonly cells: readonly CellSpec['kind'][];
  /** GRU `resetAfter: false` (original form) is implemented. */
  readonly gruResetBefore: boolean;
  /** Per-sample sequence lengths are honoured. */
  readonly sequenceLengths: boolean;
}

/** PyTorch-layout parameters of one recurrent layer direction. */
export interface RecurrentParams {
  /** weight_ih_l{k}: [G·H, I] */
  readonly wIh: Tensor;
  /** weight_hh_l{k}: [G·H, H] */
  readonly wHh: Tensor;
  /** bias_ih_l{k}: [G·H] */
  readonly bIh: Tensor;
  /** bias_hh_l{k}: [G·H] */
  readonly bHh: Tensor;
}

export interface RecurrentForwardArgs {
  readonly cell: CellSpec;
  readonly params: RecurrentParams;
  /** x: [B, T, I] float32 */
  readonly x: Tensor;
  /** h0: [B, H]; zeros when absent */
  readonly h0?: Tensor | undefined;
  /** c0: [B, H] (LSTM only); zeros when absent */
  readonly c0?: Tensor | undefined;
  /**
   * Per-sample valid lengths, each in [1, T]; all T when absent. Outputs at padded steps are 0,
   * the final state is the state after each sample's last valid step, and padding never
   * changes any result or gradient.
   */
  readonly lengths?: Int32Array | undefined;
  /** Run from each sample's last valid step down to step 0 (the reverse direction of a bidirectional layer). */
  readonly reverse: boolean;
  /** Keep what backward needs (training). When false, `saved` is undefined and memory is not kept. */
  readonly training: boolean;
}

export interface RecurrentForwardResult {
  /** y: [B, T, H], output at each step (in original time order also when reverse), 0 at padded steps */
  readonly y: Tensor;
  /** hT: [B, H] */
  readonly hT: Tensor;
  /** cT: [B, H] (LSTM only) */
  readonly cT?: Tensor | undefined;
  readonly saved?: Saved | undefined;
}

export interface RecurrentBackwardArgs {
  readonly saved: Saved;
  /** dy: [B, T, H]; absent means zero (many-to-one models only send dhT) */
  readonly dy?: Tensor | undefined;
  /** dhT: [B, H]; absent means zero */
  readonly dhT?: Tensor | undefined;
  /** dcT: [B, H] (LSTM only); absent means zero */
  readonly dcT?: Tensor | undefined;
}

export interface RecurrentBackwardResult {
  /** dx: [B, T, I] */
  readonly dx: Tensor;
  /** dh0: [B, H] */
  readonly dh0: Tensor;
  /** dc0: [B, H] (LSTM only) */
  readonly dc0?: Tensor | undefined;
  readonly dWIh: Tensor;
  readonly dWHh: Tensor;
  readonly dBIh: Tensor;
  readonly dBHh: Tensor;
}

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
 * A compute backend. Every method is synchronous except reads (`read`) and creation
 * (the backend package's async factory), so that GPU backends can queue work.
 */
export interface Backend {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** Short name including the engine actually running, e.g. `js`, `tfjs-wasm`, `onnx-cpu`, `gpujs-webgl`. */
  readonly name: string;
  /** What actually runs, in words, e.g. `onnxruntime 1.30 cpu`, `webgl (ANGLE on llvmpipe)`. */
  readonly device: string;
  readonly precision: Precision;
  readonly capabilities: Capabilities;

  // ---- tensors -------------------------------------------------------------------------
  /** Upload host data. Floats are converted to the backend's precision. `data.length` must equal the product of `shape`. */
  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor;
  /** A new tensor of zeros. */
  zeros(shape: readonly number[], dtype?: DType): Tensor;
  /** Read back to host. Floats come back in the backend's precision. */
  read(t: Tensor): Promise<FloatArray | Int32Array>;
  dispose(t: Tensor): void;
  disposeSaved(s: Saved): void;
  /** Live tensors owned by this backend (handles plus anything kept inside Saved); the leak check watches it. */
  liveTensors(): number;
  /** Free everything this backend holds (sessions, contexts, kernels). The backend is unusable afterwards. */
  close(): void;

  // ---- shape and element-wise helpers core composes layers with -------------------------
  /** Concatenate along the last axis: a: [..., A], b: [..., B] → [..., A+B] */
  concatLast(a: Tensor, b: Tensor): Tensor;
  /** Slice the last axis: x: [..., N] → [..., size] starting at `start` */
  sliceLast(x: Tensor, start: number, size: number): Tensor;
  /** Element-wise a + b, same shapes */
  add(a: Tensor, b: Tensor): Tensor;
  /** Element-wise x ⊙ mask (dropout: core builds the scaled mask) */
  mul(x: Tensor, mask: Tensor): Tensor;
  /** Same data, new shape (same element count) */
  reshape(x: Tensor, shape: readonly number[]): Tensor;

  // ---- layers: forward/backward pairs --------------------------------------------------
  /** One recurrent layer in one direction. */
  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult;
  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult;

  /** Dense (PyTorch Linear): x: [..., I], w: [U, I], b: [U] → y: [..., U] = x wᵀ + b (leading axes flattened) */
  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined };
  /** dy: [..., U] → dx: [..., I], dw: [U, I], db: [U] */
  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor };

  /** Embedding: weight: [V, E], ids: [B, T] int32 → y: [B, T, E] */
  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined };
  /** dy: [B, T, E] → dWeight: [V, E] (rows of dy summed per token id) */
  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor };

  // ---- losses: value and gradient in one pass -------------------------------------------
  /**
   * Softmax cross-entropy. logits: [N, C], labels: [N] int32 in [0, C), weights: [N] float (0/1 mask)
   * or absent. Loss is the mean over samples with weight > 0 (sum of weights); grad is d(loss)/d(logits).
   */
  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult;
  /** Sigmoid binary cross-entropy on logits. logits: [N], targets: [N] float in [0, 1]. Mean over N. */
  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult;
  /** Mean squared error. predictions, targets: same shape [N, ...]. Mean over all elements. */
  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult;

  // ---- predictions ------------------------------------------------------------------------
  /** Row-wise softmax: x: [N, C] → [N, C] */
  softmax(x: Tensor): Tensor;
  /** Element-wise logistic sigmoid */
  sigmoid(x: Tensor): Tensor;

  // ---- optimizer arithmetic (policy lives in core); updates are in place on the handles ----
  /** Sum of squares of every element of every tensor, as a scalar tensor (for global-norm clipping). */
  sumSquares(ts: readonly Tensor[]): Tensor;
  /** t ← t · s, in place. */
  scaleInPlace(t: Tensor, s: number): void;
  /** PyTorch `torch.optim.Adam` (weight decay added to the gradient, as in Adam, not AdamW). */
  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void;
  /** PyTorch `torch.optim.SGD`. `velocity` is ignored when momentum is 0. `first` marks the first step (buffer = grad). */
  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void;
  /** PyTorch `torch.optim.RMSprop` (not centered). `buffer` is used only when momentum > 0. */
  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void;
}

/** A backend package's factory. Async because engines load (wasm, ONNX sessions, WebGL contexts). */
export type BackendFactory<O = unknown> = (options?: O) => Promise<Backend>;
