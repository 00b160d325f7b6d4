// JsBackend: core's Backend interface in pure TypeScript, in float64 (the reference every other
// backend is checked against) or float32 (the fast path). This file validates every argument and
// owns the handles; the arithmetic lives in reference/ and fast/.

import {
  SPECIFICATION_VERSION,
  gateCount,
  type AdamHyper,
  type Backend,
  type Capabilities,
  type CellSpec,
  type DType,
  type FloatArray,
  type HostArray,
  type LossResult,
  type Precision,
  type RecurrentBackwardArgs,
  type RecurrentBackwardResult,
  type RecurrentForwardArgs,
  type RecurrentForwardResult,
  type RmspropHyper,
  type Saved,
  type SgdHyper,
  type Tensor,
} from '@rnnkit/core';
import { fastKernels, parallelKernels } from './fast/kernels.js';
import type { RecurrentThreads } from './fast/parallel.js';
import type { Kernels } from './kernels.js';
import { referenceKernels } from './reference/kernels.js';
import type { F, RecurrentDims, RecurrentInputs, RecurrentWeights } from './recurrent-types.js';
import { embeddingBackward, embeddingForward } from './reference/embedding.js';
import {
  meanSquaredError,
  sigmoid,
  sigmoidBinaryCrossEntropy,
  softmax,
  softmaxCrossEntropy,
} from './reference/losses.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './reference/optimizers.js';
import { JsSaved, JsTensor } from './tensor.js';
import { checkShape, checkShapeValid, sameShape, shapeString, sizeOf } from './validate.js';

export interface JsBackendOptions {
  /** 'float32' (default): the fast path. 'float64': the reference path the conformance suite trusts. */
  readonly precision?: Precision;
  /**
   * Threads for the float32 recurrent layers, which split a batch's samples among them: a count,
   * or 'auto' (default): the machine's cores, at most 8, in Node; 1 elsewhere. The float64
   * reference path always runs on one thread. The count in use is part of `device`.
   */
  readonly threads?: number | 'auto';
  /**
   * Forward multiply-adds (B·T·(I+H)·G·H) below which a recurrent call stays on the calling
   * thread, where a round trip to the workers would cost more than it saves. Default 2^20.
   */
  readonly parallelMinWork?: number;
}

export const DEFAULT_PARALLEL_MIN_WORK = 1 << 20;

/** Checks every option, naming it; `where` is the entry point the user called. */
export function checkJsBackendOptions(where: string, options: JsBackendOptions): void {
  const { precision = 'float32', threads = 'auto', parallelMinWork = DEFAULT_PARALLEL_MIN_WORK } = options;
  if (precision !== 'float32' && precision !== 'float64') {
    throw new Error(`${where}: options.precision: expected 'float32' or 'float64', got ${String(precision)}`);
  }
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1)) {
    throw new Error(`${where}: options.threads: expected a positive integer or 'auto', got ${String(threads)}`);
  }
  if (precision === 'float64' && typeof threads === 'number' && threads > 1) {
    throw new Error(`${where}: options.threads: the float64 reference path runs on 1 thread, got ${threads}`);
  }
  if (typeof parallelMinWork !== 'number' || !Number.isFinite(parallelMinWork) || parallelMinWork < 0) {
    throw new Error(`${where}: options.parallelMinWork: expected a number ≥ 0, got ${String(parallelMinWork)}`);
  }
}

