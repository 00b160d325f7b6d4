// Runs a whole recurrent layer (core's `recurrentLayerForward/Backward`: stacked, bidirectional)
// or one layer direction — through the backend's fused kernel or core's generic path — on host
// float64 data, and returns every result on the host. Used by the golden cases, finite
// differences, backend-vs-reference and sequence-length tests. States by index: h0/hT/dh0 are
// the cell's state 0 (h), c0/cT/dc0 its state 1 (c, LSTM only).
import { cellDefinition, Rng, type Backend, type CellConfig, type Tensor } from '@rnnkit/core';
import {
  directionCount,
  disposeGenericSaved,
  fusedKernelFor,
  genericBackward,
  genericForward,
  outputFeatures,
  recurrentLayerBackward,
  recurrentLayerForward,
  recurrentParamShapes,
  disposeRecurrentSaved,
  sizesOf,
  type GenericSaved,
  type RecurrentConfig,
} from '@rnnkit/core/internal';
import { dot, randomArray, readF64, roundF32, take } from './host.js';

/** One recurrent layer problem on the host, in float64. */
export interface LayerProblem {
  readonly cfg: RecurrentConfig;
  readonly B: number;
  readonly T: number;
  /** Frame height and width for image cells (ConvLSTM): x is [B, T, C, H, W]. */
  readonly frame?: readonly [number, number] | undefined;
  /** By PyTorch state_dict name. */
  readonly params: Map<string, Float64Array>;
  /** x: [B, T, I] */
  readonly x: Float64Array;
  /** numLayers·D entries of [B, H]; zeros when absent */
  readonly h0?: Float64Array[] | undefined;
  readonly c0?: Float64Array[] | undefined;
  readonly lengths?: Int32Array | undefined;
  /** Upstream gradients: dy [B, T, D·H], dhT/dcT numLayers·D entries of [B, H]. */
  readonly dy?: Float64Array | undefined;
  readonly dhT?: Float64Array[] | undefined;
  readonly dcT?: Float64Array[] | undefined;
}

export interface LayerOutputs {
  /** y: [B, T, D·H] */
  readonly y: Float64Array;
  readonly hT: Float64Array[];
  readonly cT?: Float64Array[] | undefined;
}

export interface LayerGrads {
  readonly dx: Float64Array;
  readonly dh0: Float64Array[];
  readonly dc0?: Float64Array[] | undefined;
  readonly params: Map<string, Float64Array>;
}

function upload(b: Backend, data: Float64Array, shape: readonly number[]): Tensor {
  return b.tensor(data, shape, 'float32');
}

function uploadParams(b: Backend, p: LayerProblem): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const { name, shape } of recurrentParamShapes(p.cfg)) {
    const v = p.params.get(name);
    if (!v) throw new Error(`problem: missing parameter ${name}`);
    m.set(name, upload(b, v, shape));
  }
  return m;
}

/** The cell's per-sample state shapes (h; h, c) for layer 0. */
export function stateShapes(cfg: RecurrentConfig, frame?: readonly [number, number]): (readonly number[])[] {
  return cfg.def.states(cfg.cell, sizesOf(cfg, 0, frame)).map((s) => s.shape);
}

const count = (shape: readonly number[]) => shape.reduce((a, c) => a * c, 1);

/** The cell's configuration from its kind and options, checked by its definition. */
export function cellConfig(kind: string, options: Readonly<Record<string, unknown>> = {}): { def: RecurrentConfig['def']; cell: CellConfig } {
  const def = cellDefinition(kind);
  return { def, cell: def.configure(options, `cell ${kind}`) };
}

/** Which paths run `cell` on `b`: always core's generic loop, and the backend's fused kernel when it has one. */
export function pathsFor(b: Backend, cell: CellConfig): ('fused' | 'generic')[] {
  return fusedKernelFor(b.fused, cell) ? ['fused', 'generic'] : ['generic'];
}

