// The gpu.js backend: core's Backend contract on gpu.js pipeline kernels (WebGL textures stay on
// the GPU between kernels; only read() reads back). See engine.ts for the storage rule.
import {
  SPECIFICATION_VERSION,
  gateCount,
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
import { Engine, share, toHost, type Storage } from './engine.js';
import { binary, concatLast, fill, reduceSum, scalarOp, scale, sigmoid, sliceLast, upload } from './elementwise.js';
import { matmul, columnSum, view } from './matmul.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { meanSquaredError, sigmoidBinaryCrossEntropy, softmax, softmaxCrossEntropy } from './losses.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optimizers.js';
import { recurrentBackward, recurrentForward, recurrentSavedStorages, type RecurrentSaved } from './recurrent.js';
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

type AnySaved = (RecurrentSaved | DenseSaved | EmbeddingSaved) & { freed?: boolean };

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export class GpujsBackend implements Backend {
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
  /** The gpu.js engine (GPU instance, kernel cache). */
  readonly engine: Engine;
  private readonly ledger = new Ledger();

  constructor(engine: Engine, device: string) {
    this.engine = engine;
    this.name = `gpujs-${engine.kind}`;
    this.device = device;
  }

  // ---- tensors ---------------------------------------------------------------------------

  private wrap(storage: Storage, shape: readonly number[]): GpujsTensor {
    this.ledger.own();
    return new GpujsTensor(shape, 'float32', storage, undefined);
  }

  private f(t: Tensor, what: string): GpujsTensor {
    if (!(t instanceof GpujsTensor)) throw new Error(`gpujs: ${what} is not a tensor of this backend`);
    if (t.disposed) throw new Error(`gpujs: ${what} was already disposed`);
    if (t.dtype !== 'float32' || t.storage === undefined) throw new Error(`gpujs: ${what} must be float32, got ${t.dtype}`);
    return t;
  }

  private s(t: Tensor, what: string): Storage {
    return this.f(t, what).storage as Storage;
  }

  private ints(t: Tensor, what: string): Int32Array {
    if (!(t instanceof GpujsTensor) || t.disposed) throw new Error(`gpujs: ${what} is not a live tensor of this backend`);
    if (t.dtype !== 'int32' || t.ints === undefined) throw new Error(`gpujs: ${what} must be int32, got ${t.dtype}`);
    return t.ints;
  }

  private expectShape(t: Tensor, shape: readonly number[], what: string): void {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`gpujs: ${what} must have shape ${fmt(shape)}, got ${fmt(t.shape)}`);
    }
  }

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    const n = shapeSize(shape);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`gpujs: tensor shape must be non-negative integers, got ${fmt(shape)}`);
    if (data.length !== n) throw new Error(`gpujs: tensor data length must equal the shape's product ${n} for shape ${fmt(shape)}, got ${data.length}`);
    if (dtype === 'int32') {
      this.ledger.own();
      return new GpujsTensor(shape, 'int32', undefined, Int32Array.from(data));
    }
    return this.wrap(upload(this.engine, Float32Array.from(data)), shape);
  }

  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const n = shapeSize(shape);
    if (dtype === 'int32') {
      this.ledger.own();
      return new GpujsTensor(shape, 'int32', undefined, new Int32Array(n));
    }
    return this.wrap(fill(this.engine, n, 0), shape);
  }

  async read(t: Tensor): Promise<FloatArray | Int32Array> {
    if (!(t instanceof GpujsTensor) || t.disposed) throw new Error('gpujs: read of a disposed or foreign tensor');
    if (t.dtype === 'int32') return Int32Array.from(t.ints as Int32Array);
    return toHost(t.storage as Storage, t.size);
  }

  dispose(t: Tensor): void {
    if (!(t instanceof GpujsTensor) || t.disposed) return;
    t.disposed = true;
    this.ledger.free(t.storage);
    t.storage = undefined;
  }

  disposeSaved(s: Saved): void {
    const saved = s as AnySaved;
    if (saved.freed) return;
    saved.freed = true;
    for (const st of this.savedStorages(saved)) this.ledger.free(st);
  }

  private savedStorages(s: AnySaved): Storage[] {
    if (s.kind === 'recurrent') return recurrentSavedStorages(s);
    if (s.kind === 'dense') return [s.x, s.w];
    return [];
  }

  /** Keep storages in a Saved: each counts as a live tensor until disposeSaved. */
  private keep<S extends AnySaved>(s: S): S {
    for (let i = 0; i < this.savedStorages(s).length; i++) this.ledger.own();
    return s;
  }

  liveTensors(): number {
    return this.ledger.count;
  }

  close(): void {
    this.engine.close();
  }

  // ---- shape and element-wise helpers ----------------------------------------------------

  concatLast(a: Tensor, b: Tensor): Tensor {
    const sa = this.s(a, 'a');
    const sb = this.s(b, 'b');
    const lead = a.shape.slice(0, -1);
    if (a.shape.length === 0 || b.shape.length !== a.shape.length || b.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
      throw new Error(`gpujs: concatLast needs equal leading dims, got a ${fmt(a.shape)} and b ${fmt(b.shape)}`);
    }
    const na = a.shape[a.shape.length - 1] as number;
    const nb = b.shape[b.shape.length - 1] as number;
    return this.wrap(concatLast(this.engine, sa, sb, shapeSize(lead), na, nb), [...lead, na + nb]);
  }

  sliceLast(x: Tensor, start: number, size: number): Tensor {
    const sx = this.s(x, 'x');
    const n = x.shape[x.shape.length - 1] ?? 0;
    if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 1 || start + size > n) {
      throw new Error(`gpujs: sliceLast start ${start} size ${size} out of range for last dim ${n} (x ${fmt(x.shape)})`);
    }
    const lead = x.shape.slice(0, -1);
    return this.wrap(sliceLast(this.engine, sx, shapeSize(lead), n, start, size), [...lead, size]);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.expectShape(b, a.shape, 'add: b');
    return this.wrap(binary(this.engine, 'add', this.s(a, 'a'), this.s(b, 'b'), shapeSize(a.shape)), a.shape);
  }

  mul(x: Tensor, mask: Tensor): Tensor {
    this.expectShape(mask, x.shape, 'mul: mask');
    return this.wrap(binary(this.engine, 'mul', this.s(x, 'x'), this.s(mask, 'mask'), shapeSize(x.shape)), x.shape);
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== shapeSize(x.shape)) {
      throw new Error(`gpujs: reshape to ${fmt(shape)} needs ${shapeSize(x.shape)} elements (x ${fmt(x.shape)}), got ${shapeSize(shape)}`);
    }
    if (x.dtype === 'int32') {
      this.ledger.own();
      return new GpujsTensor(shape, 'int32', undefined, Int32Array.from(this.ints(x, 'x')));
    }
    return this.wrap(share(this.s(x, 'x')), shape);
  }

  // ---- recurrent -------------------------------------------------------------------------

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    const { cell, params } = args;
    const x = this.f(args.x, 'x');
    if (x.shape.length !== 3) throw new Error(`gpujs: recurrentForward x must be [B, T, I], got ${fmt(x.shape)}`);
    const [B, T, I] = x.shape as [number, number, number];
    const G = gateCount(cell.kind);
    const wHh = this.f(params.wHh, 'params.wHh');
    if (wHh.shape.length !== 2 || (wHh.shape[0] as number) % G !== 0) {
      throw new Error(`gpujs: params.wHh must be [${G}·H, H], got ${fmt(wHh.shape)}`);
    }
    const H = (wHh.shape[0] as number) / G;
    this.expectShape(wHh, [G * H, H], 'params.wHh');
    this.expectShape(params.wIh, [G * H, I], 'params.wIh');
    this.expectShape(params.bIh, [G * H], 'params.bIh');
    this.expectShape(params.bHh, [G * H], 'params.bHh');
    if (args.h0) this.expectShape(args.h0, [B, H], 'h0');
    if (args.c0) this.expectShape(args.c0, [B, H], 'c0');
    const lens = new Float32Array(B).fill(T);
    if (args.lengths) {
      if (args.lengths.length !== B) throw new Error(`gpujs: lengths must have ${B} entries (batch), got ${args.lengths.length}`);
      args.lengths.forEach((l, b) => {
        if (!Number.isInteger(l) || l < 1 || l > T) throw new Error(`gpujs: lengths[${b}] must be in [1, ${T}], got ${l}`);
        lens[b] = l;
      });
    }
    const e = this.engine;
    const out = recurrentForward(
      e,
      {
        cell, dims: { B, T, I, H, G }, reverse: args.reverse, lens,
        x: x.storage as Storage,
        wIh: this.s(params.wIh, 'params.wIh'), wHh: wHh.storage as Storage,
        bIh: this.s(params.bIh, 'params.bIh'), bHh: this.s(params.bHh, 'params.bHh'),
        h0: args.h0 ? share(this.s(args.h0, 'h0')) : fill(e, B * H, 0),
        c0: args.c0 && cell.kind === 'lstm' ? share(this.s(args.c0, 'c0')) : fill(e, B * H, 0),
      },
      args.training,
    );
    return {
      y: this.wrap(out.y, [B, T, H]),
      hT: this.wrap(out.hT, [B, H]),
      cT: out.cT ? this.wrap(out.cT, [B, H]) : undefined,
      saved: out.saved ? this.keep(out.saved) : undefined,
    };
  }

  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    const s = args.saved as AnySaved;
    if (s.kind !== 'recurrent' || s.freed) throw new Error(`gpujs: recurrentBackward needs a live recurrent Saved, got ${s.kind}${s.freed ? ' (disposed)' : ''}`);
    const { B, T, I, H, G } = s.dims;
    const e = this.engine;
    if (args.dy) this.expectShape(args.dy, [B, T, H], 'dy');
    if (args.dhT) this.expectShape(args.dhT, [B, H], 'dhT');
    if (args.dcT) this.expectShape(args.dcT, [B, H], 'dcT');
    const g = recurrentBackward(
      e,
      s,
      args.dy ? share(this.s(args.dy, 'dy')) : fill(e, B * T * H, 0),
      args.dhT ? share(this.s(args.dhT, 'dhT')) : fill(e, B * H, 0),
      args.dcT && s.cell.kind === 'lstm' ? share(this.s(args.dcT, 'dcT')) : fill(e, B * H, 0),
    );
    return {
      dx: this.wrap(g.dx, [B, T, I]),
      dh0: this.wrap(g.dh0, [B, H]),
      dc0: g.dc0 ? this.wrap(g.dc0, [B, H]) : undefined,
      dWIh: this.wrap(g.dWIh, [G * H, I]),
      dWHh: this.wrap(g.dWHh, [G * H, H]),
      dBIh: this.wrap(g.dBIh, [G * H]),
      dBHh: this.wrap(g.dBHh, [G * H]),
    };
  }

  // ---- dense -----------------------------------------------------------------------------

  // The contract says x: [N, I]; core's Sequential also passes sequences [B, T, I], so any
  // leading dims are accepted and flattened into N (y: [..., U], dx: x's shape).
  denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    if (w.shape.length !== 2) throw new Error(`gpujs: dense w must be [U, I], got ${fmt(w.shape)}`);
    const [U, I] = w.shape as [number, number];
    if (x.shape.length < 2 || x.shape[x.shape.length - 1] !== I) throw new Error(`gpujs: dense x must be [N, ${I}] (or [..., ${I}]), got ${fmt(x.shape)}`);
    this.expectShape(b, [U], 'dense b');
    const lead = x.shape.slice(0, -1);
    const N = shapeSize(lead);
    const sx = this.s(x, 'x');
    const sw = this.s(w, 'w');
    const y = matmul(this.engine, N, U, I, view(sx, 0, I, 1), view(sw, 0, 1, I), this.s(b, 'b'));
    const saved = training ? this.keep<DenseSaved>({ kind: 'dense', x: share(sx), w: share(sw), N, I, U, lead }) : undefined;
    return { y: this.wrap(y, [...lead, U]), saved };
  }

  denseBackward(saved: Saved, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
    const s = saved as AnySaved;
    if (s.kind !== 'dense' || s.freed) throw new Error(`gpujs: denseBackward needs a live dense Saved, got ${s.kind}`);
    const { N, I, U, lead } = s;
    this.expectShape(dy, [...lead, U], 'dy');
    const sdy = this.s(dy, 'dy');
    const e = this.engine;
    return {
      dx: this.wrap(matmul(e, N, I, U, view(sdy, 0, U, 1), view(s.w, 0, I, 1)), [...lead, I]),
      dw: this.wrap(matmul(e, U, I, N, view(sdy, 0, 1, U), view(s.x, 0, I, 1)), [U, I]),
      db: this.wrap(columnSum(e, sdy, N, U, 0, U), [U]),
    };
  }

  // ---- embedding -------------------------------------------------------------------------

  embeddingForward(weight: Tensor, ids: Tensor, training: boolean): { y: Tensor; saved?: Saved | undefined } {
    if (weight.shape.length !== 2) throw new Error(`gpujs: embedding weight must be [V, E], got ${fmt(weight.shape)}`);
    const [V, E] = weight.shape as [number, number];
    const idv = this.ints(ids, 'ids');
    idv.forEach((id, n) => {
      if (id < 0 || id >= V) throw new Error(`gpujs: ids[${n}] must be in [0, ${V}), got ${id}`);
    });
    const y = embeddingForward(this.engine, this.s(weight, 'weight'), idv, V, E);
    const saved = training ? this.keep<EmbeddingSaved>({ kind: 'embedding', ids: Int32Array.from(idv), V, E, shape: ids.shape }) : undefined;
    return { y: this.wrap(y, [...ids.shape, E]), saved };
  }

  embeddingBackward(saved: Saved, dy: Tensor): { dWeight: Tensor } {
    const s = saved as AnySaved;
    if (s.kind !== 'embedding' || s.freed) throw new Error(`gpujs: embeddingBackward needs a live embedding Saved, got ${s.kind}`);
    this.expectShape(dy, [...s.shape, s.E], 'dy');
    return { dWeight: this.wrap(embeddingBackward(this.engine, this.s(dy, 'dy'), s.ids, s.V, s.E), [s.V, s.E]) };
  }

  // ---- losses ----------------------------------------------------------------------------

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): LossResult {
    if (logits.shape.length !== 2) throw new Error(`gpujs: logits must be [N, C], got ${fmt(logits.shape)}`);
    const [N, C] = logits.shape as [number, number];
    this.expectShape(labels, [N], 'labels');
    if (weights) this.expectShape(weights, [N], 'weights');
    const lab = this.ints(labels, 'labels');
    lab.forEach((l, n) => {
      if (l < 0 || l >= C) throw new Error(`gpujs: labels[${n}] must be in [0, ${C}), got ${l}`);
    });
    const r = softmaxCrossEntropy(this.engine, this.s(logits, 'logits'), lab, weights ? this.s(weights, 'weights') : undefined, N, C);
    return { loss: this.wrap(r.loss, []), grad: this.wrap(r.grad, [N, C]) };
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): LossResult {
    if (logits.shape.length !== 1) throw new Error(`gpujs: logits must be [N], got ${fmt(logits.shape)}`);
    this.expectShape(targets, logits.shape, 'targets');
    const r = sigmoidBinaryCrossEntropy(this.engine, this.s(logits, 'logits'), this.s(targets, 'targets'), logits.shape[0] as number);
    return { loss: this.wrap(r.loss, []), grad: this.wrap(r.grad, logits.shape) };
  }

  meanSquaredError(predictions: Tensor, targets: Tensor): LossResult {
    this.expectShape(targets, predictions.shape, 'targets');
    const r = meanSquaredError(this.engine, this.s(predictions, 'predictions'), this.s(targets, 'targets'), shapeSize(predictions.shape));
    return { loss: this.wrap(r.loss, []), grad: this.wrap(r.grad, predictions.shape) };
  }

  // ---- predictions -----------------------------------------------------------------------

  softmax(x: Tensor): Tensor {
    if (x.shape.length !== 2) throw new Error(`gpujs: softmax x must be [N, C], got ${fmt(x.shape)}`);
    const [N, C] = x.shape as [number, number];
    return this.wrap(softmax(this.engine, this.s(x, 'x'), N, C), x.shape);
  }

  sigmoid(x: Tensor): Tensor {
    return this.wrap(sigmoid(this.engine, this.s(x, 'x'), shapeSize(x.shape)), x.shape);
  }

  // ---- optimizer arithmetic --------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]): Tensor {
    const e = this.engine;
    let total: Storage = fill(e, 1, 0);
    ts.forEach((t, i) => {
      const part = reduceSum(e, this.s(t, `ts[${i}]`), shapeSize(t.shape), 'square');
      const next = scalarOp(e, 'add', total, part);
      release2(total, part);
      total = next;
    });
    return this.wrap(total, []);
  }

  private swap(t: Tensor, next: Storage): void {
    const h = this.f(t, 'tensor');
    const old = h.storage as Storage;
    h.storage = next;
    release2(old);
  }

  scaleInPlace(t: Tensor, s: number): void {
    this.swap(t, scale(this.engine, this.s(t, 't'), s, shapeSize(t.shape)));
  }

  private sameShapes(param: Tensor, others: Record<string, Tensor>): void {
    for (const [name, t] of Object.entries(others)) this.expectShape(t, param.shape, name);
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper): void {
    this.sameShapes(param, { grad, m, v });
    const r = adamUpdate(this.engine, this.s(param, 'param'), this.s(grad, 'grad'), this.s(m, 'm'), this.s(v, 'v'), h, shapeSize(param.shape));
    this.swap(param, r.p);
    this.swap(m, r.m);
    this.swap(v, r.v);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }): void {
    this.sameShapes(param, h.momentum !== 0 ? { grad, velocity } : { grad });
    const vel = h.momentum !== 0 ? this.s(velocity, 'velocity') : this.s(grad, 'grad');
    const r = sgdUpdate(this.engine, this.s(param, 'param'), this.s(grad, 'grad'), vel, h, shapeSize(param.shape));
    this.swap(param, r.p);
    if (r.buf) this.swap(velocity, r.buf);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper): void {
    this.sameShapes(param, h.momentum > 0 ? { grad, squareAvg, buffer } : { grad, squareAvg });
    const buf = h.momentum > 0 ? this.s(buffer, 'buffer') : this.s(grad, 'grad');
    const r = rmspropUpdate(this.engine, this.s(param, 'param'), this.s(grad, 'grad'), this.s(squareAvg, 'squareAvg'), buf, h, shapeSize(param.shape));
    this.swap(param, r.p);
    this.swap(squareAvg, r.v);
    if (r.buf) this.swap(buffer, r.buf);
  }
}

function release2(...xs: Storage[]): void {
  for (const x of xs) if (typeof (x as { delete?: unknown }).delete === 'function') (x as { delete(): void }).delete();
}
