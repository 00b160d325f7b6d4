// Runs a whole recurrent layer (core's `recurrentLayerForward/Backward`: stacked, bidirectional)
// or one backend direction kernel on host float64 data, and returns every result on the host.
// Used by the golden cases, finite differences, backend-vs-reference and sequence-length tests.
import {
  directionCount,
  disposeRecurrentSaved,
  gateCount,
  hasCellState,
  recurrentLayerBackward,
  recurrentLayerForward,
  recurrentParamShapes,
  Rng,
  type Backend,
  type CellSpec,
  type RecurrentConfig,
  type Tensor,
} from '@rnnkit/core';
import { dot, randomArray, readF64, roundF32, take } from './host.js';

/** One recurrent layer problem on the host, in float64. */
export interface LayerProblem {
  readonly cfg: RecurrentConfig;
  readonly B: number;
  readonly T: number;
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

/** Forward (and, with `backward`, backward) of the composed layer; everything is disposed. */
export async function runLayer(b: Backend, p: LayerProblem, backward: boolean): Promise<{ out: LayerOutputs; grads?: LayerGrads }> {
  const { cfg, B, T } = p;
  const H = cfg.hiddenSize;
  const lstm = hasCellState(cfg.cell.kind);
  const params = uploadParams(b, p);
  const x = upload(b, p.x, [B, T, cfg.inputSize]);
  const h0 = p.h0?.map((v) => upload(b, v, [B, H]));
  const c0 = lstm ? p.c0?.map((v) => upload(b, v, [B, H])) : undefined;
  const fwd = recurrentLayerForward(b, cfg, params, { x, h0, c0, lengths: p.lengths, training: backward });
  // Inputs may be freed right after forward (the contract); doing so here checks it.
  b.dispose(x);
  h0?.forEach((t) => b.dispose(t));
  c0?.forEach((t) => b.dispose(t));
  const out: LayerOutputs = {
    y: await take(b, fwd.y),
    hT: await Promise.all(fwd.hT.map((t) => take(b, t))),
    cT: fwd.cT ? await Promise.all(fwd.cT.map((t) => take(b, t))) : undefined,
  };
  let grads: LayerGrads | undefined;
  if (backward) {
    const dirs = directionCount(cfg);
    const dy = p.dy ? upload(b, p.dy, [B, T, dirs * H]) : undefined;
    const dhT = p.dhT?.map((v) => upload(b, v, [B, H]));
    const dcT = lstm ? p.dcT?.map((v) => upload(b, v, [B, H])) : undefined;
    const g = recurrentLayerBackward(b, cfg, fwd.saved!, { dy, dhT, dcT });
    disposeRecurrentSaved(b, fwd.saved!);
    if (dy) b.dispose(dy);
    dhT?.forEach((t) => b.dispose(t));
    dcT?.forEach((t) => b.dispose(t));
    const named = new Map<string, Float64Array>();
    for (const [name, t] of g.grads) named.set(name, await take(b, t));
    grads = {
      dx: await take(b, g.dx),
      dh0: await Promise.all(g.dh0.map((t) => take(b, t))),
      dc0: g.dc0 ? await Promise.all(g.dc0.map((t) => take(b, t))) : undefined,
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
  readonly cell: CellSpec;
  readonly B: number;
  readonly T: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
  readonly lengths?: Int32Array | undefined;
  /** Pass random initial states. */
  readonly initialState?: boolean;
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
  const H = cfg.hiddenSize;
  const lstm = hasCellState(cfg.cell.kind);
  const states = () => Array.from({ length: S }, () => r(o.B * H, 0.8));
  return {
    cfg,
    B: o.B,
    T: o.T,
    params,
    x: r(o.B * o.T * o.inputSize),
    h0: o.initialState ? states() : undefined,
    c0: o.initialState && lstm ? states() : undefined,
    lengths: o.lengths,
    dy: r(o.B * o.T * directionCount(cfg) * H),
    dhT: states(),
    dcT: lstm ? states() : undefined,
  };
}

// ---- one direction, straight on the backend kernel ----------------------------------------------

export interface DirectionProblem {
  readonly cell: CellSpec;
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  /** wIh [G·H, I], wHh [G·H, H], bIh, bHh [G·H] */
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

/** `backend.recurrentForward` (+ `recurrentBackward`) on one direction; everything is disposed. */
export async function runDirection(b: Backend, p: DirectionProblem, backward: boolean): Promise<DirectionResults> {
  const G = gateCount(p.cell.kind);
  const lstm = hasCellState(p.cell.kind);
  const { B, T, I, H } = p;
  const params = {
    wIh: upload(b, p.wIh, [G * H, I]),
    wHh: upload(b, p.wHh, [G * H, H]),
    bIh: upload(b, p.bIh, [G * H]),
    bHh: upload(b, p.bHh, [G * H]),
  };
  const x = upload(b, p.x, [B, T, I]);
  const h0 = p.h0 ? upload(b, p.h0, [B, H]) : undefined;
  const c0 = p.c0 && lstm ? upload(b, p.c0, [B, H]) : undefined;
  const f = b.recurrentForward({ cell: p.cell, params, x, h0, c0, lengths: p.lengths, reverse: p.reverse, training: backward });
  b.dispose(x);
  if (h0) b.dispose(h0);
  if (c0) b.dispose(c0);
  checkShape('recurrentForward', 'y', f.y, [B, T, H]);
  checkShape('recurrentForward', 'hT', f.hT, [B, H]);
  if (lstm) checkShape('recurrentForward', 'cT', f.cT, [B, H]);
  if (backward !== (f.saved !== undefined)) {
    throw new Error(`recurrentForward: saved: expected ${backward ? 'a Saved' : 'undefined'} for training: ${backward}, got ${String(f.saved)}`);
  }
  const y = await take(b, f.y);
  const hT = await take(b, f.hT);
  const cT = f.cT ? await take(b, f.cT) : undefined;
  let out: DirectionResults = { y, hT, cT };
  if (backward) {
    const dy = p.dy ? upload(b, p.dy, [B, T, H]) : undefined;
    const dhT = p.dhT ? upload(b, p.dhT, [B, H]) : undefined;
    const dcT = p.dcT && lstm ? upload(b, p.dcT, [B, H]) : undefined;
    const g = b.recurrentBackward({ saved: f.saved!, dy, dhT, dcT });
    b.disposeSaved(f.saved!);
    for (const t of [dy, dhT, dcT]) if (t) b.dispose(t);
    checkShape('recurrentBackward', 'dx', g.dx, [B, T, I]);
    checkShape('recurrentBackward', 'dh0', g.dh0, [B, H]);
    if (lstm) checkShape('recurrentBackward', 'dc0', g.dc0, [B, H]);
    checkShape('recurrentBackward', 'dWIh', g.dWIh, [G * H, I]);
    checkShape('recurrentBackward', 'dWHh', g.dWHh, [G * H, H]);
    checkShape('recurrentBackward', 'dBIh', g.dBIh, [G * H]);
    checkShape('recurrentBackward', 'dBHh', g.dBHh, [G * H]);
    out = {
      ...out,
      dx: await take(b, g.dx),
      dh0: await take(b, g.dh0),
      dc0: g.dc0 ? await take(b, g.dc0) : undefined,
      dWIh: await take(b, g.dWIh),
      dWHh: await take(b, g.dWHh),
      dBIh: await take(b, g.dBIh),
      dBHh: await take(b, g.dBHh),
    };
  }
  Object.values(params).forEach((t) => b.dispose(t));
  return out;
}

export function randomDirectionProblem(o: {
  cell: CellSpec;
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
  const G = gateCount(o.cell.kind);
  const lstm = hasCellState(o.cell.kind);
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
