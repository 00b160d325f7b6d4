// The core–backend contract, checked once for every backend: each call's arguments are validated
// here, with one error style (the call, the argument, what was expected, what arrived), before
// the backend sees them. Backends do not re-check, and a third-party backend gets these checks
// for free. Token ids and labels are checked against host copies of the int32 tensors made
// through this wrapper (they are small), so no check reads a device back.
import type {
  Activation,
  AdamHyper,
  Backend,
  DType,
  FusedBackwardArgs,
  FusedForwardArgs,
  FusedKernels,
  FusedRecurrentKernel,
  HostArray,
  RmspropHyper,
  Saved,
  SgdHyper,
  Tensor,
} from './backend.js';
import { cellCatalogue } from './cells/catalogue.js';
import type { CellDefinition } from './cells/cell.js';
import * as host from './host/primitives.js';
import { shapeString } from './validate.js';

const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu'];
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]): boolean => shapeString(a) === shapeString(b);

function fail(call: string, message: string): never {
  throw new Error(`${call}: ${message}`);
}

function isShape(shape: unknown): shape is readonly number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
}

function checkNumber(call: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(call, `${name}: expected a finite number, got ${String(v)}`);
}

interface FusedRecord {
  readonly batch: number;
  readonly time: number;
  readonly y: readonly number[];
  readonly states: readonly (readonly number[])[];
}

const CHECKED = Symbol('rnnkit.checked');

/** `backend` behind core's argument checks (idempotent: a checked backend is returned as is). */
export function checkedBackend(backend: Backend): Backend {
  return (backend as Partial<Record<typeof CHECKED, true>>)[CHECKED] ? backend : new CheckedBackend(backend);
}

class CheckedBackend implements Backend {
  readonly [CHECKED] = true;
  readonly specificationVersion: Backend['specificationVersion'];
  readonly fused: FusedKernels;
  private readonly ints = new WeakMap<Tensor, Int32Array>();
  private readonly disposed = new WeakSet<Tensor>();
  private readonly fusedSaved = new WeakMap<Saved, FusedRecord>();
  private readonly layerSaved = new WeakMap<Saved, readonly number[]>();

  constructor(private readonly inner: Backend) {
    this.specificationVersion = inner.specificationVersion;
    const fused: Record<string, FusedRecurrentKernel> = {};
    for (const [kind, k] of Object.entries(inner.fused ?? {})) if (k) fused[kind] = this.checkedKernel(kind, k);
    this.fused = Object.freeze(fused);
    // Whole-step programs (whole-step.ts) take core-checked batches and the model's own handles: passed through.
    if (inner.compileTrainStep) this.compileTrainStep = (plan) => inner.compileTrainStep!(plan);
    if (inner.compileInference) this.compileInference = (plan) => inner.compileInference!(plan);
  }
  readonly compileTrainStep?: Backend['compileTrainStep'];
  readonly compileInference?: Backend['compileInference'];

  get name(): string {
    return this.inner.name;
  }
  get device(): string {
    return this.inner.device;
  }
  get precision(): Backend['precision'] {
    return this.inner.precision;
  }
  get capabilities(): Backend['capabilities'] {
    return this.inner.capabilities;
  }

  // ---- argument checks -------------------------------------------------------------------------

  private t(call: string, name: string, t: unknown, dtype: DType | 'any' = 'float32'): Tensor {
    if (!t || typeof t !== 'object' || !isShape((t as Tensor).shape)) fail(call, `${name}: expected a tensor, got ${t === undefined ? 'undefined' : typeof t}`);
    const x = t as Tensor;
    if (this.disposed.has(x)) fail(call, `${name}: tensor ${shapeString(x.shape)} was used after dispose()`);
    if (dtype !== 'any' && x.dtype !== dtype) fail(call, `${name}: expected a ${dtype} tensor, got ${x.dtype} ${shapeString(x.shape)}`);
    return x;
  }