/** Forward (and, with `backward`, backward) of the composed layer; everything is disposed. */
export async function runLayer(b: Backend, p: LayerProblem, backward: boolean, fused = true): Promise<{ out: LayerOutputs; grads?: LayerGrads }> {
  const { cfg, B, T } = p;
  const frame = p.frame ?? [];
  const shapes = stateShapes(cfg, p.frame);
  const two = shapes.length > 1;
  const params = uploadParams(b, p);
  const x = upload(b, p.x, [B, T, cfg.inputSize, ...frame]);
  const h0 = p.h0?.map((v) => upload(b, v, [B, ...shapes[0]!]));
  const c0 = two ? p.c0?.map((v) => upload(b, v, [B, ...shapes[1]!])) : undefined;
  const fwd = await recurrentLayerForward(b, cfg, params, { x, states: [h0, c0].slice(0, shapes.length), lengths: p.lengths, training: backward, fused });
  // Inputs may be freed right after forward (the contract); doing so here checks it.
  b.dispose(x);
  h0?.forEach((t) => b.dispose(t));
  c0?.forEach((t) => b.dispose(t));
  const out: LayerOutputs = {
    y: await take(b, fwd.y),
    hT: await Promise.all(fwd.states[0]!.map((t) => take(b, t))),
    cT: two ? await Promise.all(fwd.states[1]!.map((t) => take(b, t))) : undefined,
  };
  let grads: LayerGrads | undefined;
  if (backward) {
    const dirs = directionCount(cfg);
    const dy = p.dy ? upload(b, p.dy, [B, T, dirs * outputFeatures(cfg), ...frame]) : undefined;
    const dhT = p.dhT?.map((v) => upload(b, v, [B, ...shapes[0]!]));
    const dcT = two ? p.dcT?.map((v) => upload(b, v, [B, ...shapes[1]!])) : undefined;
    const g = await recurrentLayerBackward(b, cfg, fwd.saved!, { dy, dStates: [dhT, dcT].slice(0, shapes.length) });
    disposeRecurrentSaved(b, fwd.saved!);
    if (dy) b.dispose(dy);
    dhT?.forEach((t) => b.dispose(t));
    dcT?.forEach((t) => b.dispose(t));
    const named = new Map<string, Float64Array>();
    for (const [name, t] of g.grads) named.set(name, await take(b, t));
    grads = {
      dx: await take(b, g.dx),
      dh0: await Promise.all(g.dStates[0]!.map((t) => take(b, t))),
      dc0: two ? await Promise.all(g.dStates[1]!.map((t) => take(b, t))) : undefined,
      params: named,
    };
  }
  params.forEach((t) => b.dispose(t));
  return { out, grads };
}

/** loss = sum(y·dy) + sum(hT·dhT) + sum(cT·dcT): the scalar whose gradients backward computes. */
export function layerLoss(p: LayerProblem, out: LayerOutputs): number {
  let s = p.dy ? dot(out.y, p.dy) : 0;
  p.dhT?.forEach((d, i) => (s += dot(out.hT[i]!, d)));
  if (out.cT) p.dcT?.forEach((d, i) => (s += dot(out.cT![i]!, d)));
  return s;
}

export interface ProblemOptions {
  readonly cell: CellConfig;
  readonly B: number;
  readonly T: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
  readonly lengths?: Int32Array | undefined;
  /** Pass random initial states. */
  readonly initialState?: boolean;
  /** Frame height and width for image cells. */
  readonly frame?: readonly [number, number];
  readonly seed: number;
}

/**
 * A random problem: weights U(-0.6, 0.6) (a little larger than PyTorch's 1/√H, so gates leave
 * their linear region), inputs U(-1, 1), random upstream gradients on y, hT and cT. Values are
 * rounded to float32 so a float32 backend receives exactly the reference's numbers.
 */
export function randomProblem(o: ProblemOptions): LayerProblem {
  const rng = new Rng(o.seed);
  const cfg: RecurrentConfig = {
    def: cellDefinition(o.cell.kind),
    cell: o.cell,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers ?? 1,
    bidirectional: o.bidirectional ?? false,
  };
  const r = (n: number, scale = 1) => roundF32(randomArray(rng, n, scale));
  const params = new Map<string, Float64Array>();
  for (const { name, shape } of recurrentParamShapes(cfg)) params.set(name, r(shape.reduce((a, c) => a * c, 1), 0.6));
  const S = cfg.numLayers * directionCount(cfg);
  const shapes = stateShapes(cfg, o.frame);
  const lstm = shapes.length > 1;
  const states = (j: number) => Array.from({ length: S }, () => r(o.B * count(shapes[j]!), 0.8));
  const pixels = count(o.frame ?? []);
  return {
    cfg,
    B: o.B,
    T: o.T,
    frame: o.frame,
    params,
    x: r(o.B * o.T * o.inputSize * pixels),
    h0: o.initialState ? states(0) : undefined,
    c0: o.initialState && lstm ? states(1) : undefined,
    lengths: o.lengths,
    dy: r(o.B * o.T * directionCount(cfg) * outputFeatures(cfg) * pixels),
    dhT: states(0),
    dcT: lstm ? states(1) : undefined,
  };
}

