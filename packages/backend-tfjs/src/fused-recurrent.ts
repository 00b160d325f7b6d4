// The fused recurrent kernels of the contract (`backend.fused.rnn | lstm | gru`) as adapters over
// this package's whole-sequence kernels (lstm.ts, gru.ts, rnn.ts). The adapter only names things:
// the cell's local parameter names and state lists in, tf tensors through, handles out; the
// kernels themselves are unchanged, and so is their speed. Synchronous: nothing here waits.

import type {
  CellConfig,
  CellSpec,
  FusedBackwardArgs,
  FusedBackwardResult,
  FusedForwardArgs,
  FusedForwardResult,
  FusedRecurrentKernel,
} from '@rnnkit/core';
import { classicCell } from '@rnnkit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { gruBackward, gruForward, type GruSavedTensors } from './gru.js';
import { optionalTfValue, savedOf, tfValue, TfjsSaved, TfjsTensor } from './handle.js';
import { lstmBackward, lstmForward, type LstmSavedTensors } from './lstm.js';
import { rnnBackward, rnnForward, type RnnSavedTensors } from './rnn.js';
import { makeSequence, type Sequence, type TfParams } from './sequence.js';
import { tidy } from './tidy.js';

/** A fused kernel of this backend; its results are never promises. */
export interface TfjsFusedKernel extends FusedRecurrentKernel {
  supports(cell: CellConfig): boolean;
  forward(args: FusedForwardArgs): FusedForwardResult;
  backward(args: FusedBackwardArgs): FusedBackwardResult;
}

// A type literal, not an interface: it must be assignable to the contract's string-keyed record.
export type TfjsFusedKernels = {
  readonly rnn: TfjsFusedKernel;
  readonly lstm: TfjsFusedKernel;
  readonly gru: TfjsFusedKernel;
};

/** What the fused kernels need from the backend they belong to. */
export interface FusedHost {
  readonly name: string;
  /** Throws once the backend is closed. */
  assertOpen(where: string): void;
}

type Kind = CellSpec['kind'];
type RecurrentMeta = { readonly cell: CellSpec; readonly seq: Sequence };
/** What every cell's backward returns; dc0 only from the LSTM. */
type RecurrentGrads = {
  dx: tf.Tensor;
  dh0: tf.Tensor;
  dc0?: tf.Tensor;
  dWIh: tf.Tensor;
  dWHh: tf.Tensor;
  dBIh: tf.Tensor;
  dBHh: tf.Tensor;
};

export function fusedRecurrentKernels(host: FusedHost): TfjsFusedKernels {
  const kernel = (kind: Kind): TfjsFusedKernel => ({
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

const savedKind = (kind: Kind): string => `fused.${kind}`;

// x: [B, T, I], params by local name, states [h0] or [h0, c0]: [B, H] each (absent: zeros)
// → y: [B, T, H], states [hT] or [hT, cT]: [B, H] each, saved when training
function forward(host: FusedHost, kind: Kind, args: FusedForwardArgs): FusedForwardResult {
  const where = `${host.name}.fused.${kind}.forward`;
  host.assertOpen(where);
  const cell = classicCell(args.cell)!;
  const param = (name: string): tf.Tensor => tfValue(where, `params '${name}'`, args.params.get(name));
  const p: TfParams = { wIh: param('weight_ih'), wHh: param('weight_hh'), bIh: param('bias_ih'), bHh: param('bias_hh') };
  const x = tfValue(where, 'x', args.x);
  const [B = 0, T = 0] = x.shape;
  const { inputSize: I, hiddenSize: H } = args.sizes;
  const h0 = optionalTfValue(where, 'states[0] (h)', args.states?.[0]);
  // A copy: the caller may reuse its lengths array before backward runs.
  const seq = makeSequence(B, T, I, H, args.reverse, args.lengths === undefined ? null : Int32Array.from(args.lengths));
  const meta: RecurrentMeta = { cell, seq };
  const { training } = args;

  if (cell.kind === 'lstm') {
    const c0 = optionalTfValue(where, 'states[1] (c)', args.states?.[1]);
    const r = tidy(() => lstmForward(seq, p, x, h0, c0, training));
    return {
      y: new TfjsTensor(r.y),
      states: [new TfjsTensor(r.hT), new TfjsTensor(r.cT)],
      saved: r.saved === null ? undefined : new TfjsSaved(savedKind(kind), r.saved, meta),
    };
  }
  const r = tidy(() => (cell.kind === 'gru' ? gruForward(seq, cell.resetAfter, p, x, h0, training) : rnnForward(seq, cell.nonlinearity, p, x, h0, training)));
  return {
    y: new TfjsTensor(r.y),
    states: [new TfjsTensor(r.hT)],
    saved: r.saved === null ? undefined : new TfjsSaved<GruSavedTensors | RnnSavedTensors, RecurrentMeta>(savedKind(kind), r.saved, meta),
  };
}

// dy: [B, T, H], dStates [dhT] or [dhT, dcT]: [B, H] each (absent: zero)
// → dx: [B, T, I], dStates [dh0] or [dh0, dc0], grads of weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H]
function backward(host: FusedHost, kind: Kind, args: FusedBackwardArgs): FusedBackwardResult {
  const where = `${host.name}.fused.${kind}.backward`;
  host.assertOpen(where);
  const saved = savedOf<LstmSavedTensors | GruSavedTensors | RnnSavedTensors, RecurrentMeta>(where, args.saved, savedKind(kind));
  const { cell, seq } = saved.meta;
  const dy = optionalTfValue(where, 'dy', args.dy);
  const dhT = optionalTfValue(where, 'dStates[0] (h)', args.dStates?.[0]);
  const tensors = saved.tensors(where);

  let r: RecurrentGrads;
  if (cell.kind === 'lstm') {
    const dcT = optionalTfValue(where, 'dStates[1] (c)', args.dStates?.[1]);
    r = tidy(() => lstmBackward(seq, tensors as LstmSavedTensors, dy, dhT, dcT));
  } else if (cell.kind === 'gru') {
    r = tidy(() => gruBackward(seq, cell.resetAfter, tensors as GruSavedTensors, dy, dhT));
  } else {
    r = tidy(() => rnnBackward(seq, tensors as RnnSavedTensors, dy, dhT));
  }
  const dh0 = new TfjsTensor(r.dh0);
  return {
    dx: new TfjsTensor(r.dx),
    dStates: r.dc0 === undefined ? [dh0] : [dh0, new TfjsTensor(r.dc0)],
    grads: new Map([
      ['weight_ih', new TfjsTensor(r.dWIh)],
      ['weight_hh', new TfjsTensor(r.dWHh)],
      ['bias_ih', new TfjsTensor(r.dBIh)],
      ['bias_hh', new TfjsTensor(r.dBHh)],
    ]),
  };
}