  private rank(call: string, name: string, t: Tensor, r: number, layout: string): void {
    if (t.shape.length !== r) fail(call, `${name}: expected ${layout}, got ${shapeString(t.shape)}`);
  }

  private sameShape(call: string, an: string, a: Tensor, bn: string, b: Tensor): void {
    if (!same(a.shape, b.shape)) fail(call, `${an} ${shapeString(a.shape)} and ${bn} ${shapeString(b.shape)} must have the same shape`);
  }

  /** Remembers host data of int32 results so later id/label checks need no read-back. */
  private keepInts(t: Tensor, data: Int32Array | undefined): Tensor {
    if (t.dtype === 'int32' && data) this.ints.set(t, data);
    return t;
  }

  // ---- tensors ----------------------------------------------------------------------------------

  tensor(data: HostArray, shape: readonly number[], dtype: DType): Tensor {
    const call = 'tensor';
    if (!isShape(shape)) fail(call, `shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (dtype !== 'float32' && dtype !== 'int32') fail(call, `dtype: expected 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
    const ok = dtype === 'int32' ? data instanceof Int32Array : data instanceof Float32Array || data instanceof Float64Array;
    if (!ok) fail(call, `data: expected ${dtype === 'int32' ? 'Int32Array' : 'Float32Array or Float64Array'} for ${dtype}, got ${(data as object)?.constructor?.name ?? typeof data}`);
    if (data.length !== size(shape)) fail(call, `data has ${data.length} elements but shape ${shapeString(shape)} needs ${size(shape)}`);
    return this.keepInts(this.inner.tensor(data, shape, dtype), dtype === 'int32' ? Int32Array.from(data) : undefined);
  }

  zeros(shape: readonly number[], dtype?: DType): Tensor {
    if (!isShape(shape)) fail('zeros', `shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') fail('zeros', `dtype: expected 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
    return this.keepInts(this.inner.zeros(shape, dtype), dtype === 'int32' ? new Int32Array(size(shape)) : undefined);
  }

  read(t: Tensor) {
    return this.inner.read(this.t('read', 't', t, 'any'));
  }

  dispose(t: Tensor): void {
    // Disposing twice is harmless, as in tfjs; using a disposed tensor is the error.
    if (!t || this.disposed.has(t)) return;
    this.disposed.add(t);
    this.inner.dispose(t);
  }

  disposeSaved(s: Saved): void {
    this.inner.disposeSaved(s);
  }

  liveTensors(): number {
    return this.inner.liveTensors();
  }

  close(): void {
    this.inner.close();
  }

  // ---- primitives -------------------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean) {
    const call = 'matmul';
    this.rank(call, 'a', this.t(call, 'a', a), 2, 'a 2-D tensor');
    this.rank(call, 'b', this.t(call, 'b', b), 2, 'a 2-D tensor');
    const ka = transposeA ? a.shape[0]! : a.shape[1]!;
    const kb = transposeB ? b.shape[1]! : b.shape[0]!;
    if (ka !== kb) fail(call, `a ${shapeString(a.shape)}${transposeA ? 'ᵀ' : ''} and b ${shapeString(b.shape)}${transposeB ? 'ᵀ' : ''}: inner sizes ${ka} and ${kb} differ`);
    return this.inner.matmul(a, b, transposeA === true, transposeB === true);
  }

  private binary(call: 'add' | 'sub' | 'mul', a: Tensor, b: Tensor) {
    this.t(call, 'a', a);
    this.t(call, 'b', b);
    this.sameShape(call, 'a', a, 'b', b);
    return this.inner[call](a, b);
  }
  add(a: Tensor, b: Tensor) {
    return this.binary('add', a, b);
  }
  sub(a: Tensor, b: Tensor) {
    return this.binary('sub', a, b);
  }
  mul(a: Tensor, b: Tensor) {
    return this.binary('mul', a, b);
  }

  affine(x: Tensor, scale: number, shift: number) {
    this.t('affine', 'x', x);
    checkNumber('affine', 'scale', scale);
    checkNumber('affine', 'shift', shift);
    return this.inner.affine(x, scale, shift);
  }

  addRow(x: Tensor, b: Tensor) {
    this.rank('addRow', 'x', this.t('addRow', 'x', x), 2, '[N, K]');
    this.rank('addRow', 'b', this.t('addRow', 'b', b), 1, '[K]');
    if (b.shape[0] !== x.shape[1]) fail('addRow', `b: expected [${x.shape[1]}] for x ${shapeString(x.shape)}, got ${shapeString(b.shape)}`);
    return this.inner.addRow(x, b);
  }

  sumRows(x: Tensor) {
    this.rank('sumRows', 'x', this.t('sumRows', 'x', x), 2, '[N, K]');
    return this.inner.sumRows(x);
  }

  activation(f: Activation, x: Tensor) {
    if (!ACTIVATIONS.includes(f)) fail('activation', `f: expected one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(f)}`);
    return this.inner.activation(f, this.t('activation', 'x', x));
  }

  activationGrad(f: Activation, y: Tensor, dy: Tensor) {
    const call = 'activationGrad';
    if (!ACTIVATIONS.includes(f)) fail(call, `f: expected one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(f)}`);
    this.sameShape(call, 'y', this.t(call, 'y', y), 'dy', this.t(call, 'dy', dy));
    return this.inner.activationGrad(f, y, dy);
  }

  async slice(x: Tensor, axis: number, start: number, sz: number) {
    const call = 'slice';
    this.t(call, 'x', x, 'any');
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) fail(call, `axis: expected an integer in [0, ${x.shape.length}) for x ${shapeString(x.shape)}, got ${axis}`);
    const n = x.shape[axis]!;
    if (!Number.isInteger(start) || !Number.isInteger(sz) || start < 0 || sz < 1 || start + sz > n) {
      fail(call, `start ${start}, size ${sz}: expected 0 ≤ start, 1 ≤ size and start + size ≤ ${n} (axis ${axis} of x ${shapeString(x.shape)})`);
    }
    const ints = this.ints.get(x);
    return this.keepInts(await this.inner.slice(x, axis, start, sz), ints && host.slice(ints, x.shape, axis, start, sz));
  }

