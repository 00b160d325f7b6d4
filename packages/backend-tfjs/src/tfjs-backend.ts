// The rnnkit Backend on TensorFlow.js ops. Kernels run inside tf.tidy so intermediates never
// outlive a call; tensors stay inside tfjs between kernels and are read back only in read().
//
// One engine per process: tfjs has a single global engine, so every live TfjsBackend runs on
// the same one (createTfjsBackend refuses a second instance on a different engine), and
// liveTensors() counts every tfjs tensor created after this backend started.

import * as tf from '@tensorflow/tfjs-core';
import {
  gateCount,
  SPECIFICATION_VERSION,
  type AdamHyper,
  type Backend,
  type Capabilities,
  type DType,
  type FloatArray,
  type HostArray,
  type LossResult,
  type RecurrentBackwardArgs,
  type RecurrentBackwardResult,
  type RecurrentForwardArgs,
  type RecurrentForwardResult,
  type RmspropHyper,
  type Saved,
  type SgdHyper,
  type Tensor,
} from '@rnnkit/core';
import { denseBackward, denseForward, type DenseSavedTensors } from './dense.js';
import { embeddingBackward, embeddingForward, type EmbeddingSavedTensors } from './embedding.js';
import { gruBackward, gruForward, type GruSavedTensors } from './gru.js';
import { TfjsSaved, TfjsTensor, type SavedTensors } from './handle.js';
import { tidy } from './tidy.js';
import { lstmBackward, lstmForward, type LstmSavedTensors } from './lstm.js';
import { meanSquaredError, sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from './losses.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optimizers.js';
import { rnnBackward, rnnForward, type RnnSavedTensors } from './rnn.js';
import { makeSequence, type Sequence, type TfParams } from './sequence.js';
import { checkDims, checkDtype, checkFinite, checkRank, checkSameShape, checkShape, shapeString, sizeOf } from './validate.js';

type RecurrentMeta = { readonly cell: RecurrentForwardArgs['cell']; readonly seq: Sequence };
type RecurrentSaved =
  | TfjsSaved<LstmSavedTensors, RecurrentMeta>
  | TfjsSaved<GruSavedTensors, RecurrentMeta>
  | TfjsSaved<RnnSavedTensors, RecurrentMeta>;

export class TfjsBackend implements Backend {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly device: string;
  readonly precision = 'float32' as const;
  readonly capabilities: Capabilities = {
    training: true,
    cells: ['rnn', 'lstm', 'gru'],
    gruResetBefore: true,
    sequenceLengths: true,
  };
  readonly #baseline: number;
  readonly #release: () => void;
  #closed = false;

  /**
   * Use createTfjsBackend(): it loads and starts the engine this constructor assumes is running,
   * and passes `release`, which close() calls to let another engine start.
   */
  constructor(engine: string, device: string, release: () => void = () => {}) {
    this.name = `tfjs-${engine}`;
    this.device = device;
    this.#release = release;
    this.#baseline = tf.memory().numTensors;
  }

  // ---- handles -------------------------------------------------------------------------

  #open(where: string): void {
    if (this.#closed) throw new Error(`${this.name}.${where}: the backend was closed`);
  }

  #val(where: string, arg: string, t: Tensor | undefined): tf.Tensor {
    if (!(t instanceof TfjsTensor)) {
      throw new Error(`${this.name}.${where}: ${arg}: expected a tensor created by this backend, got ${t === undefined ? 'undefined' : String(t)}`);
    }
    return t.value(`${this.name}.${where}`, arg);
  }

  #optVal(where: string, arg: string, t: Tensor | undefined): tf.Tensor | undefined {
    return t === undefined ? undefined : this.#val(where, arg, t);
  }

  #wrap(t: tf.Tensor): TfjsTensor {
    return new TfjsTensor(t);
  }

  #saved<T extends SavedTensors, M>(where: string, s: Saved, kind: string): TfjsSaved<T, M> {
    if (!(s instanceof TfjsSaved)) throw new Error(`${this.name}.${where}: saved: expected a Saved from this backend, got ${String(s)}`);
    if (s.kind !== kind) throw new Error(`${this.name}.${where}: saved: expected kind '${kind}', got '${s.kind}'`);
    return s as TfjsSaved<T, M>;
  }

  // ---- tensors -------------------------------------------------------------------------

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    this.#open('tensor');
    checkDims(`${this.name}.tensor`, 'shape', shape);
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${this.name}.tensor: dtype: expected 'float32' or 'int32', got '${String(dtype)}'`);
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(`${this.name}.tensor: data: expected length ${n} (product of shape ${shapeString(shape)}), got ${data.length}`);
    }
    const values = dtype === 'float32' ? (data instanceof Float32Array ? data : Float32Array.from(data)) : data instanceof Int32Array ? data : Int32Array.from(data);
    return this.#wrap(tf.tensor(values, [...shape], dtype));
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    this.#open('zeros');
    checkDims(`${this.name}.zeros`, 'shape', shape);
    return this.#wrap(tf.zeros([...shape], dtype));
  }

  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    this.#open('read');
    const data = await this.#val('read', 't', t).data();
    // A copy: the cpu engine hands out its own storage, which a caller must not be able to change.
    return data instanceof Int32Array ? data.slice() : Float32Array.from(data as Float32Array);
  }

  dispose(t: Tensor): void {
    if (!(t instanceof TfjsTensor)) throw new Error(`${this.name}.dispose: t: expected a tensor created by this backend, got ${String(t)}`);
    t.dispose();
  }

  disposeSaved(s: Saved): void {
    if (!(s instanceof TfjsSaved)) throw new Error(`${this.name}.disposeSaved: s: expected a Saved from this backend, got ${String(s)}`);
    s.dispose();
  }

  liveTensors(): number {
    return tf.memory().numTensors - this.#baseline;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
  }

  // ---- shape and element-wise helpers --------------------------------------------------

  concatLast(a: Tensor, b: Tensor): Tensor {
    const where = 'concatLast';
    this.#open(where);
    const ta = this.#val(where, 'a', a), tb = this.#val(where, 'b', b);
    const ra = ta.rank, rb = tb.rank;
    if (ra === 0 || ra !== rb || ta.shape.slice(0, -1).some((d, i) => d !== tb.shape[i])) {
      throw new Error(`${this.name}.${where}: b: expected shape [${ta.shape.slice(0, -1).join(', ')}${ra > 1 ? ', ' : ''}*] to match a ${shapeString(ta.shape)}, got ${shapeString(tb.shape)}`);
    }
    return this.#wrap(tf.concat([ta, tb], ra - 1));
  }

  sliceLast(x: Tensor, start: number, size: number): Tensor {
    const where = 'sliceLast';
    this.#open(where);
    const tx = this.#val(where, 'x', x);
    const n = tx.shape[tx.rank - 1] ?? 0;
    if (!Number.isInteger(start) || start < 0 || start > n) throw new Error(`${this.name}.${where}: start: expected an integer in [0, ${n}], got ${start}`);
    if (!Number.isInteger(size) || size < 0 || start + size > n) {
      throw new Error(`${this.name}.${where}: size: expected an integer in [0, ${n - start}] (last axis ${n}, start ${start}), got ${size}`);
    }
    const begin = tx.shape.map((_, i) => (i === tx.rank - 1 ? start : 0));
    const sizes = tx.shape.map((d, i) => (i === tx.rank - 1 ? size : d));
    return this.#wrap(tf.slice(tx, begin, sizes));
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.#open('add');
    checkSameShape(`${this.name}.add`, 'a', a, 'b', b);
    return this.#wrap(tf.add(this.#val('add', 'a', a), this.#val('add', 'b', b)));
  }

  mul(x: Tensor, mask: Tensor): Tensor {
    this.#open('mul');
    checkSameShape(`${this.name}.mul`, 'x', x, 'mask', mask);
    return this.#wrap(tf.mul(this.#val('mul', 'x', x), this.#val('mul', 'mask', mask)));
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    this.#open('reshape');
    checkDims(`${this.name}.reshape`, 'shape', shape);
    if (sizeOf(shape) !== sizeOf(x.shape)) {
      throw new Error(`${this.name}.reshape: shape: expected ${sizeOf(x.shape)} elements (x is ${shapeString(x.shape)}), got ${shapeString(shape)} with ${sizeOf(shape)}`);
    }
    return this.#wrap(tf.reshape(this.#val('reshape', 'x', x), [...shape]));
  }

  // ---- recurrent -------------------------------------------------------------------------

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    const where = 'recurrentForward';
    this.#open(where);
    const w = `${this.name}.${where}`;
    const { cell, params, reverse, training } = args;
    if (cell === undefined || !['rnn', 'lstm', 'gru'].includes(cell.kind)) throw new Error(`${w}: cell.kind: expected 'rnn', 'lstm' or 'gru', got '${String(cell?.kind)}'`);
    checkRank(w, 'x', args.x, 3, '[B, T, I]');
    checkDtype(w, 'x', args.x, 'float32');
    const [B = 0, T = 0, I = 0] = args.x.shape;
    if (T < 1) throw new Error(`${w}: x: expected at least one time step, got shape ${shapeString(args.x.shape)}`);
    const G = gateCount(cell.kind);
    checkRank(w, 'params.wHh', params.wHh, 2, '[G·H, H]');
    const H = params.wHh.shape[1] ?? 0;
    checkShape(w, 'params.wHh', params.wHh, [[`${G}·H`, G * H], ['H', H]]);
    checkShape(w, 'params.wIh', params.wIh, [[`${G}·H`, G * H], ['I', I]]);
    checkShape(w, 'params.bIh', params.bIh, [[`${G}·H`, G * H]]);
    checkShape(w, 'params.bHh', params.bHh, [[`${G}·H`, G * H]]);
    if (args.h0 !== undefined) checkShape(w, 'h0', args.h0, [['B', B], ['H', H]]);
    if (args.c0 !== undefined) {
      if (cell.kind !== 'lstm') throw new Error(`${w}: c0: only an LSTM has a cell state, got c0 for '${cell.kind}'`);
      checkShape(w, 'c0', args.c0, [['B', B], ['H', H]]);
    }
    let lengths: Int32Array | null = null;
    if (args.lengths !== undefined) {
      if (args.lengths.length !== B) throw new Error(`${w}: lengths: expected length B = ${B}, got ${args.lengths.length}`);
      args.lengths.forEach((l, b) => {
        if (!Number.isInteger(l) || l < 1 || l > T) throw new Error(`${w}: lengths[${b}]: expected an integer in [1, T = ${T}], got ${l}`);
      });
      lengths = Int32Array.from(args.lengths);
    }
    const p: TfParams = {
      wIh: this.#val(where, 'params.wIh', params.wIh),
      wHh: this.#val(where, 'params.wHh', params.wHh),
      bIh: this.#val(where, 'params.bIh', params.bIh),
      bHh: this.#val(where, 'params.bHh', params.bHh),
    };
    const x = this.#val(where, 'x', args.x);
    const h0 = this.#optVal(where, 'h0', args.h0);
    const c0 = this.#optVal(where, 'c0', args.c0);
    const seq = makeSequence(B, T, I, H, reverse, lengths);
    const meta: RecurrentMeta = { cell, seq };

    if (cell.kind === 'lstm') {
      const r = tidy(() => lstmForward(seq, p, x, h0, c0, training));
      return {
        y: this.#wrap(r.y),
        hT: this.#wrap(r.hT),
        cT: this.#wrap(r.cT),
        saved: r.saved === null ? undefined : new TfjsSaved('recurrent', r.saved, meta),
      };
    }
    const r = tidy(() => (cell.kind === 'gru' ? gruForward(seq, cell.resetAfter, p, x, h0, training) : rnnForward(seq, cell.nonlinearity, p, x, h0, training)));
    return {
      y: this.#wrap(r.y),
      hT: this.#wrap(r.hT),
      saved: r.saved === null ? undefined : new TfjsSaved<GruSavedTensors | RnnSavedTensors, RecurrentMeta>('recurrent', r.saved, meta),
    };
  }

  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    const where = 'recurrentBackward';
    this.#open(where);
    const w = `${this.name}.${where}`;
    const saved = this.#saved<SavedTensors, RecurrentMeta>(where, args.saved, 'recurrent') as RecurrentSaved;
    const { cell, seq } = saved.meta;
    const { B, T, H } = seq;
    if (args.dy !== undefined) checkShape(w, 'dy', args.dy, [['B', B], ['T', T], ['H', H]]);
    if (args.dhT !== undefined) checkShape(w, 'dhT', args.dhT, [['B', B], ['H', H]]);
    if (args.dcT !== undefined) {
      if (cell.kind !== 'lstm') throw new Error(`${w}: dcT: only an LSTM has a cell state, got dcT for '${cell.kind}'`);
      checkShape(w, 'dcT', args.dcT, [['B', B], ['H', H]]);
    }
    const dy = this.#optVal(where, 'dy', args.dy);
    const dhT = this.#optVal(where, 'dhT', args.dhT);
    const dcT = this.#optVal(where, 'dcT', args.dcT);
    const tensors = saved.tensors(w);

    if (cell.kind === 'lstm') {
      const r = tidy(() => lstmBackward(seq, tensors as LstmSavedTensors, dy, dhT, dcT));
      return {
        dx: this.#wrap(r.dx),
        dh0: this.#wrap(r.dh0),
        dc0: this.#wrap(r.dc0),
        dWIh: this.#wrap(r.dWIh),
        dWHh: this.#wrap(r.dWHh),
        dBIh: this.#wrap(r.dBIh),
        dBHh: this.#wrap(r.dBHh),
      };
    }
    const r = tidy(() =>
      cell.kind === 'gru'
        ? gruBackward(seq, cell.resetAfter, tensors as GruSavedTensors, dy, dhT)
        : rnnBackward(seq, tensors as RnnSavedTensors, dy, dhT),
    );
    return {
      dx: this.#wrap(r.dx),
      dh0: this.#wrap(r.dh0),
      dWIh: this.#wrap(r.dWIh),
      dWHh: this.#wrap(r.dWHh),
      dBIh: this.#wrap(r.dBIh),
      dBHh: this.#wrap(r.dBHh),
    };
  }

  // ---- dense and embedding -----------------------------------------------------------------

  // x may carry leading axes ([..., I] → [..., U]; core applies a dense layer to every step of
  // a sequence); they are flattened to N rows for the product.
  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'denseForward';
    this.#open(where);
    const n = `${this.name}.${where}`;
    checkRank(n, 'w', w, 2, '[U, I]');
    const [U = 0, I = 0] = w.shape;
    checkShape(n, 'b', b, [['U', U]]);
    if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== I) {
      throw new Error(`${n}: x: expected shape [N, ${I}] or [..., ${I}] (I = ${I} from w ${shapeString(w.shape)}), got ${shapeString(x.shape)}`);
    }
    const lead = x.shape.slice(0, -1);
    const N = sizeOf(lead);
    const tw = this.#val(where, 'w', w), tb = this.#val(where, 'b', b), tx = this.#val(where, 'x', x);
    const r = tidy(() => {
      const f = denseForward(tw, tb, tf.reshape(tx, [N, I]), training);
      return { y: tf.reshape(f.y, [...lead, U]), saved: f.saved };
    });
    return { y: this.#wrap(r.y), saved: r.saved === null ? undefined : new TfjsSaved('dense', r.saved, { lead, U, I }) };
  }

  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    const where = 'denseBackward';
    this.#open(where);
    const s = this.#saved<DenseSavedTensors, { lead: number[]; U: number; I: number }>(where, saved, 'dense');
    const { lead, U, I } = s.meta;
    const expected = [...lead, U];
    if (dy.shape.length !== expected.length || dy.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`${this.name}.${where}: dy: expected shape ${shapeString(expected)} (the forward x's leading axes and U = ${U}), got ${shapeString(dy.shape)}`);
    }
    const tdy = this.#val(where, 'dy', dy);
    const tensors = s.tensors(`${this.name}.${where}`);
    const r = tidy(() => {
      const g = denseBackward(tensors, tf.reshape(tdy, [sizeOf(lead), U]));
      return { dx: tf.reshape(g.dx, [...lead, I]), dw: g.dw, db: g.db };
    });
    return { dx: this.#wrap(r.dx), dw: this.#wrap(r.dw), db: this.#wrap(r.db) };
  }

  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'embeddingForward';
    this.#open(where);
    const n = `${this.name}.${where}`;
    checkRank(n, 'weight', weight, 2, '[V, E]');
    checkRank(n, 'ids', ids, 2, '[B, T]');
    checkDtype(n, 'ids', ids, 'int32');
    const tw = this.#val(where, 'weight', weight), tids = this.#val(where, 'ids', ids);
    const [V = 0, E = 0] = weight.shape;
    // One of two reads outside read() (labels are the other): an out-of-range id makes wasm's
    // Gather read past the table (garbage, no error), so the ids ([B, T] int32, small) are
    // checked on the host.
    const idv = tids.dataSync();
    for (let k = 0; k < idv.length; k++) {
      const id = idv[k]!;
      if (id < 0 || id >= V) throw new Error(`${n}: ids[${k}]: expected a token id in [0, ${V}) (V from weight ${shapeString(weight.shape)}), got ${id}`);
    }
    const r = tidy(() => embeddingForward(tw, tids, training));
    const [B = 0, T = 0] = ids.shape;
    return { y: this.#wrap(r.y), saved: r.saved === null ? undefined : new TfjsSaved('embedding', r.saved, { V, E, B, T }) };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const where = 'embeddingBackward';
    this.#open(where);
    const s = this.#saved<EmbeddingSavedTensors, { V: number; E: number; B: number; T: number }>(where, saved, 'embedding');
    const { V, E, B, T } = s.meta;
    checkShape(`${this.name}.${where}`, 'dy', dy, [['B', B], ['T', T], ['E', E]]);
    const tdy = this.#val(where, 'dy', dy);
    const tensors = s.tensors(`${this.name}.${where}`);
    return { dWeight: this.#wrap(tidy(() => embeddingBackward(tensors, V, tdy))) };
  }

  // ---- losses and predictions ----------------------------------------------------------------

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    const where = 'softmaxCrossEntropy';
    this.#open(where);
    const n = `${this.name}.${where}`;
    checkRank(n, 'logits', logits, 2, '[N, C]');
    const N = logits.shape[0] ?? 0;
    checkShape(n, 'labels', labels, [['N', N]]);
    checkDtype(n, 'labels', labels, 'int32');
    if (weights !== undefined) {
      checkShape(n, 'weights', weights, [['N', N]]);
      checkDtype(n, 'weights', weights, 'float32');
    }
    const tl = this.#val(where, 'logits', logits), tlab = this.#val(where, 'labels', labels), tw = this.#optVal(where, 'weights', weights);
    // Read on the host like embedding ids: an out-of-range label would one-hot to a zero row and
    // silently drop that sample's loss.
    const C = logits.shape[1] ?? 0;
    const lv = tlab.dataSync();
    for (let k = 0; k < lv.length; k++) {
      const l = lv[k]!;
      if (l < 0 || l >= C) throw new Error(`${n}: labels[${k}]: expected a class index in [0, ${C}) (C from logits ${shapeString(logits.shape)}), got ${l}`);
    }
    const r = tidy(() => softmaxCrossEntropy(tl, tlab, tw));
    return { loss: this.#wrap(r.loss), grad: this.#wrap(r.grad) };
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    const where = 'sigmoidBinaryCrossEntropy';
    this.#open(where);
    const n = `${this.name}.${where}`;
    checkRank(n, 'logits', logits, 1, '[N]');
    checkSameShape(n, 'logits', logits, 'targets', targets);
    checkDtype(n, 'targets', targets, 'float32');
    const tl = this.#val(where, 'logits', logits), tt = this.#val(where, 'targets', targets);
    const r = tidy(() => sigmoidBinaryCrossEntropy(tl, tt));
    return { loss: this.#wrap(r.loss), grad: this.#wrap(r.grad) };
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    const where = 'meanSquaredError';
    this.#open(where);
    checkSameShape(`${this.name}.${where}`, 'predictions', predictions, 'targets', targets);
    const tp = this.#val(where, 'predictions', predictions), tt = this.#val(where, 'targets', targets);
    const r = tidy(() => meanSquaredError(tp, tt));
    return { loss: this.#wrap(r.loss), grad: this.#wrap(r.grad) };
  }

  softmax(x: Tensor): Tensor {
    this.#open('softmax');
    checkRank(`${this.name}.softmax`, 'x', x, 2, '[N, C]');
    return this.#wrap(tf.softmax(this.#val('softmax', 'x', x)));
  }

  sigmoid(x: Tensor): Tensor {
    this.#open('sigmoid');
    return this.#wrap(tf.sigmoid(this.#val('sigmoid', 'x', x)));
  }

  // ---- optimizer arithmetic --------------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    this.#open('sumSquares');
    const vals = ts.map((t, i) => this.#val('sumSquares', `ts[${i}]`, t));
    return this.#wrap(tidy(() => (vals.length === 0 ? tf.scalar(0) : tf.addN(vals.map((v) => tf.sum(tf.square(v)))))));
  }

  scaleInPlace(t: Tensor, s: number): void {
    this.#open('scaleInPlace');
    checkFinite(`${this.name}.scaleInPlace`, 's', s);
    const v = this.#val('scaleInPlace', 't', t);
    (t as TfjsTensor).swap(tidy(() => tf.mul(v, tf.scalar(s))));
  }

  #checkUpdate(where: string, param: Tensor, others: readonly [string, Tensor][]): void {
    this.#open(where);
    checkDtype(`${this.name}.${where}`, 'param', param, 'float32');
    for (const [name, t] of others) checkSameShape(`${this.name}.${where}`, 'param', param, name, t);
  }

  #checkHyper(where: string, h: object): void {
    for (const [k, v] of Object.entries(h)) if (typeof v === 'number') checkFinite(`${this.name}.${where}`, `h.${k}`, v);
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    const where = 'adamUpdate';
    this.#checkUpdate(where, param, [['grad', grad], ['m', m], ['v', v]]);
    this.#checkHyper(where, h);
    if (!Number.isInteger(h.step) || h.step < 1) throw new Error(`${this.name}.${where}: h.step: expected an integer ≥ 1, got ${h.step}`);
    const tp = this.#val(where, 'param', param), tg = this.#val(where, 'grad', grad), tm = this.#val(where, 'm', m), tv = this.#val(where, 'v', v);
    const r = tidy(() => adamUpdate(tp, tg, tm, tv, h));
    (param as TfjsTensor).swap(r.p);
    (m as TfjsTensor).swap(r.m);
    (v as TfjsTensor).swap(r.v);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    const where = 'sgdUpdate';
    this.#checkUpdate(where, param, h.momentum !== 0 ? [['grad', grad], ['velocity', velocity]] : [['grad', grad]]);
    this.#checkHyper(where, h);
    const tp = this.#val(where, 'param', param), tg = this.#val(where, 'grad', grad);
    const tvel = h.momentum !== 0 ? this.#val(where, 'velocity', velocity) : tp;
    const r = tidy(() => sgdUpdate(tp, tg, tvel, h));
    (param as TfjsTensor).swap(r.p);
    if (r.velocity !== null) (velocity as TfjsTensor).swap(r.velocity);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    const where = 'rmspropUpdate';
    this.#checkUpdate(where, param, h.momentum > 0 ? [['grad', grad], ['squareAvg', squareAvg], ['buffer', buffer]] : [['grad', grad], ['squareAvg', squareAvg]]);
    this.#checkHyper(where, h);
    const tp = this.#val(where, 'param', param), tg = this.#val(where, 'grad', grad), tsq = this.#val(where, 'squareAvg', squareAvg);
    const tbuf = h.momentum > 0 ? this.#val(where, 'buffer', buffer) : tp;
    const r = tidy(() => rmspropUpdate(tp, tg, tsq, tbuf, h));
    (param as TfjsTensor).swap(r.p);
    (squareAvg as TfjsTensor).swap(r.squareAvg);
    if (r.buffer !== null) (buffer as TfjsTensor).swap(r.buffer);
  }
}
