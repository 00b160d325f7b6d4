// The rnnkit Backend (contract v3) on onnxruntime-node's public, asynchronous API. Recurrent and dense
// layers and larger matmuls run as cached ONNX sessions (native LSTM/GRU/RNN ops forward, generated
// graphs backward); element-wise primitives, losses, embedding and optimizer updates run on the host
// arrays with @rnnkit/core/host: on the CPU provider ORT tensors wrap host memory anyway, and for that
// work a session call costs more than the arithmetic.
// Core checks every argument before a call arrives (its checked backend), so nothing here re-checks
// shapes, dtypes or values; see handles.ts for what is still caught.

import {
  SPECIFICATION_VERSION,
  type Activation,
  type AdamHyper,
  type Backend,
  type Capabilities,
  type FusedKernels,
  type DType,
  type FloatArray,
  type HostArray,
  type InferencePlan,
  type InferenceProgram,
  type TrainStepPlan,
  type TrainStepProgram,
  type LossResult,
  type Precision,
  type RmspropHyper,
  type Saved,
  type SgdHyper,
  type Tensor,
} from '@rnnkit/core';
import * as host from '@rnnkit/core/host';
import { buildDenseBackwardGraph, buildDenseForwardGraph } from './dense.js';
import { onnxRuntimeVersion, resolveExecutionProvider, type ExecutionProviderOption, type ResolvedProvider } from './execution-provider.js';
import { fusedRecurrentKernels } from './fused-recurrent.js';
import { Handles } from './handles.js';
import { buildMatmulGraph, HOST_MATMUL_MAX_WORK } from './matmul.js';
import { SessionCache } from './session-cache.js';
import { OnnxSaved, OnnxTensor, shapeSize, type Data, type LiveCounter } from './tensor.js';
import { compileInference, compileTrainStep } from './whole-step.js';

export interface OnnxBackendOptions {
  /** 'auto' (default) tries CUDA and falls back to CPU; 'cuda' throws when CUDA is unavailable. */
  readonly executionProvider?: ExecutionProviderOption;
  /** Threads per session for intra-op parallelism; ONNX Runtime's default (one per core) when absent. */
  readonly intraOpNumThreads?: number;
  /**
   * Let ORT's intra-op worker threads spin between tasks (ORT's own default). Off by default here: a training
   * step alternates many short session runs with JS work, and spinning workers then compete with the JS
   * thread for cores (measured on a loaded 2-core machine: backward 1.5–1.9× slower with spinning).
   */
  readonly allowSpinning?: boolean;
  /**
   * Run eligible models' training steps and inference as one whole-step graph per step or batch
   * (whole-step.ts; default true). false keeps every step on the layer-by-layer path (tests compare the two).
   */
  readonly wholeStep?: boolean;
}

class DenseSaved extends OnnxSaved {
  readonly kind = 'dense';
  constructor(
    readonly x: Float32Array,
    readonly w: Float32Array,
    readonly xShape: readonly number[],
    readonly I: number,
    readonly U: number,
    live: LiveCounter,
  ) {
    super(2, live);
  }
}

class EmbeddingSaved extends OnnxSaved {
  readonly kind = 'embedding';
  constructor(
    readonly ids: Int32Array,
    readonly V: number,
    readonly E: number,
    live: LiveCounter,
  ) {
    super(1, live);
  }
}

export class OnnxBackend implements Backend {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly device: string;
  readonly precision: Precision = 'float32';
  readonly capabilities: Capabilities = Object.freeze({ training: true });
  // Typed as the contract's map: the published declarations must not reach onnx-proto's types.
  readonly fused: FusedKernels;
  /** Which execution provider runs, and why CUDA does not when 'auto' fell back. */
  readonly provider: ResolvedProvider;

  private readonly h = new Handles();
  private readonly sessions: SessionCache;

