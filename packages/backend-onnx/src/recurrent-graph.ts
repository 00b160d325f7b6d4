// ONNX graphs for one recurrent layer direction.
//
// Forward (inference and training): the native LSTM/GRU/RNN operator, one node, `layout = 0` (time-major)
// with explicit Transposes for batch-first x, no `clip` attribute (it pushes ORT's CUDA provider off the op).
// PyTorch-layout weights are fed as they are and reordered to ONNX gate order inside the graph.
//
// Backward: ORT has no training in Node, so the graph is written out here. The native op's y holds every
// h_t, so everything that is not a recurrence is batched over the whole sequence:
//   - gate pre-activations: one MatMul over X and one over [h_0 … h_{T−1}];
//   - LSTM cell states c_t: a forward Scan with element-wise work only;
//   - the dh (and dc) recurrence: a reverse-time Scan with one small MatMul per step (two for GRU reset-before);
//   - weight gradients: single MatMuls over the whole sequence (dW_hh = Σ_t dgates_tᵀ h_{t−1}).
// Measured here: Scan costs about 1.4 µs per iteration plus ~1–2 µs per body node, negligible beside the MatMuls.
//
// Lengths: mask m[t, b] = t < len_b. Padded steps carry the state through unchanged and get zero gate
// gradients. The reverse direction is handled by reversing each sample's valid prefix (ReverseSequence),
// running the forward-direction backward, and reversing dx back.

import { gateCount } from '@rnnkit/core';
import { FLOAT, GraphBuilder, INT32, INT64, type GraphProto } from './onnx-graph.js';

/**
 * What the graphs read of a cell: its kind and the options that change its equations. Core's
 * normalised cells (`{ kind: 'lstm', unitForgetBias }`, ...) fit; LSTM's init-only option is ignored.
 */
export type { GraphCell } from './graph-cell.js';
import type { GraphCell } from './graph-cell.js';

/** The cell as part of a session key: one graph per set of equations. */
export function graphCellKey(cell: GraphCell): string {
  switch (cell.kind) {
    case 'rnn':
      return `rnn(${cell.nonlinearity})`;
    case 'lstm':
      return 'lstm';
    case 'gru':
      return cell.resetAfter ? 'gru(resetAfter)' : 'gru(resetBefore)';
  }
}

export interface RecurrentShape {
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
}

/** ONNX gate order as indices of PyTorch's gate blocks: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h. */
export function onnxGateOrder(kind: GraphCell['kind']): readonly number[] {
  switch (kind) {
    case 'lstm':
      return [0, 3, 1, 2];
    case 'gru':
      return [1, 0, 2];
    case 'rnn':
      return [0];
  }
}

/** Reorder the G gate blocks along axis 0 of `t` (PyTorch → ONNX order). */
export function reorderBlocks(g: GraphBuilder, t: string, cell: GraphCell): string {
  const order = onnxGateOrder(cell.kind);
  if (order.length === 1) return t;
  const parts = g.node('Split', [t], order.length, { axis: 0 });
  return g.op('Concat', order.map((k) => parts[k] as string), { axis: 0 });
}

/** rnnkit's peephole weights [3H], blocks i, f, o, in ONNX's P order i, o, f. */
export function peepholeToOnnx(g: GraphBuilder, p: string): string {
  const [i, f, o] = g.node('Split', [p], 3, { axis: 0 }) as [string, string, string];
  return g.op('Concat', [i, o, f], { axis: 0 });
}

/**
 * The native op. X: [T, B, I]; W: [1, G·H, I]; R: [1, G·H, H]; Bias: [1, 2·G·H]; seqLens: [B] int32 (or '');
 * h0u/c0u: [1, B, H] (or ''); P (LSTM peepholes, optional): [1, 3H] in ONNX order i, o, f.
 * Returns Y: [T, 1, B, H], Yh/Yc: [1, B, H].
 */
