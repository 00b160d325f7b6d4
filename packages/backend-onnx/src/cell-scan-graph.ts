// Whole-sequence ONNX graphs for any cell of core's catalogue: one Scan over time whose body is
// the cell's traced step (trace-graph.ts), forward and backward. They compute exactly what core's
// generic loop (recurrent-loop.ts) computes, in one session run instead of one call per primitive:
//
// forward, step t (t = 0 … T−1, or T−1 … 0 reversed), with masks only when some sample is short:
//   s′ = step(x_t, s);  s ← m_t ? s′ : s;  y_t = m_t ? s′_0 : 0   (m_t[b] = t < len_b)
// backward, the same steps in the opposite order, carrying dS (gradients of the states after t):
//   g_j = m_t ? dS_j (+ dy_t for j = 0) : 0;  r = step′(x_t, prev_t, cache_t, g)
//   dS_j ← m_t ? r.dStates_j : dS_j (padded steps pass dS through);  G_p += r.grads_p
// As in the generic loop, padded steps run on x_t = 0 and their dx is 0: padding may hold any
// values (the golden cases put ±1000 there, which drive minLSTM's f + i to 0 in float32). Masks
// select (Where) where the loop multiplies, so even NaN or ∞ in padded x or dy never reaches a
// result; on finite values the two agree up to rounding (s + m(s′ − s) against s′).
//
// Layouts: x: [B, T, ...input] and y, dy, dx likewise batch-major (Scan reads and writes axis 1);
// what forward keeps for backward (the states before each step, each step's cache) is time-major,
// [T, B, ...], Scan's cheapest layout. Parameters are read by the body from the outer graph.

import type { CellBackwardTrace, CellTrace, TraceInput } from '@rnnkit/core';
import { BOOL, FLOAT, GraphBuilder, INT32, type GraphProto } from './onnx-graph.js';
import { emitTrace } from './trace-graph.js';