  async concat(xs: readonly Tensor[], axis: number) {
    const call = 'concat';
    if (!Array.isArray(xs) || xs.length === 0) fail(call, `xs: expected a non-empty array of tensors, got ${Array.isArray(xs) ? 'an empty array' : typeof xs}`);
    const first = this.t(call, 'xs[0]', xs[0], 'any');
    if (!Number.isInteger(axis) || axis < 0 || axis >= first.shape.length) fail(call, `axis: expected an integer in [0, ${first.shape.length}), got ${axis}`);
    xs.forEach((x, i) => {
      this.t(call, `xs[${i}]`, x, first.dtype);
      const a = first.shape.map((d: number, k: number) => (k === axis ? '*' : d));
      const b = x.shape.map((d: number, k: number) => (k === axis ? '*' : d));
      if (shapeString(a) !== shapeString(b)) fail(call, `xs[${i}] ${shapeString(x.shape)} does not match xs[0] ${shapeString(first.shape)} outside axis ${axis}`);
    });
    const ints = xs.map((x) => this.ints.get(x));
    const r = await this.inner.concat(xs, axis);
    return this.keepInts(r, ints.every(Boolean) ? host.concat(ints as Int32Array[], xs.map((x) => x.shape), axis) : undefined);
  }

  async reshape(x: Tensor, shape: readonly number[]) {
    this.t('reshape', 'x', x, 'any');
    if (!isShape(shape)) fail('reshape', `shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (size(shape) !== size(x.shape)) fail('reshape', `shape ${shapeString(shape)} has ${size(shape)} elements, x ${shapeString(x.shape)} has ${size(x.shape)}`);
    const ints = this.ints.get(x);
    return this.keepInts(await this.inner.reshape(x, shape), ints && Int32Array.from(ints));
  }

  div(a: Tensor, b: Tensor) {
    this.t('div', 'a', a);
    this.t('div', 'b', b);
    this.sameShape('div', 'a', a, 'b', b);
    return this.inner.div(a, b);
  }

  private eps(call: string, eps: number): void {
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) fail(call, `eps: expected a positive number, got ${JSON.stringify(eps)}`);
  }

  layerNorm(x: Tensor, eps: number) {
    this.rank('layerNorm', 'x', this.t('layerNorm', 'x', x), 2, '[N, K]');
    this.eps('layerNorm', eps);
    return this.inner.layerNorm(x, eps);
  }

  layerNormGrad(x: Tensor, dy: Tensor, eps: number) {
    const call = 'layerNormGrad';
    this.rank(call, 'x', this.t(call, 'x', x), 2, '[N, K]');
    this.sameShape(call, 'x', x, 'dy', this.t(call, 'dy', dy));
    this.eps(call, eps);
    return this.inner.layerNormGrad(x, dy, eps);
  }

  private filter(call: string, w: Tensor, C: number | undefined): void {
    this.rank(call, 'w', this.t(call, 'w', w), 4, '[O, C, k, k]');
    const [, wc, k1, k2] = w.shape as [number, number, number, number];
    if (k1 !== k2 || k1 % 2 !== 1) fail(call, `w: expected a square, odd kernel [O, C, k, k], got ${shapeString(w.shape)}`);
    if (C !== undefined && wc !== C) fail(call, `w: expected ${C} input channels (x's axis 1), got ${shapeString(w.shape)}`);
  }

  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined) {
    const call = 'conv2d';
    this.rank(call, 'x', this.t(call, 'x', x), 4, '[B, C, H, W]');
    this.filter(call, w, x.shape[1]);
    if (bias !== undefined) {
      this.rank(call, 'bias', this.t(call, 'bias', bias), 1, '[O]');
      if (bias.shape[0] !== w.shape[0]) fail(call, `bias: expected [${w.shape[0]}] for w ${shapeString(w.shape)}, got ${shapeString(bias.shape)}`);
    }
    return this.inner.conv2d(x, w, bias);
  }

  conv2dGradInput(dy: Tensor, w: Tensor) {
    const call = 'conv2dGradInput';
    this.rank(call, 'dy', this.t(call, 'dy', dy), 4, '[B, O, H, W]');
    this.filter(call, w, undefined);
    if (w.shape[0] !== dy.shape[1]) fail(call, `w: expected ${dy.shape[1]} output channels (dy's axis 1), got ${shapeString(w.shape)}`);
    return this.inner.conv2dGradInput(dy, w);
  }

  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number) {
    const call = 'conv2dGradFilter';
    this.rank(call, 'x', this.t(call, 'x', x), 4, '[B, C, H, W]');
    this.rank(call, 'dy', this.t(call, 'dy', dy), 4, '[B, O, H, W]');
    if (x.shape[0] !== dy.shape[0] || x.shape[2] !== dy.shape[2] || x.shape[3] !== dy.shape[3]) {
      fail(call, `dy ${shapeString(dy.shape)} does not match x ${shapeString(x.shape)} on the batch and spatial axes`);
    }
    if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 !== 1) fail(call, `kernelSize: expected an odd positive integer, got ${JSON.stringify(kernelSize)}`);
    return this.inner.conv2dGradFilter(x, dy, kernelSize);
  }

  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean) {
    const call = 'linearScan';
    this.rank(call, 'a', this.t(call, 'a', a), 3, '[B, T, N]');
    this.sameShape(call, 'a', a, 'b', this.t(call, 'b', b));
    this.rank(call, 'h0', this.t(call, 'h0', h0), 2, '[B, N]');
    if (h0.shape[0] !== a.shape[0] || h0.shape[1] !== a.shape[2]) fail(call, `h0: expected [${a.shape[0]}, ${a.shape[2]}] for a ${shapeString(a.shape)}, got ${shapeString(h0.shape)}`);
    if (typeof reverse !== 'boolean') fail(call, `reverse: expected true or false, got ${JSON.stringify(reverse)}`);
    return this.inner.linearScan(a, b, h0, reverse);
  }

  // ---- fused recurrent kernels ------------------------------------------------------------------

  private checkedKernel(kind: string, k: FusedRecurrentKernel): FusedRecurrentKernel {
    const def = Object.hasOwn(cellCatalogue, kind) ? (cellCatalogue[kind] as CellDefinition) : undefined;
    return {
      supports: k.supports ? (cell) => k.supports!(cell) : undefined,
      forward: async (args: FusedForwardArgs) => {
        const call = `fused.${kind}.forward`;
        if (!args || typeof args !== 'object') fail(call, `args: expected an object, got ${typeof args}`);
        if (args.cell?.kind !== kind) fail(call, `cell.kind: expected '${kind}', got ${JSON.stringify(args.cell?.kind)}`);
        const x = this.t(call, 'x', args.x);
        if (x.shape.length < 3) fail(call, `x: expected [B, T, ...input], got ${shapeString(x.shape)}`);
        const [B, T] = x.shape as [number, number];
        if (B < 1 || T < 1) fail(call, `x: expected at least one sample and one time step, got ${shapeString(x.shape)}`);
        const sizes = args.sizes;
        if (!sizes || !Number.isInteger(sizes.inputSize) || !Number.isInteger(sizes.hiddenSize)) fail(call, `sizes: expected { inputSize, hiddenSize }, got ${JSON.stringify(sizes)}`);
        if (x.shape[2] !== sizes.inputSize) fail(call, `x: expected ${sizes.inputSize} features (sizes.inputSize) on axis 2, got ${shapeString(x.shape)}`);
        let stateShapes: (readonly number[])[] = (args.states ?? []).map((s) => s?.shape.slice(1) ?? []);
        if (def) {
          const decls = def.params(args.cell as never, sizes);
          for (const p of decls) {
            const t = args.params?.get(p.name);
            if (!t) fail(call, `params: missing '${p.name}' (expected ${shapeString(p.shape)})`);
            this.t(call, `params '${p.name}'`, t);
            if (!same(t.shape, p.shape)) fail(call, `params '${p.name}': expected ${shapeString(p.shape)}, got ${shapeString(t.shape)} (x ${shapeString(x.shape)})`);
          }
          for (const name of args.params.keys()) if (!decls.some((p) => p.name === name)) fail(call, `params: unexpected '${name}' (${def.describe(args.cell as never)} takes ${decls.map((p) => p.name).join(', ')})`);
          stateShapes = def.states(args.cell as never, sizes).map((s) => s.shape);
          if ((args.states?.length ?? 0) > stateShapes.length) fail(call, `states: expected at most ${stateShapes.length}, got ${args.states!.length}`);
          const names = def.states(args.cell as never, sizes).map((s) => s.name);
          args.states?.forEach((s, j) => {
            if (!s) return;
            const expected = [B, ...stateShapes[j]!];
            this.t(call, `${names[j]}0`, s);
            if (!same(s.shape, expected)) fail(call, `${names[j]}0 (states[${j}]): expected ${shapeString(expected)}, got ${shapeString(s.shape)}`);
          });
        }
        this.checkLengths(call, args.lengths, B, T);
        if (typeof args.reverse !== 'boolean') fail(call, `reverse: expected true or false, got ${String(args.reverse)}`);
        if (typeof args.training !== 'boolean') fail(call, `training: expected true or false, got ${String(args.training)}`);
        const r = await k.forward(args);
        if (r.saved) this.fusedSaved.set(r.saved, { batch: B, time: T, y: r.y.shape, states: r.states.map((s) => s.shape) });
        return r;
      },
      backward: async (args: FusedBackwardArgs) => {
        const call = `fused.${kind}.backward`;
        const rec = args?.saved && this.fusedSaved.get(args.saved);
        if (!rec) fail(call, 'saved: expected what this backend\'s forward returned with training: true');
        if (args.dy) {
          this.t(call, 'dy', args.dy);
          if (!same(args.dy.shape, rec.y)) fail(call, `dy: expected ${shapeString(rec.y)} (the forward output), got ${shapeString(args.dy.shape)}`);
        }
        args.dStates?.forEach((d, j) => {
          if (!d) return;
          this.t(call, `dStates[${j}]`, d);
          if (!rec.states[j] || !same(d.shape, rec.states[j]!)) fail(call, `dStates[${j}]: expected ${rec.states[j] ? shapeString(rec.states[j]!) : 'no state'}, got ${shapeString(d.shape)}`);
        });
        return k.backward(args);
      },
    };
  }

  private checkLengths(call: string, lengths: Int32Array | undefined, B: number, T: number): void {
    if (lengths === undefined) return;
    if (!(lengths instanceof Int32Array)) fail(call, `lengths: expected Int32Array, got ${(lengths as object)?.constructor?.name ?? typeof lengths}`);
    if (lengths.length !== B) fail(call, `lengths: expected ${B} entries (one per sample), got ${lengths.length}`);
    for (let i = 0; i < B; i++) {
      const l = lengths[i]!;
      if (l < 1 || l > T) fail(call, `lengths[${i}] = ${l} is out of range [1, ${T}]`);
    }
  }

  // ---- layers -----------------------------------------------------------------------------------

  async denseForward(w: Tensor, b: Tensor, x: Tensor, training: boolean) {
    const call = 'denseForward';
    this.rank(call, 'w', this.t(call, 'w', w), 2, '[U, I]');
    const [U, I] = w.shape as [number, number];
    this.t(call, 'b', b);
    if (!same(b.shape, [U])) fail(call, `b: expected [${U}] for w ${shapeString(w.shape)}, got ${shapeString(b.shape)}`);
    this.t(call, 'x', x);
    if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== I) fail(call, `x: expected [..., ${I}] for w ${shapeString(w.shape)}, got ${shapeString(x.shape)}`);
    const r = await this.inner.denseForward(w, b, x, training);
    if (r.saved) this.layerSaved.set(r.saved, r.y.shape);
    return r;
  }

  denseBackward(saved: Saved, dy: Tensor) {
    const y = this.layerSaved.get(saved);
    if (!y) fail('denseBackward', "saved: expected what denseForward returned with training: true");
    this.t('denseBackward', 'dy', dy);
    if (!same(dy.shape, y)) fail('denseBackward', `dy: expected ${shapeString(y)} (the forward output), got ${shapeString(dy.shape)}`);
    return this.inner.denseBackward(saved, dy);
  }

  async embeddingForward(weight: Tensor, ids: Tensor, training: boolean) {
    const call = 'embeddingForward';
    this.rank(call, 'weight', this.t(call, 'weight', weight), 2, '[V, E]');
    this.rank(call, 'ids', this.t(call, 'ids', ids, 'int32'), 2, '[B, T] token ids');
    const V = weight.shape[0]!;
    const data = this.ints.get(ids);
    if (data) {
      for (let i = 0; i < data.length; i++) {
        if (data[i]! < 0 || data[i]! >= V) fail(call, `ids: token id ${data[i]} at flat index ${i} is out of range [0, ${V}) (weight ${shapeString(weight.shape)})`);
      }
    }
    const r = await this.inner.embeddingForward(weight, ids, training);
    if (r.saved) this.layerSaved.set(r.saved, r.y.shape);
    return r;
  }

  embeddingBackward(saved: Saved, dy: Tensor) {
    const y = this.layerSaved.get(saved);
    if (!y) fail('embeddingBackward', 'saved: expected what embeddingForward returned with training: true');
    this.t('embeddingBackward', 'dy', dy);
    if (!same(dy.shape, y)) fail('embeddingBackward', `dy: expected ${shapeString(y)} (the forward output), got ${shapeString(dy.shape)}`);
    return this.inner.embeddingBackward(saved, dy);
  }

  // ---- losses -----------------------------------------------------------------------------------

  softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor) {
    const call = 'softmaxCrossEntropy';
    this.rank(call, 'logits', this.t(call, 'logits', logits), 2, '[N, C]');
    const [N, C] = logits.shape as [number, number];
    this.t(call, 'labels', labels, 'int32');
    if (!same(labels.shape, [N])) fail(call, `labels: expected [${N}] for logits ${shapeString(logits.shape)}, got ${shapeString(labels.shape)}`);
    const data = this.ints.get(labels);
    if (data) for (let i = 0; i < N; i++) if (data[i]! < 0 || data[i]! >= C) fail(call, `labels: label ${data[i]} at index ${i} is out of range [0, ${C})`);
    if (weights !== undefined) {
      this.t(call, 'weights', weights);
      if (!same(weights.shape, [N])) fail(call, `weights: expected [${N}], got ${shapeString(weights.shape)}`);
    }
    return this.inner.softmaxCrossEntropy(logits, labels, weights);
  }

  sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor) {
    const call = 'sigmoidBinaryCrossEntropy';
    this.rank(call, 'logits', this.t(call, 'logits', logits), 1, '[N]');
    this.t(call, 'targets', targets);
    if (!same(targets.shape, logits.shape)) fail(call, `targets: expected ${shapeString(logits.shape)} (the logits), got ${shapeString(targets.shape)}`);
    return this.inner.sigmoidBinaryCrossEntropy(logits, targets);
  }

  meanSquaredError(predictions: Tensor, targets: Tensor) {
    const call = 'meanSquaredError';
    this.sameShape(call, 'predictions', this.t(call, 'predictions', predictions), 'targets', this.t(call, 'targets', targets));
    return this.inner.meanSquaredError(predictions, targets);
  }

  softmax(x: Tensor) {
    this.rank('softmax', 'x', this.t('softmax', 'x', x), 2, '[N, C]');
    return this.inner.softmax(x);
  }

  // ---- optimizer arithmetic ---------------------------------------------------------------------

  sumSquares(ts: readonly Tensor[]) {
    if (!Array.isArray(ts)) fail('sumSquares', `ts: expected an array of tensors, got ${typeof ts}`);
    ts.forEach((t, i) => this.t('sumSquares', `ts[${i}]`, t));
    return this.inner.sumSquares(ts);
  }

  scaleInPlace(t: Tensor, s: number) {
    this.t('scaleInPlace', 't', t);
    checkNumber('scaleInPlace', 's', s);
    return this.inner.scaleInPlace(t, s);
  }

  private slots(call: string, param: Tensor, named: Record<string, Tensor>, hyper: object): void {
    this.t(call, 'param', param);
    for (const [name, t] of Object.entries(named)) this.sameShape(call, 'param', param, name, this.t(call, name, t));
    for (const [name, v] of Object.entries(hyper)) if (typeof v === 'number' || v === undefined || v === null) checkNumber(call, name, v);
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: AdamHyper) {
    this.slots('adamUpdate', param, { grad, m, v }, h);
    return this.inner.adamUpdate(param, grad, m, v, h);
  }

  sgdUpdate(param: Tensor, grad: Tensor, velocity: Tensor, h: SgdHyper & { readonly first: boolean }) {
    // The velocity is unused without momentum (the contract), so only then may it be anything.
    this.slots('sgdUpdate', param, h.momentum !== 0 ? { grad, velocity } : { grad }, h);
    return this.inner.sgdUpdate(param, grad, velocity, h);
  }

  rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, buffer: Tensor, h: RmspropHyper) {
    this.slots('rmspropUpdate', param, h.momentum !== 0 ? { grad, squareAvg, buffer } : { grad, squareAvg }, h);
    return this.inner.rmspropUpdate(param, grad, squareAvg, buffer, h);
  }
}