export function addRecurrentNode(
  g: GraphBuilder,
  cell: GraphCell,
  H: number,
  reverse: boolean,
  inputs: { X: string; W: string; R: string; Bias: string; seqLens: string; h0u: string; c0u: string; P?: string | undefined },
): { Y: string; Yh: string; Yc: string } {
  const attrs: Record<string, number | string | { strings: readonly string[] }> = {
    hidden_size: H,
    direction: reverse ? 'reverse' : 'forward',
  };
  if (cell.kind === 'gru') attrs.linear_before_reset = cell.resetAfter ? 1 : 0;
  if (cell.kind === 'rnn' && cell.nonlinearity === 'relu') attrs.activations = { strings: ['Relu'] };
  const ins = [inputs.X, inputs.W, inputs.R, inputs.Bias, inputs.seqLens, inputs.h0u];
  if (cell.kind === 'lstm') ins.push(inputs.c0u);
  if (cell.kind === 'lstm' && inputs.P) ins.push(inputs.P);
  const op = cell.kind === 'lstm' ? 'LSTM' : cell.kind === 'gru' ? 'GRU' : 'RNN';
  const outs = g.node(op, ins, cell.kind === 'lstm' ? 3 : 2, attrs);
  return { Y: outs[0] as string, Yh: outs[1] as string, Yc: outs[2] ?? '' };
}

/**
 * Forward graph. Inputs x: [B, T, I], w_ih: [G·H, I], w_hh: [G·H, H], b_ih, b_hh: [G·H], h0: [B, H],
 * c0: [B, H] (LSTM), lengths: [B] int32, w_peephole: [3H] (peephole LSTM: rnnkit's blocks i, f, o).
 * Outputs y: [B, T, H], h_t: [B, H], c_t: [B, H] (LSTM).
 */
export function buildForwardGraph(cell: GraphCell, s: RecurrentShape, reverse: boolean, peephole = false): GraphProto {
  const { B, T, I, H } = s;
  const GH = gateCount(cell.kind) * H;
  const g = new GraphBuilder('recurrent_forward');
  g.input('x', FLOAT, [B, T, I]);
  g.input('w_ih', FLOAT, [GH, I]);
  g.input('w_hh', FLOAT, [GH, H]);
  g.input('b_ih', FLOAT, [GH]);
  g.input('b_hh', FLOAT, [GH]);
  g.input('h0', FLOAT, [B, H]);
  if (cell.kind === 'lstm') g.input('c0', FLOAT, [B, H]);
  g.input('lengths', INT32, [B]);
  if (peephole) g.input('w_peephole', FLOAT, [3 * H]);
  const axis0 = g.int64s([0]);
  const X = g.op('Transpose', ['x'], { perm: [1, 0, 2] });
  const W = g.op('Unsqueeze', [reorderBlocks(g, 'w_ih', cell), axis0]);
  const R = g.op('Unsqueeze', [reorderBlocks(g, 'w_hh', cell), axis0]);
  const bias = g.op('Concat', [reorderBlocks(g, 'b_ih', cell), reorderBlocks(g, 'b_hh', cell)], { axis: 0 });
  const Bias = g.op('Unsqueeze', [bias, axis0]);
  const h0u = g.op('Unsqueeze', ['h0', axis0]);
  const c0u = cell.kind === 'lstm' ? g.op('Unsqueeze', ['c0', axis0]) : '';
  const P = peephole ? g.op('Unsqueeze', [peepholeToOnnx(g, 'w_peephole'), axis0]) : undefined;
  const { Y, Yh, Yc } = addRecurrentNode(g, cell, H, reverse, { X, W, R, Bias, seqLens: 'lengths', h0u, c0u, P });
  const Ys = g.op('Squeeze', [Y, g.int64s([1])]);
  g.node('Transpose', [Ys], ['y'], { perm: [1, 0, 2] });
  g.node('Squeeze', [Yh, axis0], ['h_t']);
  g.output('y', FLOAT, [B, T, H]);
  g.output('h_t', FLOAT, [B, H]);
  if (cell.kind === 'lstm') {
    g.node('Squeeze', [Yc, axis0], ['c_t']);
    g.output('c_t', FLOAT, [B, H]);
  }
  return g.graph();
}

