// JsBackend: core's Backend contract (specification 2) in pure TypeScript, in float64 (the
// reference every other backend is checked against) or float32 (the fast path). This file owns
// the handles and routes each call to its arithmetic: the precision-specific kernels (reference/,
// fast/), the shared host loops of @rnnkit/core/host, the fused recurrent adapters.
// Core checks every argument before a call arrives (its checked backend), so nothing here
// re-checks shapes, dtypes or values; see handles.ts for what is still caught.
// Every kernel is synchronous: results are never promises, which the contract allows.

import {
  SPECIFICATION_VERSION,
  type Activation,
  type AdamHyper,
  type Backend,
  type Capabilities,
  type DType,
  type FloatArray,
  type HostArray,
  type LossResult,
  type Precision,
  type RmspropHyper,
  type Saved,
  type SgdHyper,
  type Tensor,
} from '@rnnkit/core';
import * as host from '@rnnkit/core/host';
import { fastKernels, parallelKernels } from './fast/kernels.js';
import type { RecurrentThreads } from './fast/parallel.js';
import { fusedRecurrentKernels, RECURRENT_SAVED, type JsFusedKernels, type RecurrentPayload } from './fused-recurrent.js';
import { Handles, sizeOf } from './handles.js';
import type { Kernels } from './kernels.js';
import { checkJsBackendOptions, type JsBackendOptions } from './options.js';
import type { F } from './recurrent-types.js';
import { referenceKernels } from './reference/kernels.js';
import type { JsArray, JsTensor } from './tensor.js';

interface DensePayload {
  readonly x: F;
  readonly w: F;
  /** Shape of x; y and dy are [...leading, U]. */
  readonly xShape: readonly number[];
  readonly N: number;
  readonly I: number;
  readonly U: number;
}

interface EmbeddingPayload {
  readonly ids: Int32Array;
  readonly idsShape: readonly number[];
  readonly V: number;
  readonly E: number;
}

export class JsBackend implements Backend {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly device: string;
  readonly precision: Precision;
  readonly capabilities: Capabilities = Object.freeze({ training: true });
  readonly fused: JsFusedKernels;

  private readonly kernels: Kernels<F>;
  private readonly workers: RecurrentThreads | undefined;
  private readonly h: Handles;

  /**
   * `workers`: the threads createJsBackend started (worker threads start asynchronously, so a
   * backend constructed directly runs on the calling thread only).
   */
  constructor(options: JsBackendOptions = {}, workers?: RecurrentThreads) {
    checkJsBackendOptions('JsBackend', options);
    const precision = options.precision ?? 'float32';
    const threads = options.threads ?? 'auto';
    if (typeof threads === 'number' && threads > 1 && workers === undefined) {
      throw new Error(`JsBackend: options.threads: ${threads} threads need createJsBackend(), which starts the worker threads; new JsBackend() runs on 1`);
    }
    this.precision = precision;
    this.name = precision === 'float64' ? 'js-f64' : 'js';
    this.workers = workers;
    const n = workers?.threads ?? 1;
    this.device = `cpu (pure TypeScript, ${n} thread${n > 1 ? 's' : ''})`;
    this.kernels =
      precision === 'float64' ? (referenceKernels as Kernels<F>) : ((workers ? parallelKernels(workers) : fastKernels) as Kernels<F>);
    this.h = new Handles(this.name);
    this.fused = Object.freeze(fusedRecurrentKernels(this.h, this.kernels));
  }