interface RecurrentPayload {
  readonly cell: CellSpec;
  readonly dims: RecurrentDims;
  readonly weights: RecurrentWeights<F>;
  readonly inputs: RecurrentInputs<F>;
  readonly cache: object;
}

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
  readonly capabilities: Capabilities = Object.freeze({
    training: true,
    cells: Object.freeze(['rnn', 'lstm', 'gru'] as const),
    gruResetBefore: true,
    sequenceLengths: true,
  });

  private readonly kernels: Kernels<F>;
  private readonly workers: RecurrentThreads | undefined;
  private live = 0;
  private closed = false;

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
  }

  // ---- tensors -------------------------------------------------------------------------

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    this.assertOpen('tensor');
    checkShapeValid('tensor', 'shape', shape);
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new Error(`tensor: dtype: expected 'float32' or 'int32', got ${String(dtype)}`);
    }
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      throw new Error(`tensor: data: expected a Float32Array, Float64Array or Int32Array, got ${describe(data)}`);
    }
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(
        `tensor: data.length: expected ${n} (the product of shape ${shapeString(shape)}), got ${data.length}`,
      );
    }
    if (dtype === 'int32') {
      if (!(data instanceof Int32Array)) {
        for (let i = 0; i < n; i++) {
          const v = data[i]!;
          if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
            throw new Error(`tensor: data[${i}]: expected an int32 value for dtype int32, got ${v}`);
          }
        }
      }
      return this.wrap(shape, 'int32', Int32Array.from(data));
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new Error(`tensor: data[${i}]: expected a finite number, got ${data[i]} (first non-finite value)`);
      }
    }
    const out = this.kernels.alloc(n);
    out.set(data);
    if (out instanceof Float32Array) {
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(out[i]!)) {
          throw new Error(`tensor: data[${i}]: ${data[i]} overflows float32 (the backend's precision)`);
        }
      }
    }
    return this.wrap(shape, 'float32', out);
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    this.assertOpen('zeros');
    checkShapeValid('zeros', 'shape', shape);
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new Error(`zeros: dtype: expected 'float32' or 'int32', got ${String(dtype)}`);
    }
    const n = sizeOf(shape);
    return this.wrap(shape, dtype, dtype === 'int32' ? new Int32Array(n) : this.kernels.alloc(n));
  }

  /** Async like every backend's read: bad handles reject rather than throw. */
  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    this.assertOpen('read');
    const x = this.get('read', 't', t);
    return x.data.slice();
  }

  dispose(t: Tensor): void {
    this.assertOpen('dispose');
    if (!(t instanceof JsTensor)) throw new Error(`dispose: t: expected a tensor of this backend, got ${describe(t)}`);
    if (t.disposed) {
      throw new Error(`dispose: t: tensor ${shapeString(t.shape)} ${t.dtype} was already disposed (double free)`);
    }
    t.disposed = true;
    this.live--;
  }

  disposeSaved(s: Saved): void {
    this.assertOpen('disposeSaved');
    if (!(s instanceof JsSaved)) throw new Error(`disposeSaved: s: expected a Saved of this backend, got ${describe(s)}`);
    if (s.disposed) throw new Error(`disposeSaved: s: saved state '${s.kind}' was already disposed (double free)`);
    s.disposed = true;
    this.live -= s.arrays;
    if (s.kind === 'recurrent') this.kernels.releaseCache?.((s.payload as RecurrentPayload).cache);
  }

  liveTensors(): number {
    return this.live;
  }

  close(): void {
    this.closed = true;
    this.workers?.close();
  }

  // ---- shape and element-wise helpers ---------------------------------------------------

  concatLast(a: Tensor, b: Tensor): Tensor {
    this.assertOpen('concatLast');
    const ta = this.float('concatLast', 'a', a);
    const tb = this.float('concatLast', 'b', b);
    if (ta.shape.length === 0) throw new Error(`concatLast: a: expected rank ≥ 1, got []`);
    const lead = ta.shape.slice(0, -1);
    const A = ta.shape[ta.shape.length - 1]!;
    const Bn = tb.shape[tb.shape.length - 1] ?? -1;
    checkShape('concatLast', 'b', tb.shape, [...lead, ['B', Bn]], `(leading dims of a ${shapeString(ta.shape)})`);
    const rows = sizeOf(lead);
    const W = A + Bn;
    const out = this.kernels.alloc(rows * W);
    for (let r = 0; r < rows; r++) {
      out.set(ta.data.subarray(r * A, (r + 1) * A), r * W);
      out.set(tb.data.subarray(r * Bn, (r + 1) * Bn), r * W + A);
    }
    return this.wrap([...lead, W], 'float32', out);
  }

  sliceLast(x: Tensor, start: number, size: number): Tensor {
    this.assertOpen('sliceLast');
    const tx = this.float('sliceLast', 'x', x);
    if (tx.shape.length === 0) throw new Error(`sliceLast: x: expected rank ≥ 1, got []`);
    const N = tx.shape[tx.shape.length - 1]!;
    if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 0 || start + size > N) {
      throw new Error(
        `sliceLast: start, size: expected integers with 0 ≤ start and start + size ≤ ${N} (last axis of x ${shapeString(tx.shape)}), got start ${start}, size ${size}`,
      );
    }
    const lead = tx.shape.slice(0, -1);
    const rows = sizeOf(lead);
    const out = this.kernels.alloc(rows * size);
    for (let r = 0; r < rows; r++) out.set(tx.data.subarray(r * N + start, r * N + start + size), r * size);
    return this.wrap([...lead, size], 'float32', out);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.assertOpen('add');
    const ta = this.float('add', 'a', a);
    const tb = this.float('add', 'b', b);
    this.same('add', 'b', tb, ta, 'a');
    const out = this.kernels.alloc(ta.data.length);
    for (let i = 0; i < out.length; i++) out[i] = ta.data[i]! + tb.data[i]!;
    return this.wrap(ta.shape, 'float32', out);
  }

  mul(x: Tensor, mask: Tensor): Tensor {
    this.assertOpen('mul');
    const tx = this.float('mul', 'x', x);
    const tm = this.float('mul', 'mask', mask);
    this.same('mul', 'mask', tm, tx, 'x');
    const out = this.kernels.alloc(tx.data.length);
    for (let i = 0; i < out.length; i++) out[i] = tx.data[i]! * tm.data[i]!;
    return this.wrap(tx.shape, 'float32', out);
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    this.assertOpen('reshape');
    const tx = this.get('reshape', 'x', x);
    checkShapeValid('reshape', 'shape', shape);
    if (sizeOf(shape) !== tx.data.length) {
      throw new Error(
        `reshape: shape: expected ${tx.data.length} elements (x ${shapeString(tx.shape)}), got ${shapeString(shape)} with ${sizeOf(shape)}`,
      );
    }
    // A copy, not a view: optimizer updates write in place, and two handles must never alias.
    return this.wrap(shape, tx.dtype, tx.data.slice());
  }

  // ---- recurrent -------------------------------------------------------------------------

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    const where = 'recurrentForward';
    this.assertOpen(where);
    const cell = args.cell;
    if (!cell || (cell.kind !== 'rnn' && cell.kind !== 'lstm' && cell.kind !== 'gru')) {
      throw new Error(`${where}: cell.kind: expected 'rnn', 'lstm' or 'gru', got ${String((cell as { kind?: unknown } | undefined)?.kind)}`);
    }
    if (cell.kind === 'rnn' && cell.nonlinearity !== 'tanh' && cell.nonlinearity !== 'relu') {
      throw new Error(`${where}: cell.nonlinearity: expected 'tanh' or 'relu', got ${String(cell.nonlinearity)}`);
    }
    if (cell.kind === 'gru' && typeof cell.resetAfter !== 'boolean') {
      throw new Error(`${where}: cell.resetAfter: expected a boolean, got ${String(cell.resetAfter)}`);
    }
    const G = gateCount(cell.kind);
    const p = args.params;
    if (!p) throw new Error(`${where}: params: expected { wIh, wHh, bIh, bHh }, got ${String(p)}`);
    const wHh = this.float(where, 'params.wHh', p.wHh);
    if (wHh.shape.length !== 2 || wHh.shape[0] !== G * wHh.shape[1]!) {
      throw new Error(
        `${where}: params.wHh: expected [G·H, H] with G = ${G} for ${cell.kind}, got ${shapeString(wHh.shape)}`,
      );
    }
    const H = wHh.shape[1]!;
    const wIh = this.float(where, 'params.wIh', p.wIh);
    if (wIh.shape.length !== 2 || wIh.shape[0] !== G * H) {
      throw new Error(
        `${where}: params.wIh: expected [${G * H}, I] (G·H with G = ${G}, H = ${H} from wHh ${shapeString(wHh.shape)}), got ${shapeString(wIh.shape)}`,
      );
    }
    const I = wIh.shape[1]!;
    const bIh = this.float(where, 'params.bIh', p.bIh);
    checkShape(where, 'params.bIh', bIh.shape, [G * H], `(G·H from wHh ${shapeString(wHh.shape)})`);
    const bHh = this.float(where, 'params.bHh', p.bHh);
    checkShape(where, 'params.bHh', bHh.shape, [G * H], `(G·H from wHh ${shapeString(wHh.shape)})`);
    const x = this.float(where, 'x', args.x);
    if (x.shape.length !== 3 || x.shape[2] !== I) {
      throw new Error(
        `${where}: x: expected [B, T, ${I}] with I = ${I} from wIh ${shapeString(wIh.shape)}, got ${shapeString(x.shape)}`,
      );
    }
    const B = x.shape[0]!;
    const T = x.shape[1]!;
    const why = `(B = ${B} from x ${shapeString(x.shape)}, H = ${H} from wHh ${shapeString(wHh.shape)})`;
    let h0: F;
    if (args.h0 !== undefined) {
      const t = this.float(where, 'h0', args.h0);
      checkShape(where, 'h0', t.shape, [['B', B], ['H', H]], why);
      h0 = t.data;
    } else {
      h0 = this.kernels.alloc(B * H);
    }
    let c0: F;
    if (args.c0 !== undefined) {
      if (cell.kind !== 'lstm') throw new Error(`${where}: c0: only an LSTM has a cell state, got c0 for ${cell.kind}`);
      const t = this.float(where, 'c0', args.c0);
      checkShape(where, 'c0', t.shape, [['B', B], ['H', H]], why);
      c0 = t.data;
    } else {
      c0 = this.kernels.alloc(B * H);
    }
    const lengths = this.lengths(where, args.lengths, B, T);
    if (typeof args.reverse !== 'boolean') throw new Error(`${where}: reverse: expected a boolean, got ${String(args.reverse)}`);
    const dims: RecurrentDims = { B, T, I, H };
    const weights: RecurrentWeights<F> = { wIh: wIh.data, wHh: wHh.data, bIh: bIh.data, bHh: bHh.data };
    const inputs: RecurrentInputs<F> = { x: x.data, h0, c0, lengths, reverse: args.reverse };
    const training = args.training === true;
    const out = this.kernels.recurrentForward(cell, dims, weights, inputs, training);
    const y = this.wrap([B, T, H], 'float32', out.y);
    const hT = this.wrap([B, H], 'float32', out.hT);
    const cT = cell.kind === 'lstm' ? this.wrap([B, H], 'float32', out.cT) : undefined;
    let saved: Saved | undefined;
    if (training && out.cache) {
      const payload: RecurrentPayload = { cell, dims, weights, inputs, cache: out.cache };
      saved = this.save('recurrent', payload, Object.keys(out.cache).length);
    }
    return { y, hT, cT, saved };
  }

  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    const where = 'recurrentBackward';
    this.assertOpen(where);
    const s = this.saved<RecurrentPayload>(where, args.saved, 'recurrent');
    const { B, T, I, H } = s.dims;
    const G = gateCount(s.cell.kind);
    const why = `(from the forward pass: B = ${B}, T = ${T}, H = ${H})`;
    let dy: F | undefined;
    if (args.dy !== undefined) {
      const t = this.float(where, 'dy', args.dy);
      checkShape(where, 'dy', t.shape, [['B', B], ['T', T], ['H', H]], why);
      dy = t.data;
    }
    let dhT: F | undefined;
    if (args.dhT !== undefined) {
      const t = this.float(where, 'dhT', args.dhT);
      checkShape(where, 'dhT', t.shape, [['B', B], ['H', H]], why);
      dhT = t.data;
    }
    let dcT: F | undefined;
    if (args.dcT !== undefined) {
      if (s.cell.kind !== 'lstm') throw new Error(`${where}: dcT: only an LSTM has a cell state, got dcT for ${s.cell.kind}`);
      const t = this.float(where, 'dcT', args.dcT);
      checkShape(where, 'dcT', t.shape, [['B', B], ['H', H]], why);
      dcT = t.data;
    }
    const g = this.kernels.recurrentBackward(s.cell, s.dims, s.weights, s.inputs, s.cache, { dy, dhT, dcT });
    return {
      dx: this.wrap([B, T, I], 'float32', g.dx),
      dh0: this.wrap([B, H], 'float32', g.dh0),
      dc0: s.cell.kind === 'lstm' ? this.wrap([B, H], 'float32', g.dc0) : undefined,
      dWIh: this.wrap([G * H, I], 'float32', g.dWIh),
      dWHh: this.wrap([G * H, H], 'float32', g.dWHh),
      dBIh: this.wrap([G * H], 'float32', g.dBIh),
      dBHh: this.wrap([G * H], 'float32', g.dBHh),
    };
  }

  // ---- dense and embedding ----------------------------------------------------------------

  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'denseForward';
    this.assertOpen(where);
    const tw = this.float(where, 'w', w);
    if (tw.shape.length !== 2) throw new Error(`${where}: w: expected [U, I], got ${shapeString(tw.shape)}`);
    const U = tw.shape[0]!;
    const I = tw.shape[1]!;
    const tb = this.float(where, 'b', b);
    checkShape(where, 'b', tb.shape, [['U', U]], `(U from w ${shapeString(tw.shape)})`);
    const tx = this.float(where, 'x', x);
    if (tx.shape.length < 1 || tx.shape[tx.shape.length - 1] !== I) {
      throw new Error(`${where}: x: expected [N, ${I}] or [..., ${I}] with I = ${I} from w ${shapeString(tw.shape)}, got ${shapeString(tx.shape)}`);
    }
    const lead = tx.shape.slice(0, -1);
    const N = sizeOf(lead);
    const y = this.wrap([...lead, U], 'float32', this.kernels.denseForward(tx.data, tw.data, tb.data, N, I, U));
    const saved = training
      ? this.save<DensePayload>('dense', { x: tx.data, w: tw.data, xShape: tx.shape, N, I, U }, 0)
      : undefined;
    return { y, saved };
  }

  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    const where = 'denseBackward';
    this.assertOpen(where);
    const s = this.saved<DensePayload>(where, saved, 'dense');
    const tdy = this.float(where, 'dy', dy);
    const expected = [...s.xShape.slice(0, -1), s.U];
    checkShape(where, 'dy', tdy.shape, expected, `(x ${shapeString(s.xShape)} and U = ${s.U} from the forward pass)`);
    const g = this.kernels.denseBackward(s.x, s.w, tdy.data, s.N, s.I, s.U);
    return {
      dx: this.wrap(s.xShape, 'float32', g.dx),
      dw: this.wrap([s.U, s.I], 'float32', g.dw),
      db: this.wrap([s.U], 'float32', g.db),
    };
  }

  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'embeddingForward';
    this.assertOpen(where);
    const tw = this.float(where, 'weight', weight);
    if (tw.shape.length !== 2) throw new Error(`${where}: weight: expected [V, E], got ${shapeString(tw.shape)}`);
    const V = tw.shape[0]!;
    const E = tw.shape[1]!;
    const tids = this.int(where, 'ids', ids);
    const idv = tids.data as Int32Array;
    for (let i = 0; i < idv.length; i++) {
      const id = idv[i]!;
      if (id < 0 || id >= V) {
        throw new Error(`${where}: ids[${i}]: expected a token id in [0, ${V}) (V from weight ${shapeString(tw.shape)}), got ${id}`);
      }
    }
    const y = this.wrap([...tids.shape, E], 'float32', embeddingForward(tw.data as F, idv, E));
    const saved = training
      ? this.save<EmbeddingPayload>('embedding', { ids: idv.slice(), idsShape: tids.shape, V, E }, 0)
      : undefined;
    return { y, saved };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const where = 'embeddingBackward';
    this.assertOpen(where);
    const s = this.saved<EmbeddingPayload>(where, saved, 'embedding');
    const tdy = this.float(where, 'dy', dy);
    checkShape(where, 'dy', tdy.shape, [...s.idsShape, s.E], `(ids ${shapeString(s.idsShape)} and E = ${s.E} from the forward pass)`);
    return { dWeight: this.wrap([s.V, s.E], 'float32', embeddingBackward(s.ids, tdy.data as F, s.V, s.E)) };
  }

  // ---- losses and predictions ---------------------------------------------------------------

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    const where = 'softmaxCrossEntropy';
    this.assertOpen(where);
    const tl = this.float(where, 'logits', logits);
    if (tl.shape.length !== 2) throw new Error(`${where}: logits: expected [N, C], got ${shapeString(tl.shape)}`);
    const N = tl.shape[0]!;
    const C = tl.shape[1]!;
    const why = `(N from logits ${shapeString(tl.shape)})`;
    const tlab = this.int(where, 'labels', labels);
    checkShape(where, 'labels', tlab.shape, [['N', N]], why);
    const lab = tlab.data as Int32Array;
    for (let n = 0; n < N; n++) {
      const c = lab[n]!;
      if (c < 0 || c >= C) throw new Error(`${where}: labels[${n}]: expected a class in [0, ${C}) (C from logits ${shapeString(tl.shape)}), got ${c}`);
    }
    let wd: F | undefined;
    if (weights !== undefined) {
      const tw = this.float(where, 'weights', weights);
      checkShape(where, 'weights', tw.shape, [['N', N]], why);
      wd = tw.data as F;
      for (let n = 0; n < N; n++) {
        if (wd[n]! < 0) throw new Error(`${where}: weights[${n}]: expected a non-negative weight, got ${wd[n]}`);
      }
    }
    const r = softmaxCrossEntropy(tl.data as F, lab, wd, N, C);
    return this.lossResult(r.loss, tl.shape, r.grad);
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    const where = 'sigmoidBinaryCrossEntropy';
    this.assertOpen(where);
    const tl = this.float(where, 'logits', logits);
    const tt = this.float(where, 'targets', targets);
    this.same(where, 'targets', tt, tl, 'logits');
    const td = tt.data as F;
    for (let i = 0; i < td.length; i++) {
      if (!(td[i]! >= 0 && td[i]! <= 1)) throw new Error(`${where}: targets[${i}]: expected a value in [0, 1], got ${td[i]}`);
    }
    const r = sigmoidBinaryCrossEntropy(tl.data as F, td);
    return this.lossResult(r.loss, tl.shape, r.grad);
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    const where = 'meanSquaredError';
    this.assertOpen(where);
    const tp = this.float(where, 'predictions', predictions);
    const tt = this.float(where, 'targets', targets);
    this.same(where, 'targets', tt, tp, 'predictions');
    const r = meanSquaredError(tp.data as F, tt.data as F);
    return this.lossResult(r.loss, tp.shape, r.grad);
  }

  softmax(x: Tensor): Tensor {
    this.assertOpen('softmax');
    const tx = this.float('softmax', 'x', x);
    if (tx.shape.length < 1) throw new Error(`softmax: x: expected [N, C] (rank ≥ 1), got []`);
    const C = tx.shape[tx.shape.length - 1]!;
    const N = sizeOf(tx.shape.slice(0, -1));
    return this.wrap(tx.shape, 'float32', softmax(tx.data as F, N, C));
  }

  sigmoid(x: Tensor): Tensor {
    this.assertOpen('sigmoid');
    const tx = this.float('sigmoid', 'x', x);
    return this.wrap(tx.shape, 'float32', sigmoid(tx.data as F));
  }

  // ---- optimizer arithmetic ---------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    this.assertOpen('sumSquares');
    if (!Array.isArray(ts)) throw new Error(`sumSquares: ts: expected an array of tensors, got ${describe(ts)}`);
    let sum = 0;
    ts.forEach((t, i) => {
      const d = this.float('sumSquares', `ts[${i}]`, t).data;
      for (let k = 0; k < d.length; k++) sum += d[k]! * d[k]!;
    });
    const out = this.kernels.alloc(1);
    out[0] = sum;
    return this.wrap([], 'float32', out);
  }

  scaleInPlace(t: Tensor, s: number): void {
    this.assertOpen('scaleInPlace');
    const tt = this.float('scaleInPlace', 't', t);
    if (!Number.isFinite(s)) throw new Error(`scaleInPlace: s: expected a finite number, got ${s}`);
    const d = tt.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * s;
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    const where = 'adamUpdate';
    this.assertOpen(where);
    const [p, g, mm, vv] = this.sameFloats(where, [['param', param], ['grad', grad], ['m', m], ['v', v]]);
    if (!Number.isInteger(h.step) || h.step < 1) throw new Error(`${where}: h.step: expected an integer ≥ 1, got ${h.step}`);
    adamUpdate(p!, g!, mm!, vv!, h);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    const where = 'sgdUpdate';
    this.assertOpen(where);
    if (h.momentum === 0) {
      const [p, g] = this.sameFloats(where, [['param', param], ['grad', grad]]);
      sgdUpdate(p!, g!, p!, h);
      return;
    }
    const [p, g, vel] = this.sameFloats(where, [['param', param], ['grad', grad], ['velocity', velocity]]);
    sgdUpdate(p!, g!, vel!, h);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    const where = 'rmspropUpdate';
    this.assertOpen(where);
    if (h.momentum > 0) {
      const [p, g, sq, buf] = this.sameFloats(where, [['param', param], ['grad', grad], ['squareAvg', squareAvg], ['buffer', buffer]]);
      rmspropUpdate(p!, g!, sq!, buf!, h);
      return;
    }
    const [p, g, sq] = this.sameFloats(where, [['param', param], ['grad', grad], ['squareAvg', squareAvg]]);
    rmspropUpdate(p!, g!, sq!, sq!, h);
  }

  // ---- internals ---------------------------------------------------------------------------

  private assertOpen(where: string): void {
    if (this.closed) throw new Error(`${where}: the backend '${this.name}' was closed`);
  }

  private wrap(shape: readonly number[], dtype: DType, data: F | Int32Array): JsTensor {
    this.live++;
    return new JsTensor(shape, dtype, data);
  }

  private save<P>(kind: string, payload: P, arrays: number): JsSaved<P> {
    this.live += arrays;
    return new JsSaved(kind, payload, arrays);
  }

  private get(where: string, arg: string, t: Tensor | undefined): JsTensor {
    if (!(t instanceof JsTensor)) throw new Error(`${where}: ${arg}: expected a tensor of the '${this.name}' backend, got ${describe(t)}`);
    if (t.disposed) throw new Error(`${where}: ${arg}: tensor ${shapeString(t.shape)} was used after it was disposed`);
    return t;
  }

  private float(where: string, arg: string, t: Tensor | undefined): JsTensor & { data: F } {
    const x = this.get(where, arg, t);
    if (x.dtype !== 'float32') throw new Error(`${where}: ${arg}: expected dtype float32, got ${x.dtype}`);
    return x as JsTensor & { data: F };
  }

  private int(where: string, arg: string, t: Tensor | undefined): JsTensor {
    const x = this.get(where, arg, t);
    if (x.dtype !== 'int32') throw new Error(`${where}: ${arg}: expected dtype int32, got ${x.dtype}`);
    return x;
  }

  private same(where: string, arg: string, t: JsTensor, ref: JsTensor, refArg: string): void {
    if (!sameShape(t.shape, ref.shape)) {
      throw new Error(`${where}: ${arg}: expected ${shapeString(ref.shape)} (the shape of ${refArg}), got ${shapeString(t.shape)}`);
    }
  }

  private sameFloats(where: string, ts: readonly (readonly [string, Tensor])[]): F[] {
    const first = this.float(where, ts[0]![0], ts[0]![1]);
    return ts.map(([arg, t]) => {
      const x = this.float(where, arg, t);
      this.same(where, arg, x, first, ts[0]![0]);
      return x.data;
    });
  }

  private saved<P>(where: string, s: Saved | undefined, kind: string): P {
    if (!(s instanceof JsSaved)) throw new Error(`${where}: saved: expected the Saved of a '${this.name}' forward pass, got ${describe(s)}`);
    if (s.kind !== kind) throw new Error(`${where}: saved: expected kind '${kind}', got '${s.kind}'`);
    if (s.disposed) throw new Error(`${where}: saved: this '${kind}' saved state was already disposed`);
    return s.payload as P;
  }

  private lengths(where: string, lengths: Int32Array | undefined, B: number, T: number): Int32Array {
    if (lengths === undefined) return new Int32Array(B).fill(T);
    if (!(lengths instanceof Int32Array)) throw new Error(`${where}: lengths: expected an Int32Array of length B = ${B}, got ${describe(lengths)}`);
    if (lengths.length !== B) throw new Error(`${where}: lengths: expected length B = ${B} (from x), got ${lengths.length}`);
    for (let b = 0; b < B; b++) {
      const l = lengths[b]!;
      if (l < 1 || l > T) throw new Error(`${where}: lengths[${b}]: expected a length in [1, T] = [1, ${T}], got ${l}`);
    }
    // A copy: the caller may reuse its array before backward runs.
    return lengths.slice();
  }

  private lossResult(loss: number, shape: readonly number[], grad: F): LossResult {
    const l = this.kernels.alloc(1);
    l[0] = loss;
    return { loss: this.wrap([], 'float32', l), grad: this.wrap(shape, 'float32', grad) };
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${typeof v} ${String(v)}`;
}
