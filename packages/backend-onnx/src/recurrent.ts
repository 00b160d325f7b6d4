// One recurrent layer direction on ONNX Runtime: the native op forward, the generated backward graph
// (see recurrent-graph.ts). Handles stay on the host; sessions come from the backend's cache.

import type { CellSpec, RecurrentBackwardArgs, RecurrentForwardArgs, Tensor } from '@rnnkit/core';
import { describeCell, gateCount } from '@rnnkit/core';
import { buildBackwardGraph, buildForwardGraph, type RecurrentShape } from './recurrent-graph.js';
import type { SessionCache } from './session-cache.js';
import { fmtShape, OnnxSaved, type LiveCounter } from './tensor.js';

/** What the backward graph needs: the forward's inputs and outputs (arrays are immutable, so shared). */
export class RecurrentSaved extends OnnxSaved {
  readonly kind = 'recurrent';
  constructor(
    readonly cell: CellSpec,
    readonly shape: RecurrentShape,
    readonly reverse: boolean,
    readonly arrays: {
      readonly x: Float32Array;
      readonly y: Float32Array;
      readonly h0: Float32Array;
      readonly c0: Float32Array | undefined;
      readonly lengths: Int32Array;
      readonly wIh: Float32Array;
      readonly wHh: Float32Array;
      readonly bIh: Float32Array;
      readonly bHh: Float32Array;
    },
    live: LiveCounter,
  ) {
    super(cell.kind === 'lstm' ? 9 : 8, live);
  }
}

export interface HostFloat {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

function expectShape(what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, k) => d !== expected[k])) {
    throw new Error(`recurrentForward: ${what} must have shape ${fmtShape(expected)}, got ${fmtShape(actual)}`);
  }
}

function key(kind: string, cell: CellSpec, s: RecurrentShape, reverse: boolean, masked = false): string {
  return `${kind}:${describeCell(cell)}:${s.B}x${s.T}x${s.I}x${s.H}:${reverse ? 'rev' : 'fwd'}${masked ? ':masked' : ''}`;
}

/** Validate the arguments and work out B, T, I, H. `get` turns a handle into its float data. */
export function recurrentShape(args: RecurrentForwardArgs, get: (t: Tensor, what: string) => HostFloat): RecurrentShape {
  const x = get(args.x, 'x');
  if (x.shape.length !== 3) throw new Error(`recurrentForward: x must have shape [B, T, I], got ${fmtShape(x.shape)}`);
  const [B, T, I] = x.shape as [number, number, number];
  const wHh = get(args.params.wHh, 'params.wHh');
  const G = gateCount(args.cell.kind);
  if (wHh.shape.length !== 2 || (wHh.shape[0] as number) % G !== 0) {
    throw new Error(`recurrentForward: params.wHh must have shape [${G}·H, H] for ${describeCell(args.cell)}, got ${fmtShape(wHh.shape)}`);
  }
  const H = (wHh.shape[0] as number) / G;
  if (T < 1 || B < 1) throw new Error(`recurrentForward: x must have B ≥ 1 and T ≥ 1, got ${fmtShape(x.shape)}`);
  expectShape('params.wHh', wHh.shape, [G * H, H]);
  expectShape('params.wIh', get(args.params.wIh, 'params.wIh').shape, [G * H, I]);
  expectShape('params.bIh', get(args.params.bIh, 'params.bIh').shape, [G * H]);
  expectShape('params.bHh', get(args.params.bHh, 'params.bHh').shape, [G * H]);
  if (args.h0) expectShape('h0', get(args.h0, 'h0').shape, [B, H]);
  if (args.c0) {
    if (args.cell.kind !== 'lstm') throw new Error(`recurrentForward: c0 is only for LSTM, got it for ${describeCell(args.cell)}`);
    expectShape('c0', get(args.c0, 'c0').shape, [B, H]);
  }
  if (args.lengths) {
    if (args.lengths.length !== B) throw new Error(`recurrentForward: lengths must have length B = ${B}, got ${args.lengths.length}`);
    args.lengths.forEach((l, b) => {
      if (!Number.isInteger(l) || l < 1 || l > T) throw new Error(`recurrentForward: lengths[${b}] must be in [1, ${T}], got ${l}`);
    });
  }
  return { B, T, I, H };
}

export interface RecurrentForwardOut {
  readonly y: Float32Array;
  readonly hT: Float32Array;
  readonly cT: Float32Array | undefined;
  readonly saved: RecurrentSaved | undefined;
}