  // ---- tensors -------------------------------------------------------------------------

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    this.h.assertOpen('tensor');
    if (dtype === 'int32') return this.h.wrap(shape, 'int32', Int32Array.from(data));
    const out = this.kernels.alloc(data.length);
    out.set(data);
    return this.h.wrap(shape, 'float32', out);
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    this.h.assertOpen('zeros');
    const n = sizeOf(shape);
    return this.h.wrap(shape, dtype, dtype === 'int32' ? new Int32Array(n) : this.kernels.alloc(n));
  }

  /** Async like every backend's read: bad handles reject rather than throw. */
  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    this.h.assertOpen('read');
    return this.h.get('read', 't', t).data.slice();
  }

  dispose(t: Tensor): void {
    this.h.assertOpen('dispose');
    this.h.dispose(t);
  }

  disposeSaved(s: Saved): void {
    this.h.assertOpen('disposeSaved');
    const js = this.h.disposeSaved(s);
    if (js.kind === RECURRENT_SAVED) this.kernels.releaseCache?.((js.payload as RecurrentPayload).cache);
  }

  liveTensors(): number {
    return this.h.liveCount;
  }

  close(): void {
    this.h.close();
    this.workers?.close();
  }

  // ---- primitives --------------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
    const ta = this.in('matmul', 'a', a);
    const tb = this.in('matmul', 'b', b);
    const [M, K] = transposeA ? [ta.shape[1]!, ta.shape[0]!] : [ta.shape[0]!, ta.shape[1]!];
    const N = transposeB ? tb.shape[0]! : tb.shape[1]!;
    return this.out([M, N], this.kernels.matmul(ta.data as F, tb.data as F, M, K, N, transposeA, transposeB));
  }

  add(a: Tensor, b: Tensor): Tensor {
    const ta = this.in('add', 'a', a);
    return this.out(ta.shape, host.add(ta.data as F, this.floats('add', 'b', b)));
  }

  sub(a: Tensor, b: Tensor): Tensor {
    const ta = this.in('sub', 'a', a);
    return this.out(ta.shape, host.sub(ta.data as F, this.floats('sub', 'b', b)));
  }

  mul(a: Tensor, b: Tensor): Tensor {
    const ta = this.in('mul', 'a', a);
    return this.out(ta.shape, host.mul(ta.data as F, this.floats('mul', 'b', b)));
  }

  affine(x: Tensor, scale: number, shift: number): Tensor {
    const tx = this.in('affine', 'x', x);
    return this.out(tx.shape, host.affine(tx.data as F, scale, shift));
  }

  addRow(x: Tensor, b: Tensor): Tensor {
    const tx = this.in('addRow', 'x', x);
    return this.out(tx.shape, host.addRow(tx.data as F, this.floats('addRow', 'b', b)));
  }

  sumRows(x: Tensor): Tensor {
    const tx = this.in('sumRows', 'x', x);
    const K = tx.shape[1]!;
    return this.out([K], host.sumRows(tx.data as F, K));
  }

  activation(f: Activation, x: Tensor): Tensor {
    const tx = this.in('activation', 'x', x);
    return this.out(tx.shape, host.activation(f, tx.data as F));
  }

  activationGrad(f: Activation, y: Tensor, dy: Tensor): Tensor {
    const ty = this.in('activationGrad', 'y', y);
    return this.out(ty.shape, host.activationGrad(f, ty.data as F, this.floats('activationGrad', 'dy', dy)));
  }

  slice(x: Tensor, axis: number, start: number, size: number): Tensor {
    const tx = this.in('slice', 'x', x);
    const shape = tx.shape.map((d, i) => (i === axis ? size : d));
    return this.h.wrap(shape, tx.dtype, host.slice(tx.data, tx.shape, axis, start, size));
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    this.h.assertOpen('concat');
    const ts = xs.map((x, i) => this.h.get('concat', `xs[${i}]`, x));
    const first = ts[0]!;
    const shapes = ts.map((t) => t.shape);
    const shape = first.shape.map((d, i) => (i === axis ? shapes.reduce((s, sh) => s + sh[axis]!, 0) : d));
    return this.h.wrap(shape, first.dtype, host.concat<JsArray>(ts.map((t) => t.data), shapes, axis));
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const tx = this.in('reshape', 'x', x);
    // A copy, not a view: optimizer updates write in place, and two handles must never alias.
    return this.h.wrap(shape, tx.dtype, tx.data.slice());
  }

  div(a: Tensor, b: Tensor): Tensor {
    const ta = this.in('div', 'a', a);
    return this.out(ta.shape, host.div(ta.data as F, this.floats('div', 'b', b)));
  }

  layerNorm(x: Tensor, eps: number): Tensor {
    const tx = this.in('layerNorm', 'x', x);
    return this.out(tx.shape, host.layerNorm(tx.data as F, tx.shape[1]!, eps));
  }

  layerNormGrad(x: Tensor, dy: Tensor, eps: number): Tensor {
    const tx = this.in('layerNormGrad', 'x', x);
    return this.out(tx.shape, host.layerNormGrad(tx.data as F, this.floats('layerNormGrad', 'dy', dy), tx.shape[1]!, eps));
  }

  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined): Tensor {
    const tx = this.in('conv2d', 'x', x);
    const tw = this.in('conv2d', 'w', w);
    const [B, C, H, W] = tx.shape as [number, number, number, number];
    const [O, , k] = tw.shape as [number, number, number];
    const b = bias ? this.floats('conv2d', 'bias', bias) : undefined;
    return this.out([B, O, H, W], host.conv2d(tx.data as F, tw.data as F, b, { B, C, H, W, O, k }));
  }

  conv2dGradInput(dy: Tensor, w: Tensor): Tensor {
    const td = this.in('conv2dGradInput', 'dy', dy);
    const tw = this.in('conv2dGradInput', 'w', w);
    const [B, O, H, W] = td.shape as [number, number, number, number];
    const [, C, k] = tw.shape as [number, number, number];
    return this.out([B, C, H, W], host.conv2dGradInput(td.data as F, tw.data as F, { B, C, H, W, O, k }));
  }

  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number): Tensor {
    const tx = this.in('conv2dGradFilter', 'x', x);
    const [B, C, H, W] = tx.shape as [number, number, number, number];
    const O = dy.shape[1]!;
    return this.out([O, C, kernelSize, kernelSize], host.conv2dGradFilter(tx.data as F, this.floats('conv2dGradFilter', 'dy', dy), { B, C, H, W, O, k: kernelSize }));
  }

  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Tensor {
    // A tight loop: the recurrence is sequential per element, and one pass is already O(B·T·N).
    const ta = this.in('linearScan', 'a', a);
    const [B, T, N] = ta.shape as [number, number, number];
    return this.out(ta.shape, host.linearScan(ta.data as F, this.floats('linearScan', 'b', b), this.floats('linearScan', 'h0', h0), B, T, N, reverse));
  }

  // ---- dense and embedding ----------------------------------------------------------------

  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'denseForward';
    const tw = this.in(where, 'w', w);
    const [U = 0, I = 0] = tw.shape;
    const tx = this.h.get(where, 'x', x);
    const lead = tx.shape.slice(0, -1);
    const N = sizeOf(lead);
    const xd = tx.data as F;
    const wd = tw.data as F;
    const y = this.out([...lead, U], this.kernels.denseForward(xd, wd, this.floats(where, 'b', b), N, I, U));
    const saved = training ? this.h.save<DensePayload>('dense', { x: xd, w: wd, xShape: tx.shape, N, I, U }, 0) : undefined;
    return { y, saved };
  }

  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    const where = 'denseBackward';
    this.h.assertOpen(where);
    const s = this.h.payload<DensePayload>(where, saved, 'dense');
    const g = this.kernels.denseBackward(s.x, s.w, this.floats(where, 'dy', dy), s.N, s.I, s.U);
    return { dx: this.out(s.xShape, g.dx), dw: this.out([s.U, s.I], g.dw), db: this.out([s.U], g.db) };
  }

  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'embeddingForward';
    const tw = this.in(where, 'weight', weight);
    const [V = 0, E = 0] = tw.shape;
    const tids = this.h.get(where, 'ids', ids);
    const idv = tids.data as Int32Array;
    const y = this.out([...tids.shape, E], host.embeddingForward(tw.data as F, idv, E));
    // A copy of the ids (they are small): Saved stays valid whatever happens to the caller's handle.
    const saved = training ? this.h.save<EmbeddingPayload>('embedding', { ids: idv.slice(), idsShape: tids.shape, V, E }, 0) : undefined;
    return { y, saved };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const where = 'embeddingBackward';
    this.h.assertOpen(where);
    const s = this.h.payload<EmbeddingPayload>(where, saved, 'embedding');
    return { dWeight: this.out([s.V, s.E], host.embeddingBackward(s.ids, this.floats(where, 'dy', dy), s.V, s.E)) };
  }

  // ---- losses and predictions ---------------------------------------------------------------

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    const where = 'softmaxCrossEntropy';
    const tl = this.in(where, 'logits', logits);
    const [N = 0, C = 0] = tl.shape;
    const lab = this.h.get(where, 'labels', labels).data as Int32Array;
    const wd = weights === undefined ? undefined : this.floats(where, 'weights', weights);
    const r = host.softmaxCrossEntropy(tl.data as F, lab, wd, N, C);
    return this.lossResult(r.loss, tl.shape, r.grad);
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    const where = 'sigmoidBinaryCrossEntropy';
    const tl = this.in(where, 'logits', logits);
    const r = host.sigmoidBinaryCrossEntropy(tl.data as F, this.floats(where, 'targets', targets));
    return this.lossResult(r.loss, tl.shape, r.grad);
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    const where = 'meanSquaredError';
    const tp = this.in(where, 'predictions', predictions);
    const r = host.meanSquaredError(tp.data as F, this.floats(where, 'targets', targets));
    return this.lossResult(r.loss, tp.shape, r.grad);
  }

  softmax(x: Tensor): Tensor {
    const tx = this.in('softmax', 'x', x);
    const C = tx.shape[tx.shape.length - 1] ?? 1;
    return this.out(tx.shape, host.softmax(tx.data as F, sizeOf(tx.shape.slice(0, -1)), C));
  }

  // ---- optimizer arithmetic ---------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    this.h.assertOpen('sumSquares');
    const out = this.kernels.alloc(1);
    out[0] = host.sumSquares(ts.map((t, i) => this.floats('sumSquares', `ts[${i}]`, t)));
    return this.out([], out);
  }

  scaleInPlace(t: Tensor, s: number): void {
    const d = this.in('scaleInPlace', 't', t).data as F;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * s;
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    const where = 'adamUpdate';
    const p = this.in(where, 'param', param).data as F;
    host.adamUpdate(p, this.floats(where, 'grad', grad), this.floats(where, 'm', m), this.floats(where, 'v', v), h);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    const where = 'sgdUpdate';
    const p = this.in(where, 'param', param).data as F;
    // Without momentum the velocity is never read: it is not resolved, so any handle will do.
    const vel = h.momentum === 0 ? p : this.floats(where, 'velocity', velocity);
    host.sgdUpdate(p, this.floats(where, 'grad', grad), vel, h);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    const where = 'rmspropUpdate';
    const p = this.in(where, 'param', param).data as F;
    const sq = this.floats(where, 'squareAvg', squareAvg);
    // The buffer is read only with momentum, like the velocity of SGD.
    const buf = h.momentum > 0 ? this.floats(where, 'buffer', buffer) : sq;
    host.rmspropUpdate(p, this.floats(where, 'grad', grad), sq, buf, h);
  }

  // ---- internals ---------------------------------------------------------------------------

  /** The first tensor argument of a kernel, checked open (one check per call). */
  private in(where: string, arg: string, t: Tensor): JsTensor {
    this.h.assertOpen(where);
    return this.h.get(where, arg, t);
  }

  private floats(where: string, arg: string, t: Tensor): F {
    return this.h.floats(where, arg, t);
  }

  private out(shape: readonly number[], data: F): Tensor {
    return this.h.wrap(shape, 'float32', data);
  }

  private lossResult(loss: number, shape: readonly number[], grad: F): LossResult {
    const l = this.kernels.alloc(1);
    l[0] = loss;
    return { loss: this.out([], l), grad: this.out(shape, grad) };
  }
}
