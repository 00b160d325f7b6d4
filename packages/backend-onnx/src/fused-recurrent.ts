// The backend's fused kernels (`backend.fused`), one per kind of core's cell catalogue, built when
// the backend is created. Cells ONNX has an operator for (rnn, lstm, gru) run it forward, with the
// generated backward graph (recurrent.ts); every other cell, and every configuration the native
// operator cannot express (an LSTM with projections or layer norm, a peephole LSTM in training),
// runs on graphs generated from its core definition (cell-graph-kernel.ts).

import type {
  CellConfig,
  CellKind,
  FusedBackwardArgs,
  FusedBackwardResult,
  FusedForwardArgs,
  FusedForwardResult,
  FusedRecurrentKernel,
  Tensor,
} from '@rnnkit/core';
import { cellCatalogue, classicCell } from '@rnnkit/core';
import { cellGraphKernel, CellGraphSaved, type CellGraphKernel } from './cell-graph-kernel.js';
import type { Handles } from './handles.js';
import type { GraphCell } from './graph-cell.js';
import { recurrentBackward, recurrentForward, RecurrentSaved, type RecurrentInputs, type RecurrentWeights } from './recurrent.js';
import type { SessionCache } from './session-cache.js';

export interface OnnxFusedKernel extends FusedRecurrentKernel {
  supports(cell: CellConfig): boolean;
  forward(args: FusedForwardArgs): Promise<FusedForwardResult>;
  backward(args: FusedBackwardArgs): Promise<FusedBackwardResult>;
}

// A type literal, not an interface: it must be assignable to the contract's string-keyed record.
export type OnnxFusedKernels = { readonly [kind: string]: OnnxFusedKernel };

const NATIVE_KINDS: readonly string[] = ['rnn', 'lstm', 'gru'];

export function fusedRecurrentKernels(h: Handles, sessions: SessionCache): OnnxFusedKernels {
  const kernels: Record<string, OnnxFusedKernel> = {};
  for (const [kind, def] of Object.entries(cellCatalogue)) {
    const graph = cellGraphKernel(h, sessions, def);
    kernels[kind] = NATIVE_KINDS.includes(kind) ? withNativeOperator(h, sessions, kind as CellKind, graph) : graph;
  }
  return kernels;
}

/**
 * The cell as the native operator computes it, or undefined: a classic cell, or (inference only)
 * a peephole LSTM, which ONNX's LSTM computes with its P input (output gate on the new cell c_t,
 * as in CELLS.md). Training a peephole LSTM needs its backward, which only the generated graph has.
 */
function nativeCell(kind: CellKind, cell: CellConfig, training: boolean): { cell: GraphCell; peephole: boolean } | undefined {
  const classic = classicCell(cell);
  if (classic?.kind === kind) return { cell: classic, peephole: false };
  if (kind !== 'lstm' || cell.peephole !== true || training) return undefined;
  // Peephole and nothing else that changes the equations: what remains is a classic LSTM.
  const rest = classicCell({ ...cell, peephole: undefined });
  return rest?.kind === 'lstm' ? { cell: rest, peephole: true } : undefined;
}

/** The native operator where it computes the cell, the generated graph otherwise. */
function withNativeOperator(h: Handles, sessions: SessionCache, kind: CellKind, graph: CellGraphKernel): OnnxFusedKernel {
  return {
    supports: (cell) => nativeCell(kind, cell, false) !== undefined || graph.supports(cell),
    forward: (args) => {
      const native = nativeCell(kind, args.cell, args.training);
      return native ? forward(h, sessions, kind, native.cell, native.peephole, args) : graph.forward(args);
    },
    backward: (args) => (args.saved instanceof CellGraphSaved ? graph.backward(args) : backward(h, sessions, kind, args)),
  };
}

// x: [B, T, I], params by local name, states [h0] or [h0, c0]: [B, H] each (absent: zeros)
// → y: [B, T, H], states [hT] or [hT, cT]: [B, H] each, saved when training
// (peephole LSTM: also weight_peephole [3H], blocks i, f, o)
async function forward(h: Handles, sessions: SessionCache, kind: CellKind, cell: GraphCell, peephole: boolean, args: FusedForwardArgs): Promise<FusedForwardResult> {
  const where = `fused.${kind}.forward`;
  const lstm = kind === 'lstm';
  const param = (name: string): Float32Array => h.floats(args.params.get(name), `${where}: params '${name}'`);
  const w: RecurrentWeights = {
    wIh: param('weight_ih'),
    wHh: param('weight_hh'),
    bIh: param('bias_ih'),
    bHh: param('bias_hh'),
    ...(peephole ? { wPeephole: param('weight_peephole') } : {}),
  };
  const x = h.floats(args.x, `${where}: x`);
  const [B = 0, T = 0] = args.x.shape;
  const { inputSize: I, hiddenSize: H } = args.sizes;
  const state = (j: number, name: string): Float32Array => {
    const t = args.states?.[j];
    return t === undefined ? new Float32Array(B * H) : h.floats(t, `${where}: states[${j}] (${name})`);
  };
  const inputs: RecurrentInputs = {
    x,
    h0: state(0, 'h'),
    c0: lstm ? state(1, 'c') : undefined,
    // A copy: the caller may reuse its lengths array before backward runs.
    lengths: args.lengths ? Int32Array.from(args.lengths) : new Int32Array(B).fill(T),
  };
  const shape = { B, T, I, H };
  const r = await recurrentForward(sessions, cell, shape, args.reverse, w, inputs);
  const hT = h.wrap(r.hT, [B, H]);
  return {
    y: h.wrap(r.y, [B, T, H]),
    states: r.cT ? [hT, h.wrap(r.cT, [B, H])] : [hT],
    saved: args.training ? new RecurrentSaved(cell, shape, args.reverse, w, inputs, r.y, h.live) : undefined,
  };
}

// dy: [B, T, H], dStates [dhT] or [dhT, dcT]: [B, H] each (absent: zero)
// → dx: [B, T, I], dStates [dh0] or [dh0, dc0], grads of weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H]
async function backward(h: Handles, sessions: SessionCache, kind: CellKind, args: FusedBackwardArgs): Promise<FusedBackwardResult> {
  const where = `fused.${kind}.backward`;
  const saved = h.saved(args.saved, RecurrentSaved, where);
  if (saved.cell.kind !== kind) throw new Error(`${where}: saved comes from fused.${saved.cell.kind}.forward`);
  const { B, T, I, H } = saved.shape;
  const lstm = saved.cell.kind === 'lstm';
  const upstream = (t: Tensor | undefined, n: number, what: string): Float32Array => (t === undefined ? new Float32Array(n) : h.floats(t, `${where}: ${what}`));
  const g = await recurrentBackward(sessions, saved, {
    dy: upstream(args.dy, B * T * H, 'dy'),
    dhT: upstream(args.dStates?.[0], B * H, 'dStates[0] (h)'),
    dcT: lstm ? upstream(args.dStates?.[1], B * H, 'dStates[1] (c)') : undefined,
  });
  const GH = g.dBIh.length;
  const dh0 = h.wrap(g.dh0, [B, H]);
  return {
    dx: h.wrap(g.dx, [B, T, I]),
    dStates: g.dc0 ? [dh0, h.wrap(g.dc0, [B, H])] : [dh0],
    grads: new Map([
      ['weight_ih', h.wrap(g.dWIh, [GH, I])],
      ['weight_hh', h.wrap(g.dWHh, [GH, H])],
      ['bias_ih', h.wrap(g.dBIh, [GH])],
      ['bias_hh', h.wrap(g.dBHh, [GH])],
    ]),
  };
}