/**
 * Backward graph. Inputs: the forward's x: [B, T, I], y: [B, T, H], h0, c0 (LSTM): [B, H], lengths: [B] int32,
 * weights as in the forward, dy: [B, T, H], dh_t, dc_t (LSTM): [B, H].
 * Outputs: dx: [B, T, I], dh0, dc0 (LSTM): [B, H], dw_ih: [G·H, I], dw_hh: [G·H, H], db_ih, db_hh: [G·H].
 * `masked` false builds the graph for batches without padding (every length T): no mask arithmetic at all.
 */
export function buildBackwardGraph(cell: GraphCell, s: RecurrentShape, reverse: boolean, masked: boolean): GraphProto {
  const { B, T, I, H } = s;
  const GH = gateCount(cell.kind) * H;
  const lstm = cell.kind === 'lstm';
  const g = new GraphBuilder('recurrent_backward');
  g.input('x', FLOAT, [B, T, I]);
  g.input('y', FLOAT, [B, T, H]);
  g.input('h0', FLOAT, [B, H]);
  if (lstm) g.input('c0', FLOAT, [B, H]);
  g.input('lengths', INT32, [B]);
  g.input('w_ih', FLOAT, [GH, I]);
  g.input('w_hh', FLOAT, [GH, H]);
  g.input('b_ih', FLOAT, [GH]);
  g.input('b_hh', FLOAT, [GH]);
  g.input('dy', FLOAT, [B, T, H]);
  g.input('dh_t', FLOAT, [B, H]);
  if (lstm) g.input('dc_t', FLOAT, [B, H]);
  const r = addBackwardNodes(g, cell, s, reverse, masked, false, {
    x: 'x', y: 'y', h0: 'h0', c0: lstm ? 'c0' : '', lengths: 'lengths', w_ih: 'w_ih', w_hh: 'w_hh', b_ih: 'b_ih', b_hh: 'b_hh', dy: 'dy', dh_t: 'dh_t', dc_t: lstm ? 'dc_t' : '',
  });
  g.node('Identity', [r.dx], ['dx']);
  g.node('Identity', [r.dh0], ['dh0']);
  g.output('dx', FLOAT, [B, T, I]);
  g.output('dh0', FLOAT, [B, H]);
  if (lstm) {
    g.node('Identity', [r.dc0], ['dc0']);
    g.output('dc0', FLOAT, [B, H]);
  }
  for (const k of ['dw_ih', 'dw_hh', 'db_ih', 'db_hh'] as const) g.node('Identity', [r[k]], [k]);
  g.output('dw_ih', FLOAT, [GH, I]);
  g.output('dw_hh', FLOAT, [GH, H]);
  g.output('db_ih', FLOAT, [GH]);
  g.output('db_hh', FLOAT, [GH]);
  return g.graph();
}

/** Value names a backward reads in its graph; '' for dy means zero (a layer whose sequence output is unused). */
export interface BackwardInputs {
  /** x: [B, T, I] and y: [B, T, H] ([T, B, ·] when time-major) */
  readonly x: string;
  readonly y: string;
  /** h0, c0 (LSTM; else ''): [B, H] */
  readonly h0: string;
  readonly c0: string;
  /** lengths: [B] int32 */
  readonly lengths: string;
  readonly w_ih: string;
  readonly w_hh: string;
  readonly b_ih: string;
  readonly b_hh: string;
  /** dy: like y, or '' (zero) */
  readonly dy: string;
  /** dh_t, dc_t (LSTM; else ''): [B, H] */
  readonly dh_t: string;
  readonly dc_t: string;
}

export interface BackwardOutputs {
  /** dx: [B, T, I] ([T, B, I] when time-major); dh0, dc0 ('' unless LSTM): [B, H]; the weight gradients in PyTorch layout */
  readonly dx: string;
  readonly dh0: string;
  readonly dc0: string;
  readonly dw_ih: string;
  readonly dw_hh: string;
  readonly db_ih: string;
  readonly db_hh: string;
}

/**
 * The backward of one layer direction as nodes of `g` (the whole-step graphs embed it; buildBackwardGraph
 * wraps it). `timeMajorIO`: x, y, dy come and dx goes as [T, B, ·] (no Transposes).
 */
