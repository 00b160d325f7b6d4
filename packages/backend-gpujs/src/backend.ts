// The gpu.js backend: core's Backend contract (specification 3) on gpu.js pipeline kernels. WebGL
// textures stay on the GPU between kernels, primitives included; only read() reads back. See
// engine.ts for the storage rule. Every kernel is synchronous (the contract allows promises;
// gpu.js queues GL work and nothing here waits for it).
//
// Core checks every argument before calling (`checkedBackend`), so nothing here re-checks shapes,
// dtypes, ids, lengths or hyperparameters; what remains are the invariants only this package can
// see: a disposed or foreign handle, a freed Saved or one of another kernel.
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
  type RmspropHyper,
  type Saved,
  type SgdHyper,
  type Tensor,
} from '@rnnkit/core';
import * as host from '@rnnkit/core/host';
import { Engine, release, share, toHost, type Storage } from './engine.js';
import * as ew from './elementwise.js';
import { fusedRecurrentKernels, type GpujsFusedKernels } from './fused-recurrent.js';
import { biasPlanes, conv2d, conv2dGradFilter, conv2dGradInput, type Conv2dSizes } from './conv2d.js';
import { around, concat, slice } from './layout.js';
import { layerNorm, layerNormGrad } from './layer-norm.js';
import { linearScan } from './linear-scan.js';
import { columnSum, matmul, matmulOp, view } from './matmul.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { meanSquaredError, sigmoidBinaryCrossEntropy, softmax, softmaxCrossEntropy } from './losses.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optimizers.js';
import { recurrentSavedStorages, type RecurrentSaved } from './recurrent.js';
import { GpujsTensor, Ledger, shapeSize } from './tensor.js';

interface DenseSaved {
  readonly kind: 'dense';
  readonly x: Storage;
  readonly w: Storage;
  readonly N: number;
  readonly I: number;
  readonly U: number;
  readonly lead: readonly number[];
}

interface EmbeddingSaved {
  readonly kind: 'embedding';
  readonly ids: Int32Array;
  readonly V: number;
  readonly E: number;
  readonly shape: readonly number[];
}

type AnySaved = RecurrentSaved | DenseSaved | EmbeddingSaved;

/** No data: gpu.js cannot compile a kernel of zero outputs, and nothing needs computing. */
const EMPTY: Storage = new Float32Array(0);

export class GpujsBackend implements Backend {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly device: string;
  readonly precision = 'float32' as const;
  readonly capabilities: Capabilities = { training: true };
  readonly fused: GpujsFusedKernels;
  /** The gpu.js engine (GPU instance, kernel cache). */
  readonly engine: Engine;
  private readonly ledger = new Ledger();
  /** Saved objects this backend made, and whether each was freed (a foreign object is absent). */
  private readonly freed = new WeakMap<Saved, boolean>();

  constructor(engine: Engine, device: string) {
    this.engine = engine;
    this.name = `gpujs-${engine.kind}`;
    this.device = device;
    this.fused = fusedRecurrentKernels({
      engine,
      storage: (where, arg, t) => this.s(t, where, arg),
      wrap: (s, shape) => this.wrap(s, shape),
      keep: (s) => this.keep(s),
      recurrent: (where, s) => this.saved(s, 'recurrent', where),
    });
  }

  // ---- handles -----------------------------------------------------------------------------

  private wrap(storage: Storage, shape: readonly number[]): GpujsTensor {
    this.ledger.own();
    return new GpujsTensor(shape, 'float32', storage, undefined);
  }

  private wrapInts(data: Int32Array, shape: readonly number[]): GpujsTensor {
    this.ledger.own();
    return new GpujsTensor(shape, 'int32', undefined, data);
  }

  /** The float storage behind a live handle of this backend. */
  private s(t: Tensor, where: string, arg: string): Storage {
    if (!(t instanceof GpujsTensor)) throw new Error(`gpujs.${where}: ${arg}: expected a tensor of this backend, got ${describe(t)}`);
    if (t.storage === undefined) throw new Error(`gpujs.${where}: ${arg}: tensor [${t.shape.join(', ')}] ${t.dtype} was already disposed`);
    return t.storage;
  }

  /** The host data behind a live int32 handle of this backend. */
  private ints(t: Tensor, where: string, arg: string): Int32Array {
    if (!(t instanceof GpujsTensor)) throw new Error(`gpujs.${where}: ${arg}: expected a tensor of this backend, got ${describe(t)}`);
    if (t.disposed || t.ints === undefined) throw new Error(`gpujs.${where}: ${arg}: tensor [${t.shape.join(', ')}] was already disposed`);
    return t.ints;
  }

