// One recurrent layer direction on ONNX Runtime: the native op forward, the generated backward graph
// (see recurrent-graph.ts), on host arrays; sessions come from the backend's cache. Core has checked
// every shape before a call gets here.

import { gateCount } from '@rnnkit/core';
import { buildBackwardGraph, buildForwardGraph, graphCellKey, type GraphCell, type RecurrentShape } from './recurrent-graph.js';
import type { SessionCache } from './session-cache.js';
import { OnnxSaved, type LiveCounter } from './tensor.js';

/**
 * One direction's parameters, PyTorch layout: wIh: [G·H, I], wHh: [G·H, H], bIh, bHh: [G·H];
 * a peephole LSTM's wPeephole: [3H] (blocks i, f, o), forward only.
 */
export interface RecurrentWeights {
  readonly wIh: Float32Array;
  readonly wHh: Float32Array;
  readonly bIh: Float32Array;
  readonly bHh: Float32Array;
  readonly wPeephole?: Float32Array | undefined;
}

/** x: [B, T, I], h0, c0 (LSTM only): [B, H], lengths: [B] (all T when nothing is padded). */
export interface RecurrentInputs {
  readonly x: Float32Array;
  readonly h0: Float32Array;
  readonly c0: Float32Array | undefined;
  readonly lengths: Int32Array;
}

/** What the backward graph needs: the forward's inputs and outputs (arrays are immutable, so shared). */
export class RecurrentSaved extends OnnxSaved {
  readonly kind = 'recurrent';
  constructor(
    readonly cell: GraphCell,
    readonly shape: RecurrentShape,
    readonly reverse: boolean,
    readonly weights: RecurrentWeights,
    readonly inputs: RecurrentInputs,
    readonly y: Float32Array,
    live: LiveCounter,
  ) {
    // x, y, h0, (c0,) lengths and the four weights
    super(cell.kind === 'lstm' ? 9 : 8, live);
  }
}

function key(kind: string, cell: GraphCell, s: RecurrentShape, reverse: boolean, masked = false, peephole = false): string {
  return `${kind}:${graphCellKey(cell)}${peephole ? '(peephole)' : ''}:${s.B}x${s.T}x${s.I}x${s.H}:${reverse ? 'rev' : 'fwd'}${masked ? ':masked' : ''}`;
}

export interface RecurrentForwardOut {
  /** y: [B, T, H] */
  readonly y: Float32Array;
  /** hT, cT (LSTM only): [B, H] */
  readonly hT: Float32Array;
  readonly cT: Float32Array | undefined;
}

export async function recurrentForward(
  sessions: SessionCache,
  cell: GraphCell,
  s: RecurrentShape,
  reverse: boolean,
  w: RecurrentWeights,
  a: RecurrentInputs,
): Promise<RecurrentForwardOut> {
  const { B, T, I, H } = s;
  const GH = gateCount(cell.kind) * H;
  const peephole = w.wPeephole !== undefined;
  const out = await sessions.run(key('fwd', cell, s, reverse, false, peephole), () => buildForwardGraph(cell, s, reverse, peephole), {
    x: [a.x, [B, T, I]],
    w_ih: [w.wIh, [GH, I]],
    w_hh: [w.wHh, [GH, H]],
    b_ih: [w.bIh, [GH]],
    b_hh: [w.bHh, [GH]],
    h0: [a.h0, [B, H]],
    ...(a.c0 ? { c0: [a.c0, [B, H]] as const } : {}),
    lengths: [a.lengths, [B]],
    ...(w.wPeephole ? { w_peephole: [w.wPeephole, [3 * H]] as const } : {}),
  });
  return { y: out.y as Float32Array, hT: out.h_t as Float32Array, cT: a.c0 ? (out.c_t as Float32Array) : undefined };
}

/** Upstream gradients, zeros where absent: dy: [B, T, H], dhT, dcT (LSTM only): [B, H]. */
export interface RecurrentUpstream {
  readonly dy: Float32Array;
  readonly dhT: Float32Array;
  readonly dcT: Float32Array | undefined;
}

export interface RecurrentBackwardOut {
  /** dx: [B, T, I] */
  readonly dx: Float32Array;
  /** dh0, dc0 (LSTM only): [B, H] */
  readonly dh0: Float32Array;
  readonly dc0: Float32Array | undefined;
  /** dWIh: [G·H, I], dWHh: [G·H, H], dBIh, dBHh: [G·H] */
  readonly dWIh: Float32Array;
  readonly dWHh: Float32Array;
  readonly dBIh: Float32Array;
  readonly dBHh: Float32Array;
}

export async function recurrentBackward(sessions: SessionCache, saved: RecurrentSaved, up: RecurrentUpstream): Promise<RecurrentBackwardOut> {
  const { cell, shape: s, reverse, weights: w, inputs: a, y } = saved;
  const { B, T, I, H } = s;
  const lstm = cell.kind === 'lstm';
  const GH = gateCount(cell.kind) * H;
  // Batches without padding get a graph without any mask arithmetic.
  const masked = a.lengths.some((l) => l !== T);
  const out = await sessions.run(key('bwd', cell, s, reverse, masked), () => buildBackwardGraph(cell, s, reverse, masked), {
    x: [a.x, [B, T, I]],
    y: [y, [B, T, H]],
    h0: [a.h0, [B, H]],
    ...(lstm ? { c0: [a.c0!, [B, H]] as const, dc_t: [up.dcT!, [B, H]] as const } : {}),
    lengths: [a.lengths, [B]],
    w_ih: [w.wIh, [GH, I]],
    w_hh: [w.wHh, [GH, H]],
    b_ih: [w.bIh, [GH]],
    b_hh: [w.bHh, [GH]],
    dy: [up.dy, [B, T, H]],
    dh_t: [up.dhT, [B, H]],
  });
  return {
    dx: out.dx as Float32Array,
    dh0: out.dh0 as Float32Array,
    dc0: lstm ? (out.dc0 as Float32Array) : undefined,
    dWIh: out.dw_ih as Float32Array,
    dWHh: out.dw_hh as Float32Array,
    dBIh: out.db_ih as Float32Array,
    dBHh: out.db_hh as Float32Array,
  };
}
