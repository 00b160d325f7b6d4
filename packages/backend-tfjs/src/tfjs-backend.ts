// The rnnkit Backend (specification 3) on TensorFlow.js ops. Kernels run inside tf.tidy so
// intermediates never outlive a call; tensors stay inside tfjs between kernels and are read back
// only in read(). Every kernel is synchronous (the contract allows promises; nothing here waits).
//
// Core checks every argument before calling (`checkedBackend`), so nothing here re-checks shapes,
// dtypes, ids or hyperparameters; what remains are the invariants only this package can see:
// a closed backend, a disposed or foreign handle, a freed Saved.
//
// One engine per process: tfjs has a single global engine, so every live TfjsBackend runs on
// the same one (createTfjsBackend refuses a second instance on a different engine), and
// liveTensors() counts every tfjs tensor created after this backend started.

import * as tf from '@tensorflow/tfjs-core';
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
import { conv2d, conv2dGradFilter, conv2dGradInput } from './conv2d.js';
import { denseBackward, denseForward, type DenseSavedTensors } from './dense.js';
import { embeddingBackward, embeddingForward, type EmbeddingSavedTensors } from './embedding.js';
import { fusedRecurrentKernels, type TfjsFusedKernels } from './fused-recurrent.js';
import { layerNorm, layerNormGrad } from './layer-norm.js';
import { linearScan } from './linear-scan.js';
import { optionalTfValue, savedOf, tfValue, TfjsSaved, TfjsTensor } from './handle.js';
import { meanSquaredError, sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from './losses.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optimizers.js';
import * as P from './primitives.js';
import { tidy } from './tidy.js';

type DenseMeta = { readonly lead: readonly number[]; readonly U: number; readonly I: number };
type EmbeddingMeta = { readonly V: number };

const product = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

export class TfjsBackend implements Backend {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly name: string;
  readonly device: string;
  readonly precision = 'float32' as const;
  readonly capabilities: Capabilities = { training: true };
  readonly fused: TfjsFusedKernels;
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
    this.fused = fusedRecurrentKernels({ name: this.name, assertOpen: (where) => this.#open(where) });
  }

  // ---- handles -------------------------------------------------------------------------

  #open(where: string): void {
    if (this.#closed) throw new Error(`${where}: the backend was closed`);
  }

  /** The tf.Tensor behind `t`, after checking the backend is open. */
  #val(where: string, arg: string, t: Tensor): tf.Tensor {
    const w = `${this.name}.${where}`;
    this.#open(w);
    return tfValue(w, arg, t);
  }

  // ---- tensors -------------------------------------------------------------------------

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    this.#open(`${this.name}.tensor`);
    const values = dtype === 'float32' ? (data instanceof Float32Array ? data : Float32Array.from(data)) : data instanceof Int32Array ? data : Int32Array.from(data);
    return new TfjsTensor(tf.tensor(values, [...shape], dtype));
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    this.#open(`${this.name}.zeros`);
    return new TfjsTensor(tf.zeros([...shape], dtype));
  }

  async read(t: Tensor): Promise<FloatArray | Int32Array> {
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

  // ---- primitives ----------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
    const ta = this.#val('matmul', 'a', a), tb = this.#val('matmul', 'b', b);
    return new TfjsTensor(tidy(() => P.matmul(ta, tb, transposeA, transposeB)));
  }

  add(a: Tensor, b: Tensor): Tensor {
    return new TfjsTensor(tf.add(this.#val('add', 'a', a), this.#val('add', 'b', b)));
  }

  sub(a: Tensor, b: Tensor): Tensor {
    return new TfjsTensor(tf.sub(this.#val('sub', 'a', a), this.#val('sub', 'b', b)));
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return new TfjsTensor(tf.mul(this.#val('mul', 'a', a), this.#val('mul', 'b', b)));
  }

  affine(x: Tensor, scale: number, shift: number): Tensor {
    const tx = this.#val('affine', 'x', x);
    return new TfjsTensor(tidy(() => P.affine(tx, scale, shift)));
  }

  addRow(x: Tensor, b: Tensor): Tensor {
    return new TfjsTensor(P.addRow(this.#val('addRow', 'x', x), this.#val('addRow', 'b', b)));
  }

  sumRows(x: Tensor): Tensor {
    const tx = this.#val('sumRows', 'x', x);
    return new TfjsTensor(tidy(() => P.sumRows(tx)));
  }

  activation(f: Activation, x: Tensor): Tensor {
    return new TfjsTensor(P.activation(f, this.#val('activation', 'x', x)));
  }

  activationGrad(f: Activation, y: Tensor, dy: Tensor): Tensor {
    const ty = this.#val('activationGrad', 'y', y), tdy = this.#val('activationGrad', 'dy', dy);
    return new TfjsTensor(tidy(() => P.activationGrad(f, ty, tdy)));
  }

  slice(x: Tensor, axis: number, start: number, size: number): Tensor {
    return new TfjsTensor(P.slice(this.#val('slice', 'x', x), axis, start, size));
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    return new TfjsTensor(P.concat(xs.map((x, i) => this.#val('concat', `xs[${i}]`, x)), axis));
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    // A new tf.Tensor sharing the data (tfjs counts references), so either handle may go first.
    return new TfjsTensor(tf.reshape(this.#val('reshape', 'x', x), [...shape]));
  }

  div(a: Tensor, b: Tensor): Tensor {
    return new TfjsTensor(tf.div(this.#val('div', 'a', a), this.#val('div', 'b', b)));
  }

  layerNorm(x: Tensor, eps: number): Tensor {
    const tx = this.#val('layerNorm', 'x', x);
    return new TfjsTensor(tidy(() => layerNorm(tx, eps)));
  }

  layerNormGrad(x: Tensor, dy: Tensor, eps: number): Tensor {
    const tx = this.#val('layerNormGrad', 'x', x), tdy = this.#val('layerNormGrad', 'dy', dy);
    return new TfjsTensor(tidy(() => layerNormGrad(tx, tdy, eps)));
  }

  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined): Tensor {
    const tx = this.#val('conv2d', 'x', x), tw = this.#val('conv2d', 'w', w);
    const tb = bias === undefined ? undefined : this.#val('conv2d', 'bias', bias);
    return new TfjsTensor(tidy(() => conv2d(tx, tw, tb)));
  }

  conv2dGradInput(dy: Tensor, w: Tensor): Tensor {
    const tdy = this.#val('conv2dGradInput', 'dy', dy), tw = this.#val('conv2dGradInput', 'w', w);
    return new TfjsTensor(tidy(() => conv2dGradInput(tdy, tw)));
  }

  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number): Tensor {
    const tx = this.#val('conv2dGradFilter', 'x', x), tdy = this.#val('conv2dGradFilter', 'dy', dy);
    return new TfjsTensor(tidy(() => conv2dGradFilter(tx, tdy, kernelSize)));
  }

  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Tensor {
    const ta = this.#val('linearScan', 'a', a), tb = this.#val('linearScan', 'b', b), th0 = this.#val('linearScan', 'h0', h0);
    return new TfjsTensor(tidy(() => linearScan(ta, tb, th0, reverse)));
  }

  // ---- dense and embedding -----------------------------------------------------------------

  // x may carry leading axes ([..., I] → [..., U]; core applies a dense layer to every step of
  // a sequence); they are flattened to N rows for the product.
  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'denseForward';
    const tw = this.#val(where, 'w', w), tb = this.#val(where, 'b', b), tx = this.#val(where, 'x', x);
    const [U = 0, I = 0] = w.shape;
    const lead = x.shape.slice(0, -1);
    const r = tidy(() => {
      const f = denseForward(tw, tb, tf.reshape(tx, [product(lead), I]), training);
      return { y: tf.reshape(f.y, [...lead, U]), saved: f.saved };
    });
    return { y: new TfjsTensor(r.y), saved: r.saved === null ? undefined : new TfjsSaved<DenseSavedTensors, DenseMeta>('dense', r.saved, { lead, U, I }) };
  }

  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    const where = 'denseBackward';
    const tdy = this.#val(where, 'dy', dy);
    const s = savedOf<DenseSavedTensors, DenseMeta>(`${this.name}.${where}`, saved, 'dense');
    const { lead, U, I } = s.meta;
    const tensors = s.tensors(`${this.name}.${where}`);
    const r = tidy(() => {
      const g = denseBackward(tensors, tf.reshape(tdy, [product(lead), U]));
      return { dx: tf.reshape(g.dx, [...lead, I]), dw: g.dw, db: g.db };
    });
    return { dx: new TfjsTensor(r.dx), dw: new TfjsTensor(r.dw), db: new TfjsTensor(r.db) };
  }

  // Token ids are range-checked by core against its host copy of the ids (an out-of-range id
  // would make wasm's Gather read past the table without an error).
  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    const where = 'embeddingForward';
    const tw = this.#val(where, 'weight', weight), tids = this.#val(where, 'ids', ids);
    const r = tidy(() => embeddingForward(tw, tids, training));
    const V = weight.shape[0] ?? 0;
    return { y: new TfjsTensor(r.y), saved: r.saved === null ? undefined : new TfjsSaved<EmbeddingSavedTensors, EmbeddingMeta>('embedding', r.saved, { V }) };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const where = 'embeddingBackward';
    const tdy = this.#val(where, 'dy', dy);
    const s = savedOf<EmbeddingSavedTensors, EmbeddingMeta>(`${this.name}.${where}`, saved, 'embedding');
    const tensors = s.tensors(`${this.name}.${where}`);
    return { dWeight: new TfjsTensor(tidy(() => embeddingBackward(tensors, s.meta.V, tdy))) };
  }

  // ---- losses and softmax ------------------------------------------------------------------

  // Labels are range-checked by core, like token ids (an out-of-range label would one-hot to a
  // zero row and silently drop that sample's loss).
  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    const where = 'softmaxCrossEntropy';
    const tl = this.#val(where, 'logits', logits), tlab = this.#val(where, 'labels', labels);
    const tw = optionalTfValue(`${this.name}.${where}`, 'weights', weights);
    const r = tidy(() => softmaxCrossEntropy(tl, tlab, tw));
    return { loss: new TfjsTensor(r.loss), grad: new TfjsTensor(r.grad) };
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    const where = 'sigmoidBinaryCrossEntropy';
    const tl = this.#val(where, 'logits', logits), tt = this.#val(where, 'targets', targets);
    const r = tidy(() => sigmoidBinaryCrossEntropy(tl, tt));
    return { loss: new TfjsTensor(r.loss), grad: new TfjsTensor(r.grad) };
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    const where = 'meanSquaredError';
    const tp = this.#val(where, 'predictions', predictions), tt = this.#val(where, 'targets', targets);
    const r = tidy(() => meanSquaredError(tp, tt));
    return { loss: new TfjsTensor(r.loss), grad: new TfjsTensor(r.grad) };
  }

  softmax(x: Tensor): Tensor {
    return new TfjsTensor(tf.softmax(this.#val('softmax', 'x', x)));
  }

  // ---- optimizer arithmetic --------------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    this.#open(`${this.name}.sumSquares`);
    const vals = ts.map((t, i) => this.#val('sumSquares', `ts[${i}]`, t));
    return new TfjsTensor(tidy(() => (vals.length === 0 ? tf.scalar(0) : tf.addN(vals.map((v) => tf.sum(tf.square(v)))))));
  }

  scaleInPlace(t: Tensor, s: number): void {
    const v = this.#val('scaleInPlace', 't', t);
    (t as TfjsTensor).swap(tidy(() => tf.mul(v, tf.scalar(s))));
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    const where = 'adamUpdate';
    const tp = this.#val(where, 'param', param), tg = this.#val(where, 'grad', grad), tm = this.#val(where, 'm', m), tv = this.#val(where, 'v', v);
    const r = tidy(() => adamUpdate(tp, tg, tm, tv, h));
    (param as TfjsTensor).swap(r.p);
    (m as TfjsTensor).swap(r.m);
    (v as TfjsTensor).swap(r.v);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    const where = 'sgdUpdate';
    const tp = this.#val(where, 'param', param), tg = this.#val(where, 'grad', grad);
    // Without momentum the velocity is unused: it is not even looked at.
    const tvel = h.momentum !== 0 ? this.#val(where, 'velocity', velocity) : tp;
    const r = tidy(() => sgdUpdate(tp, tg, tvel, h));
    (param as TfjsTensor).swap(r.p);
    if (r.velocity !== null) (velocity as TfjsTensor).swap(r.velocity);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    const where = 'rmspropUpdate';
    const tp = this.#val(where, 'param', param), tg = this.#val(where, 'grad', grad), tsq = this.#val(where, 'squareAvg', squareAvg);
    // The buffer is used only with momentum.
    const tbuf = h.momentum > 0 ? this.#val(where, 'buffer', buffer) : tp;
    const r = tidy(() => rmspropUpdate(tp, tg, tsq, tbuf, h));
    (param as TfjsTensor).swap(r.p);
    (squareAvg as TfjsTensor).swap(r.squareAvg);
    if (r.buffer !== null) (buffer as TfjsTensor).swap(r.buffer);
  }
}
