// A cell's step traced for export, where the batch size (and an image cell's frame height and width) is not
// known. Core's trace records concrete shapes; the step is traced at two sets of sizes, and a dimension that
// differs between them follows one of those sizes (k·B, k·height or k·width). Two things become values in
// the graph and need those symbols: a reshape's target shape and the zero initial states; every other op
// reads its shapes from its inputs at run time.

import { traceForwardStep, type CellConfig, type CellDefinition, type CellSizes, type CellTrace } from '@rnnkit/core';

/** What a symbolic dimension follows. */
export type ExportSymbol = 'batch' | 'height' | 'width';

/** A dimension: fixed, or `times`·(the size `of` names). */
export type ExportDim = number | { readonly of: ExportSymbol; readonly times: number };

export interface ExportStep {
  /** The step as traced at the first set of sizes. */
  readonly trace: CellTrace;
  /** Each state's full shape [B, ...], in state order. */
  readonly states: readonly (readonly ExportDim[])[];
  /** Each reshape node's target shape by node id. */
  readonly reshapes: ReadonlyMap<number, readonly ExportDim[]>;
}

/** Two sets of sizes that no cell's own sizes could confuse: distinct primes, none a multiple of another. */
const PROBES: readonly Readonly<Record<ExportSymbol, number>>[] = [
  { batch: 2, height: 5, width: 7 },
  { batch: 3, height: 11, width: 13 },
];

function sameStructure(a: CellTrace, b: CellTrace): boolean {
  if (a.nodes.length !== b.nodes.length || a.states.join() !== b.states.join() || a.inputs.length !== b.inputs.length) return false;
  return a.nodes.every((n, k) => {
    const m = b.nodes[k]!;
    return n.op === m.op && n.id === m.id && n.inputs.join() === m.inputs.join();
  });
}

/** Traces `def`'s forward step with symbolic batch (and frame) sizes. `where` prefixes errors. */
export async function traceExportStep(def: CellDefinition, cell: CellConfig, sizes: CellSizes, where: string): Promise<ExportStep> {
  const image = (def.inputRank ?? 1) === 3;
  const what = `${where}: the ${def.describe(cell)} step`;
  const [p1, p2] = PROBES as [Record<ExportSymbol, number>, Record<ExportSymbol, number>];
  const at = (p: Record<ExportSymbol, number>) =>
    traceForwardStep(def, cell, image ? { ...sizes, spatial: [p.height, p.width] } : { ...sizes, spatial: undefined }, p.batch);
  const t1 = await at(p1);
  const t2 = await at(p2);
  if (!sameStructure(t1, t2)) throw new Error(`${what} is not the same graph for every batch size, so it cannot be exported`);
  const symbols: readonly ExportSymbol[] = image ? ['batch', 'height', 'width'] : ['batch'];
  const dims = (s1: readonly number[], s2: readonly number[], kind: string): ExportDim[] => {
    if (s1.length !== s2.length) throw new Error(`${what}: a ${kind} changes rank with the batch size`);
    return s1.map((d, i): ExportDim => {
      const e = s2[i]!;
      if (d === e) return d;
      const of = symbols.find((s) => d % p1[s] === 0 && e === (d / p1[s]) * p2[s]);
      if (!of) throw new Error(`${what}: a ${kind} has a dimension that is no multiple of the batch size${image ? ' or the frame height or width' : ''}`);
      return { of, times: d / p1[of] };
    });
  };
  const reshapes = new Map<number, ExportDim[]>();
  t1.nodes.forEach((n, k) => {
    const m = t2.nodes[k]!;
    if (n.op === 'slice' && m.op === 'slice' && (n.axis !== m.axis || n.start !== m.start || n.size !== m.size)) {
      throw new Error(`${what} slices along an axis whose size is only known at run time`);
    }
    if (n.op === 'reshape') reshapes.set(n.id, dims(n.shape, m.shape, 'reshape'));
  });
  const states = t1.inputs.flatMap((s, k) => (s.kind === 'state' ? [dims(s.shape, t2.inputs[k]!.shape, 'state')] : []));
  return { trace: t1, states, reshapes };
}
