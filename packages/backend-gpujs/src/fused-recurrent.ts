// The fused recurrent kernels of the contract (`backend.fused.rnn | lstm | gru`) as adapters over
// this package's whole-sequence pipeline (recurrent.ts). The adapter only names things: the
// cell's local parameter names and state lists in, textures through, handles out; the kernels
// and their speed are unchanged. Synchronous: nothing here waits for the GPU.
import {
  classicCell,
  gateCount,
  type CellConfig,
  type CellSpec,
  type FusedBackwardArgs,
  type FusedBackwardResult,
  type FusedForwardArgs,
  type FusedForwardResult,
  type FusedRecurrentKernel,
  type Saved,
  type Tensor,
} from '@rnnkit/core';
import { share, type Engine, type Storage } from './engine.js';
import { fill } from './elementwise.js';
import { recurrentBackward, recurrentForward, type RecurrentSaved } from './recurrent.js';

/** A fused kernel of this backend; its results are never promises. */
export interface GpujsFusedKernel extends FusedRecurrentKernel {
  supports(cell: CellConfig): boolean;
  forward(args: FusedForwardArgs): FusedForwardResult;
  backward(args: FusedBackwardArgs): FusedBackwardResult;
}

// A type literal, not an interface: it must be assignable to the contract's string-keyed record.
export type GpujsFusedKernels = {
  readonly rnn: GpujsFusedKernel;
  readonly lstm: GpujsFusedKernel;
  readonly gru: GpujsFusedKernel;
};

/** What the fused kernels need from the backend they belong to. */
export interface FusedHost {
  readonly engine: Engine;
  /** The float storage behind a handle of this backend (throws for a foreign or disposed one). */
  storage(where: string, arg: string, t: Tensor): Storage;
  /** A new handle owning `s`. */
  wrap(s: Storage, shape: readonly number[]): Tensor;
  /** Counts the storages a Saved keeps as live tensors. */
  keep(s: RecurrentSaved): RecurrentSaved;
  /** The live recurrent Saved behind `s` (throws for a foreign or freed one). */
  recurrent(where: string, s: Saved): RecurrentSaved;
}

type Kind = CellSpec['kind'];

export function fusedRecurrentKernels(host: FusedHost): GpujsFusedKernels {
  const kernel = (kind: Kind): GpujsFusedKernel => ({
    supports: (cell) => classicCell(cell)?.kind === kind,
    forward: (args) => forward(host, kind, args),
    backward: (args) => backward(host, kind, args),
  });
  return {
    rnn: kernel('rnn'),
    lstm: kernel('lstm'),
    gru: kernel('gru'),
  };
}

// x: [B, T, I], params by local name, states [h0] or [h0, c0]: [B, H] each (absent: zeros)
// → y: [B, T, H], states [hT] or [hT, cT]: [B, H] each, saved when training
function forward(host: FusedHost, kind: Kind, args: FusedForwardArgs): FusedForwardResult {
  const where = `fused.${kind}.forward`;
  const e = host.engine;
  const cell = classicCell(args.cell)!;
  const lstm = kind === 'lstm';
  const [B, T] = args.x.shape as [number, number];
  const { inputSize: I, hiddenSize: H } = args.sizes;
  const param = (name: string): Storage => host.storage(where, `params '${name}'`, args.params.get(name) as Tensor);
  // The pipeline owns h0 and c0 (frees them or keeps them in Saved): a shared reference or zeros.
  const state = (j: number, name: string): Storage => {
    const t = args.states?.[j];
    return t === undefined ? fill(e, B * H, 0) : share(host.storage(where, `states[${j}] (${name})`, t));
  };
  // A copy, so the caller may reuse its lengths array before backward runs.
  const lens = new Float32Array(B).fill(T);
  if (args.lengths) lens.set(args.lengths);
  const out = recurrentForward(
    e,
    {
      cell,
      dims: { B, T, I, H, G: gateCount(kind) },
      reverse: args.reverse,
      lens,
      x: host.storage(where, 'x', args.x),
      wIh: param('weight_ih'),
      wHh: param('weight_hh'),
      bIh: param('bias_ih'),
      bHh: param('bias_hh'),
      h0: state(0, 'h'),
      // The pipeline takes c0 whatever the cell; only an LSTM reads it.
      c0: lstm ? state(1, 'c') : fill(e, B * H, 0),
    },
    args.training,
  );
  const hT = host.wrap(out.hT, [B, H]);
  return {
    y: host.wrap(out.y, [B, T, H]),
    states: lstm ? [hT, host.wrap(out.cT as Storage, [B, H])] : [hT],
    saved: out.saved ? host.keep(out.saved) : undefined,
  };
}

// dy: [B, T, H], dStates [dhT] or [dhT, dcT]: [B, H] each (absent: zero)
// → dx: [B, T, I], dStates [dh0] or [dh0, dc0], grads of weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H]
function backward(host: FusedHost, kind: Kind, args: FusedBackwardArgs): FusedBackwardResult {
  const where = `fused.${kind}.backward`;
  const e = host.engine;
  const s = host.recurrent(where, args.saved);
  if (s.cell.kind !== kind) throw new Error(`gpujs.${where}: saved: expected the Saved of a fused ${kind} forward, got one of ${s.cell.kind}`);
  const { B, T, I, H, G } = s.dims;
  const lstm = kind === 'lstm';
  // Each is owned by the pipeline (freed there): a shared reference or zeros.
  const upstream = (t: Tensor | undefined, arg: string, n: number): Storage => (t === undefined ? fill(e, n, 0) : share(host.storage(where, arg, t)));
  const g = recurrentBackward(
    e,
    s,
    upstream(args.dy, 'dy', B * T * H),
    upstream(args.dStates?.[0], 'dStates[0] (h)', B * H),
    upstream(lstm ? args.dStates?.[1] : undefined, 'dStates[1] (c)', B * H),
  );
  const dh0 = host.wrap(g.dh0, [B, H]);
  return {
    dx: host.wrap(g.dx, [B, T, I]),
    dStates: lstm ? [dh0, host.wrap(g.dc0 as Storage, [B, H])] : [dh0],
    grads: new Map([
      ['weight_ih', host.wrap(g.dWIh, [G * H, I])],
      ['weight_hh', host.wrap(g.dWHh, [G * H, H])],
      ['bias_ih', host.wrap(g.dBIh, [G * H])],
      ['bias_hh', host.wrap(g.dBHh, [G * H])],
    ]),
  };
}