  /** A live Saved of this backend and of `kind`. */
  private saved<K extends AnySaved['kind']>(s: Saved, kind: K, where: string): Extract<AnySaved, { kind: K }> {
    const state = this.freed.get(s);
    if (state === undefined) throw new Error(`gpujs.${where}: saved: expected a Saved of this backend, got ${describe(s)}`);
    if (s.kind !== kind) throw new Error(`gpujs.${where}: saved: expected kind '${kind}', got '${s.kind}'`);
    if (state) throw new Error(`gpujs.${where}: saved: this '${kind}' saved state was already disposed`);
    return s as Extract<AnySaved, { kind: K }>;
  }

  /** Keep storages in a Saved: each counts as a live tensor until disposeSaved. */
  private keep<S extends AnySaved>(s: S): S {
    for (let i = 0; i < savedStorages(s).length; i++) this.ledger.own();
    this.freed.set(s, false);
    return s;
  }

  /** `n` floats computed by `run`, or no kernel at all when n is 0. */
  private out(n: number, shape: readonly number[], run: () => Storage): GpujsTensor {
    return this.wrap(n === 0 ? EMPTY : run(), shape);
  }

  // ---- tensors -------------------------------------------------------------------------------

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    if (dtype === 'int32') return this.wrapInts(Int32Array.from(data), shape);
    return this.out(data.length, shape, () => ew.upload(this.engine, Float32Array.from(data)));
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const n = shapeSize(shape);
    if (dtype === 'int32') return this.wrapInts(new Int32Array(n), shape);
    return this.out(n, shape, () => ew.fill(this.engine, n, 0));
  }

  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    this.engine.assertOpen();
    if (t.dtype === 'int32') return Int32Array.from(this.ints(t, 'read', 't'));
    return toHost(this.s(t, 'read', 't'), shapeSize(t.shape));
  }

  dispose(t: Tensor): void {
    // Disposing twice is harmless, as in core's checked backend.
    if (!(t instanceof GpujsTensor) || t.disposed) return;
    t.disposed = true;
    this.ledger.free(t.storage);
    t.storage = undefined;
  }

  disposeSaved(s: Saved): void {
    if (this.freed.get(s) !== false) return;
    this.freed.set(s, true);
    for (const st of savedStorages(s as AnySaved)) this.ledger.free(st);
  }

  liveTensors(): number {
    return this.ledger.count;
  }

  close(): void {
    this.engine.close();
  }

  // ---- primitives ----------------------------------------------------------------------------

  // a: [M, K] (or [K, M]), b: [K, N] (or [N, K]) → [M, N]
  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
    const [M, K] = (transposeA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
    const N = (transposeB ? b.shape[0] : b.shape[1]) as number;
    const sa = this.s(a, 'matmul', 'a');
    const sb = this.s(b, 'matmul', 'b');
    // An empty inner dimension sums nothing: zeros, not a kernel reading empty textures.
    return this.out(M * N, [M, N], () => (K === 0 ? ew.fill(this.engine, M * N, 0) : matmulOp(this.engine, sa, sb, M, K, N, transposeA, transposeB)));
  }

  private binary(op: ew.BinaryOp, a: Tensor, b: Tensor): Tensor {
    const sa = this.s(a, op, 'a');
    const sb = this.s(b, op, 'b');
    const n = shapeSize(a.shape);
    return this.out(n, a.shape, () => ew.binary(this.engine, op, sa, sb, n));
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.binary('add', a, b);
  }

  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary('sub', a, b);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary('mul', a, b);
  }

  affine(x: Tensor, scale: number, shift: number): Tensor {
    const sx = this.s(x, 'affine', 'x');
    // The identity (core's generic loop copies states with it): a new handle on the same
    // immutable texture, no kernel.
    if (scale === 1 && shift === 0) return this.wrap(share(sx), x.shape);
    const n = shapeSize(x.shape);
    return this.out(n, x.shape, () => ew.affine(this.engine, sx, scale, shift, n));
  }

  // x: [N, K], b: [K] → [N, K]
  addRow(x: Tensor, b: Tensor): Tensor {
    const [N, K] = x.shape as [number, number];
    const sx = this.s(x, 'addRow', 'x');
    const sb = this.s(b, 'addRow', 'b');
    return this.out(N * K, x.shape, () => ew.addRow(this.engine, sx, sb, N, K));
  }

  // x: [N, K] → [K]
  sumRows(x: Tensor): Tensor {
    const [N, K] = x.shape as [number, number];
    const sx = this.s(x, 'sumRows', 'x');
    return this.out(K, [K], () => (N === 0 ? ew.fill(this.engine, K, 0) : columnSum(this.engine, sx, N, K, 0, K)));
  }

  activation(f: Activation, x: Tensor): Tensor {
    const sx = this.s(x, 'activation', 'x');
    const n = shapeSize(x.shape);
    return this.out(n, x.shape, () => ew.activation(this.engine, f, sx, n));
  }

  activationGrad(f: Activation, y: Tensor, dy: Tensor): Tensor {
    const sy = this.s(y, 'activationGrad', 'y');
    const sdy = this.s(dy, 'activationGrad', 'dy');
    const n = shapeSize(y.shape);
    return this.out(n, y.shape, () => ew.activationGrad(this.engine, f, sy, sdy, n));
  }

  slice(x: Tensor, axis: number, start: number, size: number): Tensor {
    const shape = x.shape.map((d, i) => (i === axis ? size : d));
    // int32 tensors live on the host (engine.ts): sliced there, as core's host loop does it.
    if (x.dtype === 'int32') return this.wrapInts(host.slice(this.ints(x, 'slice', 'x'), x.shape, axis, start, size), shape);
    const sx = this.s(x, 'slice', 'x');
    const [outer, n, inner] = around(x.shape, axis);
    return this.out(outer * size * inner, shape, () => slice(this.engine, sx, outer, n, inner, start, size));
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    const first = xs[0] as Tensor;
    const sizes = xs.map((x) => x.shape[axis] as number);
    const shape = first.shape.map((d, i) => (i === axis ? sizes.reduce((a, b) => a + b, 0) : d));
    if (first.dtype === 'int32') {
      const parts = xs.map((x, i) => this.ints(x, 'concat', `xs[${i}]`));
      return this.wrapInts(host.concat(parts, xs.map((x) => x.shape), axis), shape);
    }
    const parts = xs.map((x, i) => this.s(x, 'concat', `xs[${i}]`));
    const [outer, , inner] = around(first.shape, axis);
    return this.out(shapeSize(shape), shape, () => concat(this.engine, parts, sizes, outer, inner));
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    if (x.dtype === 'int32') return this.wrapInts(Int32Array.from(this.ints(x, 'reshape', 'x')), shape);
    return this.wrap(share(this.s(x, 'reshape', 'x')), shape);
  }

  div(a: Tensor, b: Tensor): Tensor {
    return this.binary('div', a, b);
  }

  // x: [N, K] → [N, K]
  layerNorm(x: Tensor, eps: number): Tensor {
    const [N, K] = x.shape as [number, number];
    const sx = this.s(x, 'layerNorm', 'x');
    return this.out(N * K, x.shape, () => layerNorm(this.engine, sx, N, K, eps));
  }

  // x, dy: [N, K] → dx: [N, K]
  layerNormGrad(x: Tensor, dy: Tensor, eps: number): Tensor {
    const [N, K] = x.shape as [number, number];
    const sx = this.s(x, 'layerNormGrad', 'x');
    const sdy = this.s(dy, 'layerNormGrad', 'dy');
    return this.out(N * K, x.shape, () => layerNormGrad(this.engine, sx, sdy, N, K, eps));
  }

  // x: [B, C, H, W], w: [O, C, k, k], bias: [O] → y: [B, O, H, W]
  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined): Tensor {
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const [O, , k] = w.shape as [number, number, number, number];
    const sz: Conv2dSizes = { B, C, H, W, O, k };
    const sx = this.s(x, 'conv2d', 'x');
    const sw = this.s(w, 'conv2d', 'w');
    const sb = bias ? this.s(bias, 'conv2d', 'bias') : undefined;
    const e = this.engine;
    // No input channels sum nothing (and x, w are empty textures a kernel cannot read): the bias alone.
    const empty = (): Storage => (sb ? biasPlanes(e, sb, sz) : ew.fill(e, B * O * H * W, 0));
    return this.out(B * O * H * W, [B, O, H, W], () => (C === 0 ? empty() : conv2d(e, sx, sw, sb, sz)));
  }

  // dy: [B, O, H, W], w: [O, C, k, k] → dx: [B, C, H, W]
  conv2dGradInput(dy: Tensor, w: Tensor): Tensor {
    const [B, O, H, W] = dy.shape as [number, number, number, number];
    const [, C, k] = w.shape as [number, number, number, number];
    const sdy = this.s(dy, 'conv2dGradInput', 'dy');
    const sw = this.s(w, 'conv2dGradInput', 'w');
    const n = B * C * H * W;
    return this.out(n, [B, C, H, W], () => (O === 0 ? ew.fill(this.engine, n, 0) : conv2dGradInput(this.engine, sdy, sw, { B, C, H, W, O, k })));
  }

  // x: [B, C, H, W], dy: [B, O, H, W] → dw: [O, C, k, k]
  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number): Tensor {
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const O = dy.shape[1] as number;
    const k = kernelSize;
    const sx = this.s(x, 'conv2dGradFilter', 'x');
    const sdy = this.s(dy, 'conv2dGradFilter', 'dy');
    const n = O * C * k * k;
    // No sample or no pixel: nothing touched any tap.
    return this.out(n, [O, C, k, k], () => (B * H * W === 0 ? ew.fill(this.engine, n, 0) : conv2dGradFilter(this.engine, sx, sdy, { B, C, H, W, O, k })));
  }

  // a, b: [B, T, N], h0: [B, N] → h: [B, T, N]
  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Tensor {
    const [B, T, N] = a.shape as [number, number, number];
    const sa = this.s(a, 'linearScan', 'a');
    const sb = this.s(b, 'linearScan', 'b');
    const sh = this.s(h0, 'linearScan', 'h0');
    return this.out(B * T * N, a.shape, () => linearScan(this.engine, sa, sb, sh, B, T, N, reverse));
  }

  // ---- dense ---------------------------------------------------------------------------------

  // x: [..., I] (leading axes flattened into N), w: [U, I], b: [U] → y: [..., U]
  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const [U, I] = w.shape as [number, number];
    const lead = x.shape.slice(0, -1);
    const N = shapeSize(lead);
    const sx = this.s(x, 'denseForward', 'x');
    const sw = this.s(w, 'denseForward', 'w');
    const sb = this.s(b, 'denseForward', 'b');
    const y = this.out(N * U, [...lead, U], () => (I === 0 ? ew.fill(this.engine, N * U, 0) : matmul(this.engine, N, U, I, view(sx, 0, I, 1), view(sw, 0, 1, I), sb)));
    const saved = training ? this.keep<DenseSaved>({ kind: 'dense', x: share(sx), w: share(sw), N, I, U, lead }) : undefined;
    return { y, saved };
  }

  // dy: [..., U] → dx: [..., I], dw: [U, I], db: [U]
  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    const s = this.saved(saved, 'dense', 'denseBackward');
    const { N, I, U, lead } = s;
    const sdy = this.s(dy, 'denseBackward', 'dy');
    const e = this.engine;
    const rows = N === 0 || U === 0;
    return {
      dx: this.out(N * I, [...lead, I], () => (U === 0 ? ew.fill(e, N * I, 0) : matmul(e, N, I, U, view(sdy, 0, U, 1), view(s.w, 0, I, 1)))),
      dw: this.out(U * I, [U, I], () => (rows ? ew.fill(e, U * I, 0) : matmul(e, U, I, N, view(sdy, 0, 1, U), view(s.x, 0, I, 1)))),
      db: this.out(U, [U], () => (rows ? ew.fill(e, U, 0) : columnSum(e, sdy, N, U, 0, U))),
    };
  }

  // ---- embedding -----------------------------------------------------------------------------

  // weight: [V, E], ids: [B, T] → y: [B, T, E]
  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const [V, E] = weight.shape as [number, number];
    const idv = this.ints(ids, 'embeddingForward', 'ids');
    const sw = this.s(weight, 'embeddingForward', 'weight');
    const y = this.out(idv.length * E, [...ids.shape, E], () => embeddingForward(this.engine, sw, idv, V, E));
    const saved = training ? this.keep<EmbeddingSaved>({ kind: 'embedding', ids: Int32Array.from(idv), V, E, shape: ids.shape }) : undefined;
    return { y, saved };
  }

  // dy: [B, T, E] → dWeight: [V, E]
  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const s = this.saved(saved, 'embedding', 'embeddingBackward');
    const sdy = this.s(dy, 'embeddingBackward', 'dy');
    const e = this.engine;
    return { dWeight: this.out(s.V * s.E, [s.V, s.E], () => (s.ids.length === 0 ? ew.fill(e, s.V * s.E, 0) : embeddingBackward(e, sdy, s.ids, s.V, s.E))) };
  }

  // ---- losses --------------------------------------------------------------------------------

  // logits: [N, C], labels: [N], weights: [N] → loss: [], grad: [N, C]
  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    const [N, C] = logits.shape as [number, number];
    const lab = this.ints(labels, 'softmaxCrossEntropy', 'labels');
    const sw = weights ? this.s(weights, 'softmaxCrossEntropy', 'weights') : undefined;
    const r = softmaxCrossEntropy(this.engine, this.s(logits, 'softmaxCrossEntropy', 'logits'), lab, sw, N, C);
    return { loss: this.wrap(r.loss, []), grad: this.wrap(r.grad, [N, C]) };
  }

  // logits, targets: [N]
  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    const N = logits.shape[0] as number;
    const r = sigmoidBinaryCrossEntropy(this.engine, this.s(logits, 'sigmoidBinaryCrossEntropy', 'logits'), this.s(targets, 'sigmoidBinaryCrossEntropy', 'targets'), N);
    return { loss: this.wrap(r.loss, []), grad: this.wrap(r.grad, logits.shape) };
  }

  // predictions, targets: same shape
  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    const n = shapeSize(predictions.shape);
    const r = meanSquaredError(this.engine, this.s(predictions, 'meanSquaredError', 'predictions'), this.s(targets, 'meanSquaredError', 'targets'), n);
    return { loss: this.wrap(r.loss, []), grad: this.wrap(r.grad, predictions.shape) };
  }

  // x: [N, C] → [N, C]
  softmax(x: Tensor): Tensor {
    const [N, C] = x.shape as [number, number];
    const sx = this.s(x, 'softmax', 'x');
    return this.out(N * C, x.shape, () => softmax(this.engine, sx, N, C));
  }

  // ---- optimizer arithmetic ------------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    const e = this.engine;
    let total: Storage = ew.fill(e, 1, 0);
    ts.forEach((t, i) => {
      const n = shapeSize(t.shape);
      const st = this.s(t, 'sumSquares', `ts[${i}]`);
      if (n === 0) return;
      const part = ew.reduceSum(e, st, n, 'square');
      const next = ew.scalarOp(e, 'add', total, part);
      release(total);
      release(part);
      total = next;
    });
    return this.wrap(total, []);
  }

  /** Put `next` behind the handle `t` (in place from core's view) and free what was there. */
  private swap(t: Tensor, next: Storage): void {
    const h = t as GpujsTensor;
    const old = h.storage as Storage;
    h.storage = next;
    release(old);
  }

  scaleInPlace(t: Tensor, s: number): void {
    const n = shapeSize(t.shape);
    const st = this.s(t, 'scaleInPlace', 't');
    if (n > 0) this.swap(t, ew.affine(this.engine, st, s, 0, n));
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    const n = shapeSize(param.shape);
    const w = 'adamUpdate';
    const [sp, sg, sm, sv] = [this.s(param, w, 'param'), this.s(grad, w, 'grad'), this.s(m, w, 'm'), this.s(v, w, 'v')];
    if (n === 0) return;
    const r = adamUpdate(this.engine, sp, sg, sm, sv, h, n);
    this.swap(param, r.p);
    this.swap(m, r.m);
    this.swap(v, r.v);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    const n = shapeSize(param.shape);
    const w = 'sgdUpdate';
    const sp = this.s(param, w, 'param');
    const sg = this.s(grad, w, 'grad');
    // Without momentum the velocity is unused (and may be anything): the kernel reads grad in its place.
    const vel = h.momentum !== 0 ? this.s(velocity, w, 'velocity') : sg;
    if (n === 0) return;
    const r = sgdUpdate(this.engine, sp, sg, vel, h, n);
    this.swap(param, r.p);
    if (r.buf) this.swap(velocity, r.buf);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    const n = shapeSize(param.shape);
    const w = 'rmspropUpdate';
    const sp = this.s(param, w, 'param');
    const sg = this.s(grad, w, 'grad');
    const sq = this.s(squareAvg, w, 'squareAvg');
    // Without momentum the buffer is unused (and may be anything): the kernel reads grad in its place.
    const buf = h.momentum > 0 ? this.s(buffer, w, 'buffer') : sg;
    if (n === 0) return;
    const r = rmspropUpdate(this.engine, sp, sg, sq, buf, h, n);
    this.swap(param, r.p);
    this.swap(squareAvg, r.v);
    if (r.buf) this.swap(buffer, r.buf);
  }
}

/** Storages a Saved owns (for the ledger and for freeing). */
function savedStorages(s: AnySaved): Storage[] {
  if (s.kind === 'recurrent') return recurrentSavedStorages(s);
  if (s.kind === 'dense') return [s.x, s.w];
  return [];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${typeof v} ${String(v)}`;
}