  /** Use `createOnnxBackend`: it checks the options and resolves the provider (asynchronously). */
  constructor(provider: ResolvedProvider, threads: number, allowSpinning: boolean, wholeStep = true) {
    this.provider = provider;
    const version = onnxRuntimeVersion().split('.').slice(0, 2).join('.');
    this.name = `onnx-${provider.kind}`;
    this.device = `onnxruntime ${version} ${provider.kind}` + (provider.fallbackReason ? ` (fell back: ${provider.fallbackReason})` : '');
    this.sessions = new SessionCache({
      executionProviders: provider.executionProviders,
      intraOpNumThreads: threads,
      extra: { 'session.intra_op.allow_spinning': allowSpinning ? '1' : '0' },
    });
    this.fused = Object.freeze(fusedRecurrentKernels(this.h, this.sessions));
    if (wholeStep) {
      this.compileTrainStep = (plan: TrainStepPlan) => compileTrainStep(this.h, this.sessions, plan);
      this.compileInference = (plan: InferencePlan) => compileInference(this.h, this.sessions, plan);
    }
  }

  /** One session run per training step / inference batch for the models whole-step-graph.ts covers (core's whole-step.ts). */
  readonly compileTrainStep?: (plan: TrainStepPlan) => TrainStepProgram | undefined;
  readonly compileInference?: (plan: InferencePlan) => InferenceProgram | undefined;

  // ---- tensors -------------------------------------------------------------------------

  private out(data: Data, shape: readonly number[]): OnnxTensor {
    return this.h.wrap(data, shape);
  }

