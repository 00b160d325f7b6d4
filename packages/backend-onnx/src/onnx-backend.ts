// The rnnkit Backend on onnxruntime-node. Recurrent layers and dense layers run as cached ONNX sessions
// (native LSTM/GRU/RNN ops forward, generated graphs backward); element-wise work, losses, embedding and
// optimizer updates run in plain JS on the host arrays (see host-kernels.ts for why).

import type {
  AdamHyper,
  Backend,
  Capabilities,
  DType,
  FloatArray,
  HostArray,
  LossResult,
  Precision,
  RecurrentBackwardArgs,
  RecurrentBackwardResult,
  RecurrentForwardArgs,
  RecurrentForwardResult,
  RmspropHyper,
  Saved,
  SgdHyper,
  Tensor,
} from '@rnnkit/core';
import { SPECIFICATION_VERSION } from '@rnnkit/core';
import { buildDenseBackwardGraph, buildDenseForwardGraph } from './dense.js';
import { onnxRuntimeVersion, resolveExecutionProvider, type ExecutionProviderOption, type ResolvedProvider } from './execution-provider.js';
import * as host from './host-kernels.js';
import { recurrentBackward, recurrentForward, type HostFloat } from './recurrent.js';
import { SessionCache } from './session-cache.js';
import { fmtShape, LiveCounter, OnnxSaved, OnnxTensor, shapeSize, type Data } from './tensor.js';

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
    readonly idsShape: readonly number[],
    live: LiveCounter,
  ) {
    super(1, live);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

export class OnnxBackend implements Backend {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly device: string;
  readonly precision: Precision = 'float32';
  readonly capabilities: Capabilities = {
    training: true,
    cells: ['rnn', 'lstm', 'gru'],
    gruResetBefore: true,
    sequenceLengths: true,
  };
  /** Which execution provider runs, and why CUDA does not when 'auto' fell back. */
  readonly provider: ResolvedProvider;

  private readonly live = new LiveCounter();
  private readonly sessions: SessionCache;

  /** Prefer `createOnnxBackend`; this constructor probes CUDA synchronously. */
  constructor(options: OnnxBackendOptions = {}) {
    const threads = options.intraOpNumThreads ?? 0;
    if (!Number.isInteger(threads) || threads < 0) {
      throw new Error(`createOnnxBackend: intraOpNumThreads must be a non-negative integer, got ${threads}`);
    }
    const ep = options.executionProvider ?? 'auto';
    if (ep !== 'auto' && ep !== 'cuda' && ep !== 'cpu') {
      throw new Error(`createOnnxBackend: executionProvider must be 'auto', 'cuda' or 'cpu', got '${String(ep)}'`);
    }
    this.provider = resolveExecutionProvider(ep, threads);
    const version = onnxRuntimeVersion().split('.').slice(0, 2).join('.');
    this.name = `onnx-${this.provider.kind}`;
    this.device =
      `onnxruntime ${version} ${this.provider.kind}` +
      (this.provider.fallbackReason ? ` (fell back: ${this.provider.fallbackReason})` : '');
    this.sessions = new SessionCache({
      executionProviders: this.provider.executionProviders,
      intraOpNumThreads: threads,
      extra: { 'session.intra_op.allow_spinning': options.allowSpinning ? '1' : '0' },
    });
  }

  // ---- tensors -------------------------------------------------------------------------

  private wrap(data: Data, shape: readonly number[], dtype: DType = data instanceof Int32Array ? 'int32' : 'float32'): OnnxTensor {
    return new OnnxTensor([...shape], dtype, data, this.live);
  }

  private handle(t: Tensor, what: string): OnnxTensor {
    if (!(t instanceof OnnxTensor)) throw new Error(`onnx backend: ${what} is not a tensor of this backend`);
    if (t.isDisposed) throw new Error(`onnx backend: ${what} (shape ${fmtShape(t.shape)}) was disposed`);
    return t;
  }

  private floats(t: Tensor, what: string): Float32Array {
    const h = this.handle(t, what);
    if (h.dtype !== 'float32') throw new Error(`onnx backend: ${what} must be float32, got ${h.dtype}`);
    return h.data as Float32Array;
  }

  private ints(t: Tensor, what: string): Int32Array {
    const h = this.handle(t, what);
    if (h.dtype !== 'int32') throw new Error(`onnx backend: ${what} must be int32, got ${h.dtype}`);
    return h.data as Int32Array;
  }

  private readonly hostFloat = (t: Tensor, what: string): HostFloat => ({ shape: t.shape, data: this.floats(t, what) });

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`tensor: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`tensor: dtype must be 'float32' or 'int32', got '${String(dtype)}'`);
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new Error(`tensor: data.length must equal the product of shape ${fmtShape(shape)} = ${n}, got ${data.length}`);
    }
    if (dtype === 'int32') {
      for (let k = 0; k < data.length; k++) {
        if (!Number.isInteger(data[k])) throw new Error(`tensor: int32 data must hold integers, got data[${k}] = ${data[k]}`);
      }
      return this.wrap(Int32Array.from(data), shape, 'int32');
    }
    return this.wrap(Float32Array.from(data), shape, 'float32');
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`zeros: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const n = shapeSize(shape);
    return this.wrap(dtype === 'int32' ? new Int32Array(n) : new Float32Array(n), shape, dtype);
  }

  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    return this.handle(t, 'read(t)').data.slice();
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
    return this.live.count;
  }

  close(): void {
    this.sessions.close();
  }

  /** Number of cached ONNX Runtime sessions (one per graph kind, cell and shape). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  // ---- shape and element-wise helpers ----------------------------------------------------

  concatLast(a: Tensor, b: Tensor): Tensor {
    const x = this.floats(a, 'concatLast(a)');
    const y = this.floats(b, 'concatLast(b)');
    const lead = a.shape.slice(0, -1);
    if (a.shape.length < 1 || !sameShape(lead, b.shape.slice(0, -1)) || b.shape.length !== a.shape.length) {
      throw new Error(`concatLast: a and b must agree on all but the last axis, got a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`);
    }
    const A = a.shape[a.shape.length - 1] as number;
    const Bn = b.shape[b.shape.length - 1] as number;
    return this.wrap(host.concatLastForward(x, A, y, Bn, shapeSize(lead)), [...lead, A + Bn]);
  }

  sliceLast(x: Tensor, start: number, size: number): Tensor {
    const h = this.handle(x, 'sliceLast(x)');
    if (x.shape.length < 1) throw new Error(`sliceLast: x must have at least one axis, got ${fmtShape(x.shape)}`);
    const N = x.shape[x.shape.length - 1] as number;
    if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 0 || start + size > N) {
      throw new Error(`sliceLast: [start, start + size) must lie in [0, ${N}], got start ${start}, size ${size}`);
    }
    const lead = x.shape.slice(0, -1);
    return this.wrap(host.sliceLastForward(h.data, N, start, size, shapeSize(lead)), [...lead, size], h.dtype);
  }

  add(a: Tensor, b: Tensor): Tensor {
    if (!sameShape(a.shape, b.shape)) throw new Error(`add: a and b must have the same shape, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    return this.wrap(host.addForward(this.floats(a, 'add(a)'), this.floats(b, 'add(b)')), a.shape);
  }

  mul(x: Tensor, mask: Tensor): Tensor {
    if (!sameShape(x.shape, mask.shape)) throw new Error(`mul: x and mask must have the same shape, got ${fmtShape(x.shape)} and ${fmtShape(mask.shape)}`);
    return this.wrap(host.mulForward(this.floats(x, 'mul(x)'), this.floats(mask, 'mul(mask)')), x.shape);
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const h = this.handle(x, 'reshape(x)');
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(shape) !== h.size) {
      throw new Error(`reshape: shape must have ${h.size} elements like ${fmtShape(x.shape)}, got ${JSON.stringify(shape)}`);
    }
    return this.wrap(h.data, shape, h.dtype); // arrays are immutable, so sharing is safe
  }

  // ---- layers ----------------------------------------------------------------------------

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    const r = recurrentForward(this.sessions, this.live, args, this.hostFloat);
    const [B, T] = args.x.shape as [number, number];
    const H = r.hT.length / B;
    return {
      y: this.wrap(r.y, [B, T, H]),
      hT: this.wrap(r.hT, [B, H]),
      cT: r.cT ? this.wrap(r.cT, [B, H]) : undefined,
      saved: r.saved,
    };
  }

  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    const r = recurrentBackward(this.sessions, args, this.hostFloat);
    const { B, T, I, H } = r.shape;
    const GH = r.dBIh.length;
    return {
      dx: this.wrap(r.dx, [B, T, I]),
      dh0: this.wrap(r.dh0, [B, H]),
      dc0: r.dc0 ? this.wrap(r.dc0, [B, H]) : undefined,
      dWIh: this.wrap(r.dWIh, [GH, I]),
      dWHh: this.wrap(r.dWHh, [GH, H]),
      dBIh: this.wrap(r.dBIh, [GH]),
      dBHh: this.wrap(r.dBHh, [GH]),
    };
  }

  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    if (w.shape.length !== 2) throw new Error(`denseForward: w must have shape [U, I], got ${fmtShape(w.shape)}`);
    const [U, I] = w.shape as [number, number];
    // x: [N, I] or [..., I] (core passes [B, T, F] for returnSequences models): leading axes are flattened.
    if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== I) {
      throw new Error(`denseForward: x must have shape [N, ${I}] or [..., ${I}] (I from w ${fmtShape(w.shape)}), got ${fmtShape(x.shape)}`);
    }
    if (!sameShape(b.shape, [U])) throw new Error(`denseForward: b must have shape [${U}], got ${fmtShape(b.shape)}`);
    const lead = x.shape.slice(0, -1);
    const N = shapeSize(lead);
    const xd = this.floats(x, 'denseForward(x)');
    const wd = this.floats(w, 'denseForward(w)');
    const s = this.sessions.get(`dense-fwd:${N}x${I}x${U}`, () => buildDenseForwardGraph(N, I, U));
    const out = s.run({ x: [xd, [N, I]], w: [wd, [U, I]], b: [this.floats(b, 'denseForward(b)'), [U]] });
    return {
      y: this.wrap(out.y as Float32Array, [...lead, U]),
      saved: training ? new DenseSaved(xd, wd, x.shape, I, U, this.live) : undefined,
    };
  }

  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    if (!(saved instanceof DenseSaved)) throw new Error(`denseBackward: saved must come from denseForward, got kind '${saved.kind}'`);
    if (saved.isReleased) throw new Error('denseBackward: saved was already disposed');
    const { xShape, I, U } = saved;
    const lead = xShape.slice(0, -1);
    const N = shapeSize(lead);
    if (!sameShape(dy.shape, [...lead, U])) throw new Error(`denseBackward: dy must have shape ${fmtShape([...lead, U])}, got ${fmtShape(dy.shape)}`);
    const s = this.sessions.get(`dense-bwd:${N}x${I}x${U}`, () => buildDenseBackwardGraph(N, I, U));
    const out = s.run({ dy: [this.floats(dy, 'denseBackward(dy)'), [N, U]], x: [saved.x, [N, I]], w: [saved.w, [U, I]] });
    return {
      dx: this.wrap(out.dx as Float32Array, xShape),
      dw: this.wrap(out.dw as Float32Array, [U, I]),
      db: this.wrap(out.db as Float32Array, [U]),
    };
  }

  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    if (weight.shape.length !== 2) throw new Error(`embeddingForward: weight must have shape [V, E], got ${fmtShape(weight.shape)}`);
    const [V, E] = weight.shape as [number, number];
    const idd = this.ints(ids, 'embeddingForward(ids)');
    for (let k = 0; k < idd.length; k++) {
      const id = idd[k] as number;
      if (id < 0 || id >= V) throw new Error(`embeddingForward: ids must be in [0, ${V}), got ids[${k}] = ${id}`);
    }
    const y = host.embeddingForward(this.floats(weight, 'embeddingForward(weight)'), idd, E);
    return { y: this.wrap(y, [...ids.shape, E]), saved: training ? new EmbeddingSaved(idd, V, E, ids.shape, this.live) : undefined };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    if (!(saved instanceof EmbeddingSaved)) throw new Error(`embeddingBackward: saved must come from embeddingForward, got kind '${saved.kind}'`);
    if (saved.isReleased) throw new Error('embeddingBackward: saved was already disposed');
    const expected = [...saved.idsShape, saved.E];
    if (!sameShape(dy.shape, expected)) throw new Error(`embeddingBackward: dy must have shape ${fmtShape(expected)}, got ${fmtShape(dy.shape)}`);
    const dw = host.embeddingBackward(this.floats(dy, 'embeddingBackward(dy)'), saved.ids, saved.V, saved.E);
    return { dWeight: this.wrap(dw, [saved.V, saved.E]) };
  }

  // ---- losses ----------------------------------------------------------------------------

  private loss(r: { loss: number; grad: Float32Array }, shape: readonly number[]): LossResult {
    return { loss: this.wrap(Float32Array.of(r.loss), []), grad: this.wrap(r.grad, shape) };
  }

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    if (logits.shape.length !== 2) throw new Error(`softmaxCrossEntropy: logits must have shape [N, C], got ${fmtShape(logits.shape)}`);
    const [N, C] = logits.shape as [number, number];
    if (!sameShape(labels.shape, [N])) throw new Error(`softmaxCrossEntropy: labels must have shape [${N}], got ${fmtShape(labels.shape)}`);
    const lab = this.ints(labels, 'softmaxCrossEntropy(labels)');
    for (let n = 0; n < N; n++) {
      const l = lab[n] as number;
      if (l < 0 || l >= C) throw new Error(`softmaxCrossEntropy: labels must be in [0, ${C}), got labels[${n}] = ${l}`);
    }
    if (weights && !sameShape(weights.shape, [N])) throw new Error(`softmaxCrossEntropy: weights must have shape [${N}], got ${fmtShape(weights.shape)}`);
    const w = weights ? this.floats(weights, 'softmaxCrossEntropy(weights)') : undefined;
    return this.loss(host.softmaxCrossEntropy(this.floats(logits, 'softmaxCrossEntropy(logits)'), lab, w, N, C), logits.shape);
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    if (!sameShape(logits.shape, targets.shape)) {
      throw new Error(`sigmoidBinaryCrossEntropy: targets must have the shape of logits ${fmtShape(logits.shape)}, got ${fmtShape(targets.shape)}`);
    }
    const r = host.sigmoidBinaryCrossEntropy(this.floats(logits, 'sigmoidBinaryCrossEntropy(logits)'), this.floats(targets, 'sigmoidBinaryCrossEntropy(targets)'));
    return this.loss(r, logits.shape);
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    if (!sameShape(predictions.shape, targets.shape)) {
      throw new Error(`meanSquaredError: targets must have the shape of predictions ${fmtShape(predictions.shape)}, got ${fmtShape(targets.shape)}`);
    }
    const r = host.meanSquaredError(this.floats(predictions, 'meanSquaredError(predictions)'), this.floats(targets, 'meanSquaredError(targets)'));
    return this.loss(r, predictions.shape);
  }

  // ---- predictions -------------------------------------------------------------------------

  softmax(x: Tensor): Tensor {
    if (x.shape.length !== 2) throw new Error(`softmax: x must have shape [N, C], got ${fmtShape(x.shape)}`);
    const [N, C] = x.shape as [number, number];
    return this.wrap(host.softmaxForward(this.floats(x, 'softmax(x)'), N, C), x.shape);
  }

  sigmoid(x: Tensor): Tensor {
    return this.wrap(host.sigmoidForward(this.floats(x, 'sigmoid(x)')), x.shape);
  }

  // ---- optimizer arithmetic -------------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    const s = host.sumSquares(ts.map((t, k) => this.floats(t, `sumSquares(ts[${k}])`)));
    return this.wrap(Float32Array.of(s), []);
  }

  scaleInPlace(t: Tensor, s: number): void {
    const h = this.handle(t, 'scaleInPlace(t)');
    h.replace(host.scale(this.floats(t, 'scaleInPlace(t)'), s));
  }

  private sameAs(op: string, param: Tensor, others: Record<string, Tensor>): void {
    for (const [name, t] of Object.entries(others)) {
      if (!sameShape(t.shape, param.shape)) throw new Error(`${op}: ${name} must have the shape of param ${fmtShape(param.shape)}, got ${fmtShape(t.shape)}`);
    }
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    this.sameAs('adamUpdate', param, { grad, m, v });
    if (!(h.step >= 1)) throw new Error(`adamUpdate: h.step must be ≥ 1 (1-based), got ${h.step}`);
    const r = host.adamUpdate(this.floats(param, 'param'), this.floats(grad, 'grad'), this.floats(m, 'm'), this.floats(v, 'v'), h);
    this.handle(param, 'param').replace(r.p);
    this.handle(m, 'm').replace(r.m);
    this.handle(v, 'v').replace(r.v);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    this.sameAs('sgdUpdate', param, h.momentum !== 0 ? { grad, velocity } : { grad });
    const vel = h.momentum !== 0 ? this.floats(velocity, 'velocity') : new Float32Array(0);
    const r = host.sgdUpdate(this.floats(param, 'param'), this.floats(grad, 'grad'), vel, h);
    this.handle(param, 'param').replace(r.p);
    if (h.momentum !== 0) this.handle(velocity, 'velocity').replace(r.velocity);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    this.sameAs('rmspropUpdate', param, h.momentum > 0 ? { grad, squareAvg, buffer } : { grad, squareAvg });
    const buf = h.momentum > 0 ? this.floats(buffer, 'buffer') : new Float32Array(0);
    const r = host.rmspropUpdate(this.floats(param, 'param'), this.floats(grad, 'grad'), this.floats(squareAvg, 'squareAvg'), buf, h);
    this.handle(param, 'param').replace(r.p);
    this.handle(squareAvg, 'squareAvg').replace(r.squareAvg);
    if (h.momentum > 0) this.handle(buffer, 'buffer').replace(r.buffer);
  }
}

/** Create the ONNX Runtime backend; see OnnxBackendOptions. */
export async function createOnnxBackend(options?: OnnxBackendOptions): Promise<Backend> {
  return new OnnxBackend(options);
}
