// Export of a layer direction that no ONNX operator computes: a Scan over time whose body is the cell's
// traced step (export-trace.ts, export-step.ts). Lengths work as core's generic loop runs them: a mask
// m_t [B] (1 while t < length) keeps a padded step's states (s ← s + m ⊙ (s′ − s)) and zeroes its output
// (y_t = m ⊙ s′_0); the reverse direction scans t = T−1 … 0, so each sample starts at its last valid step.

import type { ExportStep } from './export-trace.js';
import { addStepNodes, dimsValue, symbolsFrom } from './export-step.js';
import { FLOAT, GraphBuilder } from './onnx-graph.js';

export interface ScanDirectionArgs {
  readonly step: ExportStep;
  /** Outer-graph names of the direction's parameters, by local name (`weight_ih`, ...). */
  readonly params: ReadonlyMap<string, string>;
  /** X: [T, B, ...input] time-major */
  readonly X: string;
  /** [T, B] float, 1 at valid steps; '' when there are no lengths */
  readonly mask: string;
  readonly reverse: boolean;
  /** Initial states in the cell's state order, each [B, ...state]; absent: zeros. */
  readonly initial?: readonly string[] | undefined;
}

/** Adds the Scan. Returns y: [T, B, ...state0] in time order and the final output s_0: [B, ...state0]. */
export function addScanDirection(g: GraphBuilder, a: ScanDirectionArgs): { y: string; final: string; states: string[] } {
  const { trace } = a.step;
  const stateInputs = trace.inputs.filter((i) => i.kind === 'state');
  const b = new GraphBuilder('step', `${g.fresh('scan')}_`);
  // Ranks (sizes unknown) on every body input and output: ORT's Scan needs each output's shape, which it
  // cannot infer through a Reshape to a computed shape without them.
  const unknown = (rank: number): null[] => new Array<null>(rank).fill(null);
  const states = stateInputs.map((s) => b.input(b.fresh(`state_${s.name}`), FLOAT, unknown(s.shape.length)));
  const xt = b.input(b.fresh('x_t'), FLOAT, unknown(trace.inputs.find((i) => i.kind === 'x')!.shape.length));
  const mt = a.mask ? b.input(b.fresh('mask_t'), FLOAT, [null]) : '';

  const named = new Map<number, string>();
  for (const i of trace.inputs) {
    if (i.kind === 'x') named.set(i.id, xt);
    else if (i.kind === 'state') named.set(i.id, states[stateInputs.indexOf(i)]!);
    else if (i.kind === 'param') {
      const p = a.params.get(i.name);
      if (p === undefined) throw new Error(`export: the step reads parameter '${i.name}', which the layer does not have`);
      named.set(i.id, p);
    }
  }
  const values = addStepNodes(b, a.step, named, symbolsFrom(b, xt, { batch: 0, height: 2, width: 3 }));
  const next = trace.states.map((id) => values.get(id)!);

  let out: string[];
  let y: string;
  if (a.mask) {
    // m_t: [B] → [B, 1, …] to broadcast over each state's per-sample axes
    const masks = new Map<number, string>();
    const maskOf = (rank: number): string => {
      let m = masks.get(rank);
      if (m === undefined) {
        m = rank === 1 ? mt : b.op('Unsqueeze', [mt, b.int64s(Array.from({ length: rank - 1 }, (_, k) => k + 1))]);
        masks.set(rank, m);
      }
      return m;
    };
    out = next.map((s1, j) => {
      const s0 = states[j]!;
      return b.op('Add', [s0, b.op('Mul', [maskOf(stateInputs[j]!.shape.length), b.op('Sub', [s1, s0])])]);
    });
    y = b.op('Mul', [maskOf(stateInputs[0]!.shape.length), next[0]!]);
  } else {
    out = next;
    y = next[0]!;
  }
  // Body outputs must be distinct values that are not body inputs: copy only where that is not so already.
  const seen = new Set<string>([...states, xt, mt]);
  const ranks = [...stateInputs.map((s) => s.shape.length), stateInputs[0]!.shape.length];
  [...out, y].forEach((s, k) => {
    b.output(seen.has(s) ? b.op('Identity', [s]) : s, FLOAT, unknown(ranks[k]!));
    seen.add(s);
  });

  // Zero initial states of each state's shape, with the run-time sizes read from X: [T, B, C, height, width].
  const zeros = (): string[] => {
    const zero = g.floats([0], []);
    const outer = symbolsFrom(g, a.X, { batch: 1, height: 3, width: 4 });
    return a.step.states.map((dims) => g.op('Expand', [zero, dimsValue(g, dims, outer)]));
  };
  const initial = a.initial ? [...a.initial] : zeros();
  const direction = a.reverse ? 1 : 0;
  const scanInputs = a.mask ? [a.X, a.mask] : [a.X];
  const outs = g.node('Scan', [...initial, ...scanInputs], states.length + 1, {
    num_scan_inputs: scanInputs.length,
    scan_input_directions: scanInputs.map(() => direction),
    scan_output_directions: [direction],
    body: { graph: b.graph() },
  });
  return { y: outs[states.length]!, final: outs[0]!, states: outs.slice(0, states.length) };
}