  private floats(t: Tensor, what: string): Float32Array {
    return this.h.floats(t, what);
  }

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    return this.h.wrap(dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data), shape, dtype);
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const n = shapeSize(shape);
    return this.h.wrap(dtype === 'int32' ? new Int32Array(n) : new Float32Array(n), shape, dtype);
  }

  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    return this.h.get(t, 'read(t)').data.slice();
  }

  dispose(t: Tensor): void {
    if (!(t instanceof OnnxTensor)) throw new Error('dispose: t is not a tensor of this backend');
    t.dispose();
  }

  disposeSaved(s: Saved): void {
    if (!(s instanceof OnnxSaved)) throw new Error(`disposeSaved: s is not a Saved of this backend (kind '${s.kind}')`);
    s.release();
  }

  liveTensors(): number {
    return this.h.live.count;
  }

  close(): void {
    this.sessions.close();
  }

  /** Keys of the cached sessions (graph kind, cell, shape), e.g. to see which graph a call ran. */
  get sessionKeys(): string[] {
    return this.sessions.keys();
  }

  /** Number of cached ONNX Runtime sessions (one per graph kind, cell and shape). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  // ---- primitives (host loops, except larger matmuls) ------------------------------------
  // Core's generic path calls these one by one; cells without a native operator instead run whole
  // sequences in generated graphs (fused map), so these host loops are the fallback, not the hot path.

  async matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Promise<Tensor> {
    const ad = this.floats(a, 'matmul(a)');
    const bd = this.floats(b, 'matmul(b)');
    const [M, K] = transposeA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const N = transposeB ? b.shape[0]! : b.shape[1]!;
    if (M * K * N < HOST_MATMUL_MAX_WORK) return this.out(host.matmul(ad, bd, M, K, N, transposeA, transposeB), [M, N]);
    const key = `matmul:${transposeA ? 't' : 'n'}${transposeB ? 't' : 'n'}`;
    const r = await this.sessions.run(key, () => buildMatmulGraph(transposeA, transposeB), { a: [ad, a.shape], b: [bd, b.shape] });
    return this.out(r.y as Float32Array, [M, N]);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.out(host.add(this.floats(a, 'add(a)'), this.floats(b, 'add(b)')), a.shape);
  }

  sub(a: Tensor, b: Tensor): Tensor {
    return this.out(host.sub(this.floats(a, 'sub(a)'), this.floats(b, 'sub(b)')), a.shape);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.out(host.mul(this.floats(a, 'mul(a)'), this.floats(b, 'mul(b)')), a.shape);
  }

  affine(x: Tensor, scale: number, shift: number): Tensor {
    return this.out(host.affine(this.floats(x, 'affine(x)'), scale, shift), x.shape);
  }

  addRow(x: Tensor, b: Tensor): Tensor {
    return this.out(host.addRow(this.floats(x, 'addRow(x)'), this.floats(b, 'addRow(b)')), x.shape);
  }

  sumRows(x: Tensor): Tensor {
    const K = x.shape[1]!;
    return this.out(host.sumRows(this.floats(x, 'sumRows(x)'), K), [K]);
  }

  activation(f: Activation, x: Tensor): Tensor {
    return this.out(host.activation(f, this.floats(x, 'activation(x)')), x.shape);
  }

  activationGrad(f: Activation, y: Tensor, dy: Tensor): Tensor {
    return this.out(host.activationGrad(f, this.floats(y, 'activationGrad(y)'), this.floats(dy, 'activationGrad(dy)')), y.shape);
  }

  slice(x: Tensor, axis: number, start: number, size: number): Tensor {
    const t = this.h.get(x, 'slice(x)');
    const shape = x.shape.map((d, i) => (i === axis ? size : d));
    return this.h.wrap(host.slice(t.data, x.shape, axis, start, size), shape, t.dtype);
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    const ts = xs.map((x, i) => this.h.get(x, `concat(xs[${i}])`));
    const shapes = xs.map((x) => x.shape);
    const shape = shapes[0]!.map((d, i) => (i === axis ? shapes.reduce((s, sh) => s + sh[axis]!, 0) : d));
    return this.h.wrap(host.concat<Data>(ts.map((t) => t.data), shapes, axis), shape, ts[0]!.dtype);
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const t = this.h.get(x, 'reshape(x)');
    // Arrays are never written after creation (tensor.ts), so the new handle may share this one's.
    return this.h.wrap(t.data, shape, t.dtype);
  }

  div(a: Tensor, b: Tensor): Tensor {
    return this.out(host.div(this.floats(a, 'div(a)'), this.floats(b, 'div(b)')), a.shape);
  }

  // x: [N, K] → [N, K]
  layerNorm(x: Tensor, eps: number): Tensor {
    return this.out(host.layerNorm(this.floats(x, 'layerNorm(x)'), x.shape[1]!, eps), x.shape);
  }

  // x, dy: [N, K] → dx: [N, K]
  layerNormGrad(x: Tensor, dy: Tensor, eps: number): Tensor {
    return this.out(host.layerNormGrad(this.floats(x, 'layerNormGrad(x)'), this.floats(dy, 'layerNormGrad(dy)'), x.shape[1]!, eps), x.shape);
  }

  // x: [B, C, H, W], w: [O, C, k, k], bias: [O] → y: [B, O, H, W]
  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined): Tensor {
    const s = convSizes(x.shape, w.shape);
    const bd = bias === undefined ? undefined : this.floats(bias, 'conv2d(bias)');
    return this.out(host.conv2d(this.floats(x, 'conv2d(x)'), this.floats(w, 'conv2d(w)'), bd, s), [s.B, s.O, s.H, s.W]);
  }

  // dy: [B, O, H, W], w: [O, C, k, k] → dx: [B, C, H, W]
  conv2dGradInput(dy: Tensor, w: Tensor): Tensor {
    const [B, , H, W] = dy.shape as [number, number, number, number];
    const [O, C, k] = w.shape as [number, number, number, number];
    return this.out(host.conv2dGradInput(this.floats(dy, 'conv2dGradInput(dy)'), this.floats(w, 'conv2dGradInput(w)'), { B, C, H, W, O, k }), [B, C, H, W]);
  }

  // x: [B, C, H, W], dy: [B, O, H, W] → dw: [O, C, k, k]
  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number): Tensor {
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const O = dy.shape[1]!;
    const k = kernelSize;
    return this.out(host.conv2dGradFilter(this.floats(x, 'conv2dGradFilter(x)'), this.floats(dy, 'conv2dGradFilter(dy)'), { B, C, H, W, O, k }), [O, C, k, k]);
  }

  // a, b: [B, T, N], h0: [B, N] → h: [B, T, N]
  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Tensor {
    const [B, T, N] = a.shape as [number, number, number];
    return this.out(host.linearScan(this.floats(a, 'linearScan(a)'), this.floats(b, 'linearScan(b)'), this.floats(h0, 'linearScan(h0)'), B, T, N, reverse), a.shape);
  }

  // ---- layers ----------------------------------------------------------------------------

  async denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): Promise<{ y: Tensor; saved?: Saved | undefined }> {
    const [U, I] = w.shape as [number, number];
    // x: [N, I] or [..., I] (core passes [B, T, F] for returnSequences models): leading axes are flattened.
    const lead = x.shape.slice(0, -1);
    const N = shapeSize(lead);
    const xd = this.floats(x, 'denseForward(x)');
    const wd = this.floats(w, 'denseForward(w)');
    const out = await this.sessions.run(`dense-fwd:${N}x${I}x${U}`, () => buildDenseForwardGraph(N, I, U), {
      x: [xd, [N, I]],
      w: [wd, [U, I]],
      b: [this.floats(b, 'denseForward(b)'), [U]],
    });
    return {
      y: this.out(out.y as Float32Array, [...lead, U]),
      saved: training ? new DenseSaved(xd, wd, x.shape, I, U, this.h.live) : undefined,
    };
  }

  async denseBackward(saved: Saved, dy: Tensor): Promise<{ dx: Tensor; dw: Tensor; db: Tensor }> {
    const { x, w, xShape, I, U } = this.h.saved(saved, DenseSaved, 'denseBackward');
    const N = shapeSize(xShape.slice(0, -1));
    const out = await this.sessions.run(`dense-bwd:${N}x${I}x${U}`, () => buildDenseBackwardGraph(N, I, U), {
      dy: [this.floats(dy, 'denseBackward(dy)'), [N, U]],
      x: [x, [N, I]],
      w: [w, [U, I]],
    });
    return {
      dx: this.out(out.dx as Float32Array, xShape),
      dw: this.out(out.dw as Float32Array, [U, I]),
      db: this.out(out.db as Float32Array, [U]),
    };
  }

  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const [V, E] = weight.shape as [number, number];
    const idd = this.h.ints(ids, 'embeddingForward(ids)');
    const y = host.embeddingForward(this.floats(weight, 'embeddingForward(weight)'), idd, E);
    return { y: this.out(y, [...ids.shape, E]), saved: training ? new EmbeddingSaved(idd, V, E, this.h.live) : undefined };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const { ids, V, E } = this.h.saved(saved, EmbeddingSaved, 'embeddingBackward');
    return { dWeight: this.out(host.embeddingBackward(ids, this.floats(dy, 'embeddingBackward(dy)'), V, E), [V, E]) };
  }

  // ---- losses ----------------------------------------------------------------------------

  private loss(r: { loss: number; grad: Float32Array }, shape: readonly number[]): LossResult {
    return { loss: this.out(Float32Array.of(r.loss), []), grad: this.out(r.grad, shape) };
  }

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    const [N, C] = logits.shape as [number, number];
    const w = weights ? this.floats(weights, 'softmaxCrossEntropy(weights)') : undefined;
    const lab = this.h.ints(labels, 'softmaxCrossEntropy(labels)');
    return this.loss(host.softmaxCrossEntropy(this.floats(logits, 'softmaxCrossEntropy(logits)'), lab, w, N, C), logits.shape);
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    const r = host.sigmoidBinaryCrossEntropy(this.floats(logits, 'sigmoidBinaryCrossEntropy(logits)'), this.floats(targets, 'sigmoidBinaryCrossEntropy(targets)'));
    return this.loss(r, logits.shape);
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    const r = host.meanSquaredError(this.floats(predictions, 'meanSquaredError(predictions)'), this.floats(targets, 'meanSquaredError(targets)'));
    return this.loss(r, predictions.shape);
  }

  softmax(x: Tensor): Tensor {
    const [N, C] = x.shape as [number, number];
    return this.out(host.softmax(this.floats(x, 'softmax(x)'), N, C), x.shape);
  }

  // ---- optimizer arithmetic -------------------------------------------------------------------
  // core's host updates write in place; here they write into copies that are then swapped behind the
  // handles, so arrays a Saved or a reshaped handle shares are never changed (tensor.ts).

  sumSquares(ts: readonly Tensor[]): Tensor {
    return this.out(Float32Array.of(host.sumSquares(ts.map((t, k) => this.floats(t, `sumSquares(ts[${k}])`)))), []);
  }

  scaleInPlace(t: Tensor, s: number): void {
    const h = this.h.get(t, 'scaleInPlace(t)');
    h.replace(host.affine(h.data as Float32Array, s, 0));
  }

  /** A writable copy of each handle's data, and a function that swaps the copies in. */
  private copies(handles: readonly Tensor[], what: string): { data: Float32Array[]; commit(): void } {
    const hs = handles.map((t) => this.h.get(t, what));
    const data = hs.map((h) => (h.data as Float32Array).slice());
    return { data, commit: () => hs.forEach((h, k) => h.replace(data[k]!)) };
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    const c = this.copies([param, m, v], 'adamUpdate(param, m, v)');
    const [p, mc, vc] = c.data as [Float32Array, Float32Array, Float32Array];
    host.adamUpdate(p, this.floats(grad, 'adamUpdate(grad)'), mc, vc, h);
    c.commit();
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    // Without momentum the velocity is unused (and may be any tensor): it is neither read nor swapped.
    const c = this.copies(h.momentum !== 0 ? [param, velocity] : [param], 'sgdUpdate(param, velocity)');
    const [p, vel = new Float32Array(0)] = c.data;
    host.sgdUpdate(p!, this.floats(grad, 'sgdUpdate(grad)'), vel, h);
    c.commit();
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    // The buffer is used only with momentum.
    const c = this.copies(h.momentum > 0 ? [param, squareAvg, buffer] : [param, squareAvg], 'rmspropUpdate(param, squareAvg, buffer)');
    const [p, sq, buf = new Float32Array(0)] = c.data;
    host.rmspropUpdate(p!, this.floats(grad, 'rmspropUpdate(grad)'), sq!, buf, h);
    c.commit();
  }
}