// ---- one direction: the backend's fused kernel, or core's generic loop on its primitives ----------

export interface DirectionProblem {
  readonly cell: CellConfig;
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  /** wIh [G·H, I], wHh [G·H, H], bIh, bHh [G·H] (the classic four; every cell of ALL_CELLS has them) */
  readonly wIh: Float64Array;
  readonly wHh: Float64Array;
  readonly bIh: Float64Array;
  readonly bHh: Float64Array;
  readonly x: Float64Array;
  readonly h0?: Float64Array | undefined;
  readonly c0?: Float64Array | undefined;
  readonly lengths?: Int32Array | undefined;
  readonly reverse: boolean;
  readonly dy?: Float64Array | undefined;
  readonly dhT?: Float64Array | undefined;
  readonly dcT?: Float64Array | undefined;
}

export interface DirectionResults {
  readonly y: Float64Array;
  readonly hT: Float64Array;
  readonly cT?: Float64Array | undefined;
  readonly dx?: Float64Array;
  readonly dh0?: Float64Array;
  readonly dc0?: Float64Array | undefined;
  readonly dWIh?: Float64Array;
  readonly dWHh?: Float64Array;
  readonly dBIh?: Float64Array;
  readonly dBHh?: Float64Array;
}

/** Throws unless `t` exists with exactly `shape` (a wrong shape with the right size would otherwise pass). */
export function checkShape(where: string, name: string, t: Tensor | undefined, shape: readonly number[]): void {
  const got = t ? `[${t.shape.join(', ')}]` : 'nothing';
  if (got !== `[${shape.join(', ')}]`) throw new Error(`${where}: ${name}: expected shape [${shape.join(', ')}], got ${got}`);
}

/** Gate blocks G of a classic-layout cell (weight_ih: [G·H, I]). */
function gates(cell: CellConfig, I: number, H: number): number {
  return cellDefinition(cell.kind).params(cell, { inputSize: I, hiddenSize: H })[0]!.shape[0]! / H;
}