/** x: [B, T, I], weights PyTorch layout, h0/c0: [B, H] → y: [B, T, H], hT, cT: [B, H]. */
export function recurrentForward(
  sessions: SessionCache,
  live: LiveCounter,
  args: RecurrentForwardArgs,
  get: (t: Tensor, what: string) => HostFloat,
): RecurrentForwardOut {
  const s = recurrentShape(args, get);
  const { B, T, I, H } = s;
  const lstm = args.cell.kind === 'lstm';
  const zeros = new Float32Array(B * H);
  const x = get(args.x, 'x').data;
  const h0 = args.h0 ? get(args.h0, 'h0').data : zeros;
  const c0 = lstm ? (args.c0 ? get(args.c0, 'c0').data : zeros) : undefined;
  const lengths = args.lengths ? Int32Array.from(args.lengths) : new Int32Array(B).fill(T);
  const w = {
    wIh: get(args.params.wIh, 'params.wIh').data,
    wHh: get(args.params.wHh, 'params.wHh').data,
    bIh: get(args.params.bIh, 'params.bIh').data,
    bHh: get(args.params.bHh, 'params.bHh').data,
  };
  const GH = gateCount(args.cell.kind) * H;
  const session = sessions.get(key('fwd', args.cell, s, args.reverse), () => buildForwardGraph(args.cell, s, args.reverse));
  const out = session.run({
    x: [x, [B, T, I]],
    w_ih: [w.wIh, [GH, I]],
    w_hh: [w.wHh, [GH, H]],
    b_ih: [w.bIh, [GH]],
    b_hh: [w.bHh, [GH]],
    h0: [h0, [B, H]],
    ...(c0 ? { c0: [c0, [B, H]] as const } : {}),
    lengths: [lengths, [B]],
  });
  const y = out.y as Float32Array;
  const saved = args.training
    ? new RecurrentSaved(args.cell, s, args.reverse, { x, y, h0, c0, lengths, ...w }, live)
    : undefined;
  return { y, hT: out.h_t as Float32Array, cT: lstm ? (out.c_t as Float32Array) : undefined, saved };
}

export interface RecurrentBackwardOut {
  readonly shape: RecurrentShape;
  readonly dx: Float32Array;
  readonly dh0: Float32Array;
  readonly dc0: Float32Array | undefined;
  readonly dWIh: Float32Array;
  readonly dWHh: Float32Array;
  readonly dBIh: Float32Array;
  readonly dBHh: Float32Array;
}

/** dy: [B, T, H], dhT, dcT: [B, H] (absent = 0) → dx: [B, T, I], dh0, dc0: [B, H], weight gradients. */
export function recurrentBackward(
  sessions: SessionCache,
  args: RecurrentBackwardArgs,
  get: (t: Tensor, what: string) => HostFloat,
): RecurrentBackwardOut {
  const saved = args.saved;
  if (!(saved instanceof RecurrentSaved)) throw new Error(`recurrentBackward: saved must come from recurrentForward, got kind '${saved.kind}'`);
  if (saved.isReleased) throw new Error('recurrentBackward: saved was already disposed');
  const { cell, shape: s, reverse, arrays: a } = saved;
  const { B, T, I, H } = s;
  const lstm = cell.kind === 'lstm';
  const GH = gateCount(cell.kind) * H;
  const grad = (t: Tensor | undefined, what: string, shape: readonly number[]): Float32Array => {
    if (!t) return new Float32Array(shape.reduce((p, d) => p * d, 1));
    const h = get(t, what);
    if (h.shape.length !== shape.length || h.shape.some((d, k) => d !== shape[k])) {
      throw new Error(`recurrentBackward: ${what} must have shape ${fmtShape(shape)}, got ${fmtShape(h.shape)}`);
    }
    return h.data;
  };
  const dy = grad(args.dy, 'dy', [B, T, H]);
  const dhT = grad(args.dhT, 'dhT', [B, H]);
  if (args.dcT && !lstm) throw new Error(`recurrentBackward: dcT is only for LSTM, got it for ${describeCell(cell)}`);
  const dcT = lstm ? grad(args.dcT, 'dcT', [B, H]) : undefined;
  // Batches without padding get a graph without any mask arithmetic.
  const masked = a.lengths.some((l) => l !== T);
  const session = sessions.get(key('bwd', cell, s, reverse, masked), () => buildBackwardGraph(cell, s, reverse, masked));
  const out = session.run({
    x: [a.x, [B, T, I]],
    y: [a.y, [B, T, H]],
    h0: [a.h0, [B, H]],
    ...(lstm ? { c0: [a.c0 as Float32Array, [B, H]] as const, dc_t: [dcT as Float32Array, [B, H]] as const } : {}),
    lengths: [a.lengths, [B]],
    w_ih: [a.wIh, [GH, I]],
    w_hh: [a.wHh, [GH, H]],
    b_ih: [a.bIh, [GH]],
    b_hh: [a.bHh, [GH]],
    dy: [dy, [B, T, H]],
    dh_t: [dhT, [B, H]],
  });
  return {
    shape: s,
    dx: out.dx as Float32Array,
    dh0: out.dh0 as Float32Array,
    dc0: lstm ? (out.dc0 as Float32Array) : undefined,
    dWIh: out.dw_ih as Float32Array,
    dWHh: out.dw_hh as Float32Array,
    dBIh: out.db_ih as Float32Array,
    dBHh: out.db_hh as Float32Array,
  };
}