/** conv2d's sizes from x: [B, C, H, W] and w: [O, C, k, k]. */
function convSizes(x: readonly number[], w: readonly number[]): host.Conv2dSizes {
  const [B, C, H, W] = x as [number, number, number, number];
  const [O, , k] = w as [number, number, number, number];
  return { B, C, H, W, O, k };
}

/** Create the ONNX Runtime backend; see OnnxBackendOptions. */
export async function createOnnxBackend(options: OnnxBackendOptions = {}): Promise<Backend> {
  const threads = options.intraOpNumThreads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new Error(`createOnnxBackend: intraOpNumThreads must be a non-negative integer, got ${threads}`);
  }
  const ep = options.executionProvider ?? 'auto';
  if (ep !== 'auto' && ep !== 'cuda' && ep !== 'cpu') {
    throw new Error(`createOnnxBackend: executionProvider must be 'auto', 'cuda' or 'cpu', got '${String(ep)}'`);
  }
  if (options.wholeStep !== undefined && typeof options.wholeStep !== 'boolean') throw new Error(`createOnnxBackend: wholeStep must be true or false, got ${JSON.stringify(options.wholeStep)}`);
  return new OnnxBackend(await resolveExecutionProvider(ep, threads), threads, options.allowSpinning === true, options.wholeStep ?? true);
}
