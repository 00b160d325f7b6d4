// The fused recurrent kernels of the contract (`backend.fused.rnn | lstm | gru`) as adapters over
// this package's whole-sequence kernels: the float64 reference loops or the float32 fast path
// (split across worker threads when the backend has them). The adapter only names things: the
// cell's local parameter names and state lists in, the kernels' plain arrays through, handles out.
// Synchronous, so that the fast path costs what it did before the contract allowed promises.

import type {
  CellConfig,
  CellSpec,
  FusedBackwardArgs,
  FusedBackwardResult,
  FusedForwardArgs,
  FusedForwardResult,
  FusedRecurrentKernel,
  Tensor,
} from '@rnnkit/core';
import { classicCell } from '@rnnkit/core';
import type { Handles } from './handles.js';
import type { Kernels } from './kernels.js';
import type { F, RecurrentDims, RecurrentInputs, RecurrentWeights } from './recurrent-types.js';

/** A fused kernel of this backend; its results are never promises. */
export interface JsFusedKernel extends FusedRecurrentKernel {
  supports(cell: CellConfig): boolean;
  forward(args: FusedForwardArgs): FusedForwardResult;
  backward(args: FusedBackwardArgs): FusedBackwardResult;
}

// A type literal, not an interface: it must be assignable to the contract's string-keyed record.
export type JsFusedKernels = {
  readonly rnn: JsFusedKernel;
  readonly lstm: JsFusedKernel;
  readonly gru: JsFusedKernel;
};

/** What a recurrent Saved keeps: the kernel's cache and the arrays it was computed from (no copies). */
export interface RecurrentPayload {
  readonly cell: CellSpec;
  readonly dims: RecurrentDims;
  readonly weights: RecurrentWeights<F>;
  readonly inputs: RecurrentInputs<F>;
  readonly cache: object;
}

export const RECURRENT_SAVED = 'recurrent';

export function fusedRecurrentKernels(h: Handles, kernels: Kernels<F>): JsFusedKernels {
  const kernel = (kind: CellSpec['kind']): JsFusedKernel => ({
    supports: (cell) => classicCell(cell)?.kind === kind,
    forward: (args) => forward(h, kernels, kind, args),
    backward: (args) => backward(h, kernels, kind, args),
  });
  return {
    rnn: kernel('rnn'),
    lstm: kernel('lstm'),
    gru: kernel('gru'),
  };
}

// x: [B, T, I], params by local name, states [h0] or [h0, c0]: [B, H] each
// → y: [B, T, H], states [hT] or [hT, cT]: [B, H] each, saved when training
function forward(h: Handles, kernels: Kernels<F>, kind: CellSpec['kind'], args: FusedForwardArgs): FusedForwardResult {
  const where = `fused.${kind}.forward`;
  h.assertOpen(where);
  const cell = classicCell(args.cell)!;
  const lstm = kind === 'lstm';
  const p = args.params;
  const param = (name: string): F => h.floats(where, `params '${name}'`, p.get(name));
  const weights: RecurrentWeights<F> = { wIh: param('weight_ih'), wHh: param('weight_hh'), bIh: param('bias_ih'), bHh: param('bias_hh') };
  const x = h.get(where, 'x', args.x);
  const [B = 0, T = 0] = x.shape;
  const { inputSize: I, hiddenSize: H } = args.sizes;
  const state = (j: number, name: string): F => {
    const t = args.states?.[j];
    return t === undefined ? kernels.alloc(B * H) : h.floats(where, `states[${j}] (${name})`, t);
  };
  const dims: RecurrentDims = { B, T, I, H };
  const inputs: RecurrentInputs<F> = {
    x: x.data as F,
    h0: state(0, 'h'),
    // The kernels take c0 whatever the cell; only an LSTM reads it.
    c0: lstm ? state(1, 'c') : kernels.alloc(B * H),
    // A copy: the caller may reuse its array before backward runs.
    lengths: args.lengths ? args.lengths.slice() : new Int32Array(B).fill(T),
    reverse: args.reverse,
  };
  const out = kernels.recurrentForward(cell, dims, weights, inputs, args.training);
  const y = h.wrap([B, T, H], 'float32', out.y);
  const hT = h.wrap([B, H], 'float32', out.hT);
  const states = lstm ? [hT, h.wrap([B, H], 'float32', out.cT)] : [hT];
  if (!args.training || !out.cache) return { y, states };
  const payload: RecurrentPayload = { cell, dims, weights, inputs, cache: out.cache };
  return { y, states, saved: h.save(RECURRENT_SAVED, payload, Object.keys(out.cache).length) };
}

// dy: [B, T, H], dStates [dhT] or [dhT, dcT]: [B, H] each (absent: zero)
// → dx: [B, T, I], dStates [dh0] or [dh0, dc0], grads of weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H]
function backward(h: Handles, kernels: Kernels<F>, kind: CellSpec['kind'], args: FusedBackwardArgs): FusedBackwardResult {
  const where = `fused.${kind}.backward`;
  h.assertOpen(where);
  const s = h.payload<RecurrentPayload>(where, args.saved, RECURRENT_SAVED);
  const { B, T, I, H } = s.dims;
  const lstm = s.cell.kind === 'lstm';
  const upstream = (t: Tensor | undefined, arg: string): F | undefined => (t === undefined ? undefined : h.floats(where, arg, t));
  const g = kernels.recurrentBackward(s.cell, s.dims, s.weights, s.inputs, s.cache, {
    dy: upstream(args.dy, 'dy'),
    dhT: upstream(args.dStates?.[0], 'dStates[0] (h)'),
    dcT: lstm ? upstream(args.dStates?.[1], 'dStates[1] (c)') : undefined,
  });
  const GH = g.dBIh.length;
  const dh0 = h.wrap([B, H], 'float32', g.dh0);
  return {
    dx: h.wrap([B, T, I], 'float32', g.dx),
    dStates: lstm ? [dh0, h.wrap([B, H], 'float32', g.dc0)] : [dh0],
    grads: new Map([
      ['weight_ih', h.wrap([GH, I], 'float32', g.dWIh)],
      ['weight_hh', h.wrap([GH, H], 'float32', g.dWHh)],
      ['bias_ih', h.wrap([GH], 'float32', g.dBIh)],
      ['bias_hh', h.wrap([GH], 'float32', g.dBHh)],
    ]),
  };
}