export function addBackwardNodes(
  g: GraphBuilder,
  cell: GraphCell,
  s: RecurrentShape,
  reverse: boolean,
  masked: boolean,
  timeMajorIO: boolean,
  io: BackwardInputs,
): BackwardOutputs {
  const { B, T, I, H } = s;
  const G = gateCount(cell.kind);
  const GH = G * H;
  const hasDy = io.dy !== '';
  const one = g.floats([1], []);
  const axis0 = g.int64s([0]);
  const mul = (a: string, b: string): string => g.op('Mul', [a, b]);
  const add = (a: string, b: string): string => g.op('Add', [a, b]);
  const sub = (a: string, b: string): string => g.op('Sub', [a, b]);
  const oneMinus = (a: string): string => sub(one, a);
  const sigmoidDeriv = (s_: string): string => mul(s_, oneMinus(s_)); // σ' from σ
  const tanhDeriv = (t_: string): string => oneMinus(mul(t_, t_)); // tanh' from tanh

  // Time-major, and for the reverse direction each sample's valid prefix reversed, so that what follows is
  // always the forward-direction backward pass.
  const lengths64 = g.op('Cast', [io.lengths], { to: INT64 });
  const timeMajor = (t: string): string => {
    const tm = timeMajorIO ? t : g.op('Transpose', [t], { perm: [1, 0, 2] });
    return reverse ? g.op('ReverseSequence', [tm, lengths64], { batch_axis: 1, time_axis: 0 }) : tm;
  };
  const X = timeMajor(io.x); // [T, B, I]
  const Y = timeMajor(io.y); // [T, B, H]
  const M = masked
    ? g.op('Unsqueeze', [
        g.op('Cast', [g.op('Less', [g.int32s(Array.from({ length: T }, (_, t) => t), [T, 1]), io.lengths])], { to: FLOAT }),
        g.int64s([2]),
      ])
    : ''; // [T, B, 1]: 1 at valid steps
  const NM = masked ? oneMinus(M) : '';
  /** Zero at padded steps. */
  const valid = (a: string): string => (masked ? mul(a, M) : a);
  /** `a` at valid steps, 1 at padded ones (the state is carried through unchanged). */
  const carry = (a: string): string => (masked ? add(mul(a, M), NM) : a);
  const maskSeq = masked ? [NM] : [];
  const dY = hasDy ? valid(timeMajor(io.dy)) : ''; // padded outputs are constant 0: their dy never counts
  /** dh_t + dy_t in a Scan body, or dh_t alone when dy is zero. */
  const plusDy = (b: GraphBuilder, dh: string, dy: string | undefined): string => (dy === undefined ? dh : b.op('Add', [dh, dy]));
  const dYs = hasDy ? [dY] : [];
  const h0u = g.op('Unsqueeze', [io.h0, axis0]);
  const Hprev =
    T === 1 ? h0u : g.op('Concat', [h0u, g.op('Slice', [Y, g.int64s([0]), g.int64s([T - 1]), axis0])], { axis: 0 }); // [T, B, H]

  // Gate pre-activations for every step at once, PyTorch gate order.
  // GRU needs the input and hidden parts apart (n gate); LSTM and RNN only their sum, which is one MatMul
  // over [x_t ‖ h_{t−1}], whose gradient dGᵀ [X ‖ H_prev] likewise gives dW_ih ‖ dW_hh in one Gemm.
  const fused = cell.kind !== 'gru';
  const XH = fused ? g.op('Concat', [X, Hprev], { axis: 2 }) : ''; // [T, B, I + H]
  const preActivation = (): string =>
    add(
      g.op('MatMul', [XH, g.op('Transpose', [g.op('Concat', [io.w_ih, io.w_hh], { axis: 1 })], { perm: [1, 0] })]),
      add(io.b_ih, io.b_hh),
    ); // [T, B, GH]
  const Ax = fused ? '' : add(g.op('MatMul', [X, g.op('Transpose', [io.w_ih], { perm: [1, 0] })]), io.b_ih); // [T, B, GH]
  const Ah = fused ? '' : add(g.op('MatMul', [Hprev, g.op('Transpose', [io.w_hh], { perm: [1, 0] })]), io.b_hh);

  let dGi: string; // [T, B, GH] gradients of the input-side pre-activations (masked)
  let dGh: string; // [T, B, GH] gradients of the hidden-side pre-activations, paired with H_prev (r ⊙ H_prev for the reset-before n block)
  let dh0: string;
  let dc0 = '';
  let dWhh: string | undefined;

  if (cell.kind === 'lstm') {
    const [ai, af, ag, ao] = g.node('Split', [preActivation()], 4, { axis: 2 }) as [string, string, string, string];
    const i = g.op('Sigmoid', [ai]);
    const f = g.op('Sigmoid', [af]);
    const gg = g.op('Tanh', [ag]);
    const o = g.op('Sigmoid', [ao]);
    // c_t = f c_{t−1} + i g at valid steps, carried through at padded ones.
    const Fm = carry(f);
    const IGm = valid(mul(i, gg));
    const [, C] = scanWith(g, [io.c0], [Fm, IGm], false, (b, [c], [fm, igm]) => {
      const cNext = b.op('Add', [b.op('Mul', [c as string, fm as string]), igm as string]);
      return { states: [cNext], outputs: [cNext] };
    }) as [string, string];
    // c_{t−1} for every step, built once outside the Scan rather than copied out of it step by step.
    const c0u = g.op('Unsqueeze', [io.c0, axis0]);
    const Cprev = T === 1 ? c0u : g.op('Concat', [c0u, g.op('Slice', [C, g.int64s([0]), g.int64s([T - 1]), axis0])], { axis: 0 });
    const tc = g.op('Tanh', [C]);
    // Everything the step needs that does not depend on the recurrence, masked, precomputed in batch.
    const Do = valid(mul(o, tanhDeriv(tc))); // dc += dh · o · tanh'(c)
    const Kao = valid(mul(tc, sigmoidDeriv(o))); // dao = dh · tanh(c) · σ'(o)
    // dai, daf, dag = dc times these (kept apart: one Concat per step is cheaper than a [T, B, 3H] one)
    const Ki = valid(mul(gg, sigmoidDeriv(i)));
    const Kf = valid(mul(Cprev, sigmoidDeriv(f)));
    const Kg = valid(mul(i, tanhDeriv(gg)));
    const [dhOut, dcOut, dA] = scanWith(
      g,
      [io.dh_t, io.dc_t],
      [Do, Kao, Ki, Kf, Kg, Fm, ...maskSeq, ...dYs],
      true,
      (b, [dh, dc], [dO, kao, ki, kf, kg, fm, ...rest]) => {
        const nm = masked ? rest[0] : undefined;
        const dht = plusDy(b, dh as string, hasDy ? rest[rest.length - 1] : undefined);
        const dct = b.op('Add', [dc as string, b.op('Mul', [dht, dO as string])]);
        const dAt = b.op(
          'Concat',
          [b.op('Mul', [dct, ki as string]), b.op('Mul', [dct, kf as string]), b.op('Mul', [dct, kg as string]), b.op('Mul', [dht, kao as string])],
          { axis: 1 },
        );
        const dhPrev = carryThrough(b, b.op('MatMul', [dAt, io.w_hh]), dht, nm);
        const dcPrev = b.op('Mul', [dct, fm as string]);
        return { states: [dhPrev, dcPrev], outputs: [dAt] };
      },
    ) as [string, string, string];
    dGi = dA;
    dGh = dA;
    dh0 = dhOut;
    dc0 = dcOut;
  } else if (cell.kind === 'gru') {
    const [axr, axz, axn] = g.node('Split', [Ax], 3, { axis: 2 }) as [string, string, string];
    const [ahr, ahz, ahn] = g.node('Split', [Ah], 3, { axis: 2 }) as [string, string, string];
    const r = g.op('Sigmoid', [add(axr, ahr)]);
    const z = g.op('Sigmoid', [add(axz, ahz)]);
    const Zp = carry(z); // direct path dh_{t−1} += dh · z (carry-through at padded steps)
    if (cell.resetAfter) {
      const n = g.op('Tanh', [add(axn, mul(r, ahn))]);
      // Every pre-activation gradient is dh times a factor known before the recurrence.
      const Kn = valid(mul(oneMinus(z), tanhDeriv(n))); // dan = dh · Kn
      const Kz = valid(mul(sub(Hprev, n), sigmoidDeriv(z))); // daz
      const Kr = mul(mul(Kn, ahn), sigmoidDeriv(r)); // dar
      const Khn = mul(Kn, r); // d(W_hn h + b_hn)
      // Per-step Concats of [B, H] pieces are cheaper than [T, B, 3H] ones up front.
      const [dhOut, dI, dH] = scanWith(g, [io.dh_t], [Kr, Kz, Kn, Khn, Zp, ...dYs], true, (b, [dh], [kr, kz, kn, khn, zp, dy]) => {
        const dht = plusDy(b, dh as string, dy);
        const dar = b.op('Mul', [dht, kr as string]);
        const daz = b.op('Mul', [dht, kz as string]);
        const dGhT = b.op('Concat', [dar, daz, b.op('Mul', [dht, khn as string])], { axis: 1 });
        const dGiT = b.op('Concat', [dar, daz, b.op('Mul', [dht, kn as string])], { axis: 1 });
        const dhPrev = b.op('Add', [b.op('MatMul', [dGhT, io.w_hh]), b.op('Mul', [dht, zp as string])]);
        return { states: [dhPrev], outputs: [dGiT, dGhT] };
      }) as [string, string, string];
      dGi = dI;
      dGh = dH;
      dh0 = dhOut;
    } else {
      // n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
      const [wHrz, wHn] = g.node('Split', [io.w_hh, g.int64s([2 * H, H])], 2, { axis: 0 }) as [string, string];
      const [bHrz, bHn] = g.node('Split', [io.b_hh, g.int64s([2 * H, H])], 2, { axis: 0 }) as [string, string];
      void bHrz; // b_hr, b_hz are already inside Ah
      const Q = mul(r, Hprev); // [T, B, H]
      const u = add(g.op('MatMul', [Q, g.op('Transpose', [wHn], { perm: [1, 0] })]), bHn);
      const n = g.op('Tanh', [add(axn, u)]);
      const Kn = valid(mul(oneMinus(z), tanhDeriv(n)));
      const Kz = valid(mul(sub(Hprev, n), sigmoidDeriv(z)));
      const Kq = mul(Hprev, sigmoidDeriv(r)); // dar = dq · Kq, dq = dan · W_hn
      const [dhOut, dI] = scanWith(g, [io.dh_t], [Kn, Kz, Kq, r, Zp, ...dYs], true, (b, [dh], [kn, kz, kq, rr, zp, dy]) => {
        const dht = plusDy(b, dh as string, dy);
        const dan = b.op('Mul', [dht, kn as string]);
        const daz = b.op('Mul', [dht, kz as string]);
        const dq = b.op('MatMul', [dan, wHn]);
        const dar = b.op('Mul', [dq, kq as string]);
        const dhPrev = b.op('Sum', [
          b.op('MatMul', [b.op('Concat', [dar, daz], { axis: 1 }), wHrz]),
          b.op('Mul', [dq, rr as string]),
          b.op('Mul', [dht, zp as string]),
        ]);
        return { states: [dhPrev], outputs: [b.op('Concat', [dar, daz, dan], { axis: 1 })] };
      }) as [string, string];
      dGi = dI;
      dGh = dI;
      dh0 = dhOut;
      // dW_hh: rows r, z pair with h_{t−1}; rows n pair with r ⊙ h_{t−1}.
      const flat = (t: string, w: number): string => g.op('Reshape', [t, g.int64s([T * B, w])]);
      const [dRZ, dN] = g.node('Split', [flat(dI, GH), g.int64s([2 * H, H])], 2, { axis: 1 }) as [string, string];
      dWhh = g.op('Concat', [
        g.op('Gemm', [dRZ, flat(Hprev, H)], { transA: 1 }),
        g.op('Gemm', [dN, flat(Q, H)], { transA: 1 }),
      ], { axis: 0 });
    }
  } else {
    const h = g.op(cell.nonlinearity === 'tanh' ? 'Tanh' : 'Relu', [preActivation()]);
    const deriv =
      cell.nonlinearity === 'tanh' ? tanhDeriv(h) : g.op('Cast', [g.op('Greater', [h, g.floats([0], [])])], { to: FLOAT });
    const Kd = valid(deriv);
    const [dhOut, dA] = scanWith(g, [io.dh_t], [Kd, ...maskSeq, ...dYs], true, (b, [dh], [kd, ...rest]) => {
      const nm = masked ? rest[0] : undefined;
      const dht = plusDy(b, dh as string, hasDy ? rest[rest.length - 1] : undefined);
      const da = b.op('Mul', [dht, kd as string]);
      const dhPrev = carryThrough(b, b.op('MatMul', [da, io.w_hh]), dht, nm);
      return { states: [dhPrev], outputs: [da] };
    }) as [string, string];
    dGi = dA;
    dGh = dA;
    dh0 = dhOut;
  }
  // Whole-sequence weight gradients and dx.
  const flat = (t: string, w: number): string => g.op('Reshape', [t, g.int64s([T * B, w])]);
  const dGiF = flat(dGi, GH);
  const dGhF = dGh === dGi ? dGiF : flat(dGh, GH);
  let dw_ih: string, dw_hh: string, db_ih: string, db_hh: string;
  if (fused) {
    const dW = g.op('Gemm', [dGiF, flat(XH, I + H)], { transA: 1 }); // [GH, I + H]
    [dw_ih, dw_hh] = g.node('Split', [dW, g.int64s([I, H])], 2, { axis: 1 }) as [string, string];
    db_ih = g.op('ReduceSum', [dGiF, axis0], { keepdims: 0 });
    db_hh = db_ih;
  } else {
    dw_ih = g.op('Gemm', [dGiF, flat(X, I)], { transA: 1 });
    dw_hh = dWhh ?? g.op('Gemm', [dGhF, flat(Hprev, H)], { transA: 1 });
    db_ih = g.op('ReduceSum', [dGiF, axis0], { keepdims: 0 });
    db_hh = g.op('ReduceSum', [dGhF, axis0], { keepdims: 0 });
  }
  let dX = g.op('MatMul', [dGi, io.w_ih]); // [T, B, I]
  if (reverse) dX = g.op('ReverseSequence', [dX, lengths64], { batch_axis: 1, time_axis: 0 });
  const dx = timeMajorIO ? dX : g.op('Transpose', [dX], { perm: [1, 0, 2] });
  return { dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh };
}

