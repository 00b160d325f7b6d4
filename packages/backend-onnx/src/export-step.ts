// A traced cell step (export-trace.ts) as ONNX nodes for a Scan body whose batch size (and frame size) is
// only known at run time. Every primitive is translated by trace-graph.ts (the runtime's translation, so an
// exported step computes what the runtime's graphs compute), except reshape: its traced target shape holds
// the traced sizes, so here a size-following dimension is written as −1, or computed when there are several.

import { emitTraceNode } from './trace-graph.js';
import type { ExportDim, ExportStep, ExportSymbol } from './export-trace.js';
import type { GraphBuilder } from './onnx-graph.js';

/** A symbolic size as a [1] int64 value of the graph being built. */
export type SymbolValue = (of: ExportSymbol) => string;

/** `dims` as a [rank] int64 value: constant where they are, products of symbols where not. */
export function dimsValue(g: GraphBuilder, dims: readonly ExportDim[], symbol: SymbolValue): string {
  if (dims.every((d) => typeof d === 'number')) return g.int64s(dims as number[]);
  const parts = dims.map((d) =>
    typeof d === 'number' ? g.int64s([d]) : d.times === 1 ? symbol(d.of) : g.op('Mul', [symbol(d.of), g.int64s([d.times])]),
  );
  return g.op('Concat', parts, { axis: 0 });
}

/** Reads each symbol once, from `of`'s axis of the value `source` on first use. */
export function symbolsFrom(g: GraphBuilder, source: string, axes: Readonly<Record<ExportSymbol, number>>): SymbolValue {
  const made = new Map<ExportSymbol, string>();
  return (of) => {
    let v = made.get(of);
    if (v === undefined) {
      v = g.op('Shape', [source], { start: axes[of], end: axes[of] + 1 });
      made.set(of, v);
    }
    return v;
  };
}

/**
 * Adds the nodes of `step` to `body`. `inputs` names the trace's inputs (x_t, states, parameters) by id;
 * returns every traced value's name by id (inputs included).
 */
export function addStepNodes(body: GraphBuilder, step: ExportStep, inputs: ReadonlyMap<number, string>, symbol: SymbolValue): Map<number, string> {
  const { trace } = step;
  const values = new Map(inputs);
  const shapes = new Map<number, readonly number[]>();
  for (const i of trace.inputs) shapes.set(i.id, i.shape);
  for (const n of trace.nodes) shapes.set(n.id, n.shape);
  for (const n of trace.nodes) {
    const ins = n.inputs.map((id) => {
      const name = values.get(id);
      if (name === undefined) throw new Error(`export: step node ${n.id} (${n.op}) reads value ${id}, which has no graph value`);
      return name;
    });
    const dims = n.op === 'reshape' ? step.reshapes.get(n.id) : undefined;
    values.set(n.id, dims ? body.op('Reshape', [ins[0]!, reshapeTarget(body, dims, symbol)]) : emitTraceNode(body, n, ins, (id) => shapes.get(id)!));
  }
  return values;
}

/** Reshape infers one −1 dimension itself: computed sizes only when several dims follow the run-time sizes. */
function reshapeTarget(g: GraphBuilder, dims: readonly ExportDim[], symbol: SymbolValue): string {
  if (dims.filter((d) => typeof d !== 'number').length <= 1) return g.int64s(dims.map((d) => (typeof d === 'number' ? d : -1)));
  return dimsValue(g, dims, symbol);
}