/** One direction on `path`; everything is disposed. */
export async function runDirection(b: Backend, p: DirectionProblem, backward: boolean, path: 'fused' | 'generic' = 'fused'): Promise<DirectionResults> {
  const def = cellDefinition(p.cell.kind);
  const { B, T, I, H } = p;
  const G = gates(p.cell, I, H);
  const lstm = def.states(p.cell, { inputSize: I, hiddenSize: H }).length > 1;
  const params = new Map([
    ['weight_ih', upload(b, p.wIh, [G * H, I])],
    ['weight_hh', upload(b, p.wHh, [G * H, H])],
    ['bias_ih', upload(b, p.bIh, [G * H])],
    ['bias_hh', upload(b, p.bHh, [G * H])],
  ]);
  const x = upload(b, p.x, [B, T, I]);
  const h0 = p.h0 ? upload(b, p.h0, [B, H]) : undefined;
  const c0 = p.c0 && lstm ? upload(b, p.c0, [B, H]) : undefined;
  const kernel = path === 'fused' ? fusedKernelFor(b.fused, p.cell) : undefined;
  if (path === 'fused' && !kernel) throw new Error(`runDirection: ${b.name} has no fused kernel for ${def.describe(p.cell)}`);
  const where = `${path} ${def.describe(p.cell)}`;
  const args = { x, states: lstm ? [h0, c0] : [h0], lengths: p.lengths, reverse: p.reverse, training: backward };
  const sizes = { inputSize: I, hiddenSize: H };
  const f = kernel ? await kernel.forward({ cell: p.cell, sizes, params, ...args }) : await genericForward(b, def, p.cell, sizes, params, args);
  b.dispose(x);
  if (h0) b.dispose(h0);
  if (c0) b.dispose(c0);
  checkShape(`${where} forward`, 'y', f.y, [B, T, H]);
  checkShape(`${where} forward`, 'hT', f.states[0], [B, H]);
  if (lstm) checkShape(`${where} forward`, 'cT', f.states[1], [B, H]);
  if (backward !== (f.saved !== undefined)) {
    throw new Error(`${where} forward: saved: expected ${backward ? 'a Saved' : 'undefined'} for training: ${backward}, got ${String(f.saved)}`);
  }
  const y = await take(b, f.y);
  const hT = await take(b, f.states[0]!);
  const cT = lstm ? await take(b, f.states[1]!) : undefined;
  let out: DirectionResults = { y, hT, cT };
  if (backward) {
    const dy = p.dy ? upload(b, p.dy, [B, T, H]) : undefined;
    const dhT = p.dhT ? upload(b, p.dhT, [B, H]) : undefined;
    const dcT = p.dcT && lstm ? upload(b, p.dcT, [B, H]) : undefined;
    const bargs = { dy, dStates: lstm ? [dhT, dcT] : [dhT] };
    const g = kernel ? await kernel.backward({ saved: f.saved!, ...bargs }) : await genericBackward(b, f.saved as GenericSaved, bargs);
    if (kernel) b.disposeSaved(f.saved!);
    else disposeGenericSaved(b, f.saved as GenericSaved);
    for (const t of [dy, dhT, dcT]) if (t) b.dispose(t);
    checkShape(`${where} backward`, 'dx', g.dx, [B, T, I]);
    checkShape(`${where} backward`, 'dh0', g.dStates[0], [B, H]);
    if (lstm) checkShape(`${where} backward`, 'dc0', g.dStates[1], [B, H]);
    checkShape(`${where} backward`, 'dWIh', g.grads.get('weight_ih'), [G * H, I]);
    checkShape(`${where} backward`, 'dWHh', g.grads.get('weight_hh'), [G * H, H]);
    checkShape(`${where} backward`, 'dBIh', g.grads.get('bias_ih'), [G * H]);
    checkShape(`${where} backward`, 'dBHh', g.grads.get('bias_hh'), [G * H]);
    out = {
      ...out,
      dx: await take(b, g.dx),
      dh0: await take(b, g.dStates[0]!),
      dc0: lstm ? await take(b, g.dStates[1]!) : undefined,
      dWIh: await take(b, g.grads.get('weight_ih')!),
      dWHh: await take(b, g.grads.get('weight_hh')!),
      dBIh: await take(b, g.grads.get('bias_ih')!),
      dBHh: await take(b, g.grads.get('bias_hh')!),
    };
  }
  params.forEach((t) => b.dispose(t));
  return out;
}

export function randomDirectionProblem(o: {
  cell: CellConfig;
  B: number;
  T: number;
  I: number;
  H: number;
  lengths?: Int32Array | undefined;
  reverse: boolean;
  initialState: boolean;
  seed: number;
}): DirectionProblem {
  const rng = new Rng(o.seed);
  const G = gates(o.cell, o.I, o.H);
  const lstm = cellDefinition(o.cell.kind).states(o.cell, { inputSize: o.I, hiddenSize: o.H }).length > 1;
  const r = (n: number, scale = 1) => roundF32(randomArray(rng, n, scale));
  const { B, T, I, H } = o;
  return {
    cell: o.cell,
    B,
    T,
    I,
    H,
    wIh: r(G * H * I, 0.6),
    wHh: r(G * H * H, 0.6),
    bIh: r(G * H, 0.6),
    bHh: r(G * H, 0.6),
    x: r(B * T * I),
    h0: o.initialState ? r(B * H, 0.8) : undefined,
    c0: o.initialState && lstm ? r(B * H, 0.8) : undefined,
    lengths: o.lengths,
    reverse: o.reverse,
    dy: r(B * T * H),
    dhT: r(B * H),
    dcT: lstm ? r(B * H) : undefined,
  };
}

/** Reads a tensor as float64 without disposing it. */
export { readF64 };