/** The sizes one pair of graphs is built for. */
export interface CellScanShape {
  readonly B: number;
  readonly T: number;
  /** One sample's x_t: [I], or [C, H, W] for image cells. */
  readonly input: readonly number[];
  /** One sample's shape of each state, in the cell's state order. */
  readonly states: readonly (readonly number[])[];
  /** Every parameter, in the cell's order. */
  readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

export interface CellScanOptions {
  readonly reverse: boolean;
  /** Some sample is shorter than T: feed `lengths` and mask every step. */
  readonly masked: boolean;
}

/** Graph-level value names, shared by the graph builders and the kernel that feeds them. */
export const names = {
  x: 'x',
  y: 'y',
  dy: 'dy',
  dx: 'dx',
  lengths: 'lengths',
  /** The initial states (forward) */
  state: (j: number) => `state${j}`,
  /** The final states (forward) */
  finalState: (j: number) => `final_state${j}`,
  /** The states before each step, time-major [T, B, ...] (forward output, backward input) */
  prev: (j: number) => `prev${j}`,
  /** Each step's cache entry k, time-major (forward output, backward input) */
  cache: (k: number) => `cache${k}`,
  /** The gradients of the final states (backward input) */
  dFinal: (j: number) => `d_final_state${j}`,
  /** The gradients of the initial states (backward output) */
  dState: (j: number) => `d_state${j}`,
  param: (name: string) => `param_${name}`,
  grad: (name: string) => `grad_${name}`,
};

const dims = (B: number, T: number | undefined, shape: readonly number[]) => (T === undefined ? [B, ...shape] : [B, T, ...shape]);

/** m: [T, B] bool, true where t < lengths[b]. */
function maskOf(g: GraphBuilder, T: number): string {
  const steps = g.int32s(Array.from({ length: T }, (_, t) => t), [T, 1]);
  return g.op('Less', [steps, names.lengths]);
}

/** m_t: [B] as [B, 1, …] to broadcast over a value of per-sample rank `rank`. */
function broadcastMask(b: GraphBuilder, m: string, B: number, rank: number): string {
  return b.op('Reshape', [m, b.int64s([B, ...new Array<number>(rank).fill(1)])]);
}

/** m ? a : c, with `c` a value or the number 0. */
function select(b: GraphBuilder, m: string, a: string, c: string | 0): string {
  return b.op('Where', [m, a, c === 0 ? b.floats([0], []) : c]);
}

/** Trace inputs of one kind, in their order (states and cache entries by position). */
const inputsOf = (inputs: readonly TraceInput[], kind: TraceInput['kind']) => inputs.filter((i) => i.kind === kind);

/**
 * Body outputs must be distinct values produced inside the body (not a body input, not an outer
 * value such as a parameter): copy with Identity where a traced result is one of those.
 */
function bodyOutputs(b: GraphBuilder, values: readonly string[], notOwn: ReadonlySet<string>): string[] {
  const used = new Set<string>();
  return values.map((v) => {
    const out = used.has(v) || notOwn.has(v) ? b.op('Identity', [v]) : v;
    used.add(out);
    return out;
  });
}

/** A Scan node over `scans` (each with its axis), reading `states` first. Returns its output names. */
function scan(
  g: GraphBuilder,
  body: GraphBuilder,
  states: readonly string[],
  scans: readonly { readonly value: string; readonly axis: number }[],
  outputAxes: readonly number[],
  reverse: boolean,
): string[] {
  const dir = reverse ? 1 : 0;
  return g.node('Scan', [...states, ...scans.map((s) => s.value)], states.length + outputAxes.length, {
    num_scan_inputs: scans.length,
    scan_input_axes: scans.map((s) => s.axis),
    scan_input_directions: scans.map(() => dir),
    // Outputs stacked in the same direction, so they come out in original time order.
    ...(outputAxes.length > 0 ? { scan_output_axes: [...outputAxes], scan_output_directions: outputAxes.map(() => dir) } : {}),
    body: { graph: body.graph() },
  });
}

/**
 * Forward graph. Inputs: x: [B, T, ...input], state{j}: [B, ...state_j], param_{name} for every
 * parameter, lengths: [B] int32 (masked only). Outputs: y: [B, T, ...state_0], final_state{j};
 * when `training` also prev{j}: [T, B, ...state_j] and cache{k}: [T, ...cache_k] (per-step
 * shapes as traced, batch first).
 */
export function buildCellForwardGraph(trace: CellTrace, s: CellScanShape, o: CellScanOptions & { readonly training: boolean }): GraphProto {
  const { B, T } = s;
  const g = new GraphBuilder('cell_forward');
  g.input(names.x, FLOAT, dims(B, T, s.input));
  s.states.forEach((shape, j) => g.input(names.state(j), FLOAT, dims(B, undefined, shape)));
  for (const p of s.params) g.input(names.param(p.name), FLOAT, p.shape);
  if (o.masked) g.input(names.lengths, INT32, [B]);

  const b = new GraphBuilder('cell_forward_step', 'step_');
  const st = s.states.map((shape, j) => b.input(`step_state${j}`, FLOAT, dims(B, undefined, shape)));
  const xt = b.input('step_x', FLOAT, dims(B, undefined, s.input));
  const mt = o.masked ? b.input('step_mask', BOOL, [B]) : '';
  const m = o.masked ? s.states.map((shape) => broadcastMask(b, mt, B, shape.length)) : [];
  const x = o.masked ? select(b, broadcastMask(b, mt, B, s.input.length), xt, 0) : xt;

  const values = new Map<number, string>();
  const traceStates = inputsOf(trace.inputs, 'state');
  for (const i of trace.inputs) {
    if (i.kind === 'x') values.set(i.id, x);
    else if (i.kind === 'param') values.set(i.id, names.param(i.name));
    else if (i.kind === 'state') values.set(i.id, st[traceStates.indexOf(i)]!);
  }
  emitTrace(b, trace, values);
  const stepped = trace.states.map((id) => values.get(id)!);
  let next = stepped;
  let y = stepped[0]!;
  if (o.masked) {
    next = stepped.map((v, j) => select(b, m[j]!, v, st[j]!));
    y = select(b, m[0]!, stepped[0]!, 0);
  }
  const keep = o.training ? [...st, ...trace.cache.map((id) => values.get(id)!)] : [];
  const notOwn = new Set([...st, xt, mt, ...s.params.map((p) => names.param(p.name))]);
  const outs = bodyOutputs(b, [...next, y, ...keep], notOwn);
  outs.forEach((v) => b.output(v, FLOAT, null));

  const scans = [{ value: names.x, axis: 1 }, ...(o.masked ? [{ value: maskOf(g, T), axis: 0 }] : [])];
  const outputAxes = [1, ...keep.map(() => 0)];
  const r = scan(g, b, s.states.map((_, j) => names.state(j)), scans, outputAxes, o.reverse);
  const n = s.states.length;
  s.states.forEach((shape, j) => {
    g.node('Identity', [r[j]!], [names.finalState(j)]);
    g.output(names.finalState(j), FLOAT, dims(B, undefined, shape));
  });
  g.node('Identity', [r[n]!], [names.y]);
  g.output(names.y, FLOAT, dims(B, T, s.states[0]!));
  if (o.training) {
    s.states.forEach((_, j) => {
      g.node('Identity', [r[n + 1 + j]!], [names.prev(j)]);
      g.output(names.prev(j), FLOAT, null);
    });
    trace.cache.forEach((_, k) => {
      g.node('Identity', [r[2 * n + 1 + k]!], [names.cache(k)]);
      g.output(names.cache(k), FLOAT, null);
    });
  }
  return g.graph();
}

/**
 * Backward graph. Inputs: x, dy: [B, T, ...], prev{j}, cache{k} (time-major, as forward kept
 * them), d_final_state{j}: [B, ...state_j], param_{name}, lengths (masked only). Outputs:
 * dx: [B, T, ...input], d_state{j}: [B, ...state_j], grad_{name} for every parameter.
 */
export function buildCellBackwardGraph(trace: CellBackwardTrace, s: CellScanShape, o: CellScanOptions): GraphProto {
  const { B, T } = s;
  const n = s.states.length;
  const cacheInputs = inputsOf(trace.inputs, 'cache');
  const g = new GraphBuilder('cell_backward');
  g.input(names.x, FLOAT, dims(B, T, s.input));
  g.input(names.dy, FLOAT, dims(B, T, s.states[0]!));
  s.states.forEach((shape, j) => g.input(names.prev(j), FLOAT, [T, B, ...shape]));
  cacheInputs.forEach((c, k) => g.input(names.cache(k), FLOAT, [T, ...c.shape]));
  s.states.forEach((shape, j) => g.input(names.dFinal(j), FLOAT, dims(B, undefined, shape)));
  for (const p of s.params) g.input(names.param(p.name), FLOAT, p.shape);
  if (o.masked) g.input(names.lengths, INT32, [B]);

  const b = new GraphBuilder('cell_backward_step', 'step_');
  const dS = s.states.map((shape, j) => b.input(`step_dstate${j}`, FLOAT, dims(B, undefined, shape)));
  const acc = s.params.map((p) => b.input(`step_acc_${p.name}`, FLOAT, p.shape));
  const xt = b.input('step_x', FLOAT, dims(B, undefined, s.input));
  const dyt = b.input('step_dy', FLOAT, dims(B, undefined, s.states[0]!));
  const prev = s.states.map((shape, j) => b.input(`step_prev${j}`, FLOAT, dims(B, undefined, shape)));
  const cache = cacheInputs.map((c, k) => b.input(`step_cache${k}`, FLOAT, c.shape));
  const mt = o.masked ? b.input('step_mask', BOOL, [B]) : '';

  // The gradients reaching the step's outputs (none at padded steps), and x_t as forward saw it.
  const m = o.masked ? s.states.map((shape) => broadcastMask(b, mt, B, shape.length)) : [];
  const mx = o.masked ? broadcastMask(b, mt, B, s.input.length) : '';
  const x = o.masked ? select(b, mx, xt, 0) : xt;
  const dNext = s.states.map((_, j) => {
    const d = j === 0 ? b.op('Add', [dS[j]!, dyt]) : dS[j]!;
    return o.masked ? select(b, m[j]!, d, 0) : d;
  });

  const values = new Map<number, string>();
  const byKind = (kind: TraceInput['kind']) => inputsOf(trace.inputs, kind);
  for (const i of trace.inputs) {
    if (i.kind === 'x') values.set(i.id, x);
    else if (i.kind === 'param') values.set(i.id, names.param(i.name));
    else if (i.kind === 'state') values.set(i.id, prev[byKind('state').indexOf(i)]!);
    else if (i.kind === 'cache') values.set(i.id, cache[byKind('cache').indexOf(i)]!);
    else values.set(i.id, dNext[byKind('dState').indexOf(i)]!);
  }
  emitTrace(b, trace, values);
  // Padded steps pass the carried gradient straight through, and their dx is 0.
  const nextDS = trace.dStates.map((id, j) => (o.masked ? select(b, m[j]!, values.get(id)!, dS[j]!) : values.get(id)!));
  const dx = o.masked ? select(b, mx, values.get(trace.dx)!, 0) : values.get(trace.dx)!;
  const nextAcc = s.params.map((p, k) => {
    const id = trace.grads.get(p.name);
    if (id === undefined) throw new Error(`cell backward graph: the traced step returns no gradient for '${p.name}'`);
    return b.op('Add', [acc[k]!, values.get(id)!]);
  });
  const notOwn = new Set([...dS, ...acc, xt, dyt, ...prev, ...cache, mt, ...s.params.map((p) => names.param(p.name))]);
  bodyOutputs(b, [...nextDS, ...nextAcc, dx], notOwn).forEach((v) => b.output(v, FLOAT, null));

  // Zero accumulators (ConstantOfShape's default value is a float 0).
  const accInit = s.params.map((p) => g.op('ConstantOfShape', [g.int64s(p.shape)]));
  const scans = [
    { value: names.x, axis: 1 },
    { value: names.dy, axis: 1 },
    ...s.states.map((_, j) => ({ value: names.prev(j), axis: 0 })),
    ...cacheInputs.map((_, k) => ({ value: names.cache(k), axis: 0 })),
    ...(o.masked ? [{ value: maskOf(g, T), axis: 0 }] : []),
  ];
  // Backward visits the steps in the opposite order of forward.
  const r = scan(g, b, [...s.states.map((_, j) => names.dFinal(j)), ...accInit], scans, [1], !o.reverse);
  s.states.forEach((shape, j) => {
    g.node('Identity', [r[j]!], [names.dState(j)]);
    g.output(names.dState(j), FLOAT, dims(B, undefined, shape));
  });
  s.params.forEach((p, k) => {
    g.node('Identity', [r[n + k]!], [names.grad(p.name)]);
    g.output(names.grad(p.name), FLOAT, p.shape);
  });
  g.node('Identity', [r[n + s.params.length]!], [names.dx]);
  g.output(names.dx, FLOAT, dims(B, T, s.input));
  return g.graph();
}