/**
 * Add a Scan node to `g`. `build` receives the body's state and per-step input names and returns the body's
 * next states and per-step outputs. reverseTime scans (and stacks outputs) from the last step to the first,
 * so outputs stay in time order. Returns final states, then stacked outputs.
 */
function scanWith(
  g: GraphBuilder,
  initial: readonly string[],
  sequences: readonly string[],
  reverseTime: boolean,
  build: (b: GraphBuilder, states: readonly string[], steps: readonly string[]) => { states: string[]; outputs: string[] },
): string[] {
  const b = new GraphBuilder('step', `${g.fresh('scan')}_`);
  const st = initial.map((_, k) => b.input(b.fresh(`state${k}`), FLOAT, null));
  const sq = sequences.map((_, k) => b.input(b.fresh(`seq${k}`), FLOAT, null));
  const r = build(b, st, sq);
  // Body outputs must be distinct values that are not body inputs: copy only where that is not so already.
  const seen = new Set<string>([...st, ...sq]);
  for (const v of [...r.states, ...r.outputs]) {
    b.output(seen.has(v) ? b.op('Identity', [v]) : v, FLOAT, null);
    seen.add(v);
  }
  return g.node('Scan', [...initial, ...sequences], initial.length + r.outputs.length, {
    num_scan_inputs: sequences.length,
    scan_input_directions: sequences.map(() => (reverseTime ? 1 : 0)),
    ...(r.outputs.length > 0 ? { scan_output_directions: r.outputs.map(() => (reverseTime ? 1 : 0)) } : {}),
    body: { graph: b.graph() },
  });
}

/** dh_{t−1} = `fromStep` at valid steps; at padded steps (nm = 1) dh passes through unchanged. */
function carryThrough(b: GraphBuilder, fromStep: string, dht: string, nm: string | undefined): string {
  return nm === undefined ? fromStep : b.op('Add', [fromStep, b.op('Mul', [dht, nm])]);
}
