// Tracing a cell's step into a graph. A step only calls its `CellOps` and never reads a value, so
// running it on symbolic tensors records the whole step: the nodes a backend needs to build one
// fused graph (an ONNX Scan/Loop body, a WebGL program) or to export any cell.
import type { Activation, Tensor } from './backend.js';
import type { CellConfig, CellDefinition, CellOps, CellSizes } from './cells/cell.js';

/** A primitive call in a traced step: `op` with its inputs (node ids) and attributes. */
export type TraceNode =
  | { readonly id: number; readonly op: 'matmul'; readonly inputs: readonly [number, number]; readonly transposeA: boolean; readonly transposeB: boolean; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'add' | 'sub' | 'mul' | 'addRow'; readonly inputs: readonly [number, number]; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'sumRows'; readonly inputs: readonly [number]; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'affine'; readonly inputs: readonly [number]; readonly scale: number; readonly shift: number; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'activation'; readonly inputs: readonly [number]; readonly f: Activation; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'activationGrad'; readonly inputs: readonly [number, number]; readonly f: Activation; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'slice'; readonly inputs: readonly [number]; readonly axis: number; readonly start: number; readonly size: number; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'concat'; readonly inputs: readonly number[]; readonly axis: number; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'reshape'; readonly inputs: readonly [number]; readonly shape: readonly number[] };

/** A graph input: x_t, a state (by index) or a parameter (by local name), with its shape. */
export interface TraceInput {
  readonly id: number;
  readonly kind: 'x' | 'state' | 'param';
  readonly name: string;
  readonly shape: readonly number[];
}

export interface CellTrace {
  readonly inputs: readonly TraceInput[];
  /** In execution order; every input of a node is a graph input or an earlier node. */
  readonly nodes: readonly TraceNode[];
  /** Node (or input) ids of the next states and of the cache backward would keep. */
  readonly states: readonly number[];
  readonly cache: readonly number[];
}

interface Symbol extends Tensor {
  readonly id: number;
}

class TracingOps implements CellOps {
  readonly nodes: TraceNode[] = [];
  private next: number;

  constructor(first: number) {
    this.next = first;
  }

  private emit(node: TraceNode extends infer N ? (N extends TraceNode ? Omit<N, 'id'> : never) : never): Symbol {
    const id = this.next++;
    this.nodes.push({ ...node, id } as TraceNode);
    return { id, shape: node.shape, dtype: 'float32' };
  }

  private static id(t: Tensor): number {
    const id = (t as Partial<Symbol>).id;
    if (id === undefined) throw new Error('trace: a step used a tensor that is not part of the trace (a constant created outside ops?)');
    return id;
  }

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean) {
    const M = transposeA ? a.shape[1]! : a.shape[0]!;
    const N = transposeB ? b.shape[0]! : b.shape[1]!;
    return this.emit({ op: 'matmul', inputs: [TracingOps.id(a), TracingOps.id(b)], transposeA, transposeB, shape: [M, N] });
  }
  add(a: Tensor, b: Tensor) {
    return this.emit({ op: 'add', inputs: [TracingOps.id(a), TracingOps.id(b)], shape: a.shape });
  }
  sub(a: Tensor, b: Tensor) {
    return this.emit({ op: 'sub', inputs: [TracingOps.id(a), TracingOps.id(b)], shape: a.shape });
  }
  mul(a: Tensor, b: Tensor) {
    return this.emit({ op: 'mul', inputs: [TracingOps.id(a), TracingOps.id(b)], shape: a.shape });
  }
  affine(x: Tensor, scale: number, shift: number) {
    return this.emit({ op: 'affine', inputs: [TracingOps.id(x)], scale, shift, shape: x.shape });
  }
  addRow(x: Tensor, b: Tensor) {
    return this.emit({ op: 'addRow', inputs: [TracingOps.id(x), TracingOps.id(b)], shape: x.shape });
  }
  sumRows(x: Tensor) {
    return this.emit({ op: 'sumRows', inputs: [TracingOps.id(x)], shape: [x.shape[1]!] });
  }
  activation(f: Activation, x: Tensor) {
    return this.emit({ op: 'activation', inputs: [TracingOps.id(x)], f, shape: x.shape });
  }
  activationGrad(f: Activation, y: Tensor, dy: Tensor) {
    return this.emit({ op: 'activationGrad', inputs: [TracingOps.id(y), TracingOps.id(dy)], f, shape: y.shape });
  }
  slice(x: Tensor, axis: number, start: number, size: number) {
    return this.emit({ op: 'slice', inputs: [TracingOps.id(x)], axis, start, size, shape: x.shape.map((d, i) => (i === axis ? size : d)) });
  }
  concat(xs: readonly Tensor[], axis: number) {
    const total = xs.reduce((a, x) => a + x.shape[axis]!, 0);
    return this.emit({ op: 'concat', inputs: xs.map(TracingOps.id), axis, shape: xs[0]!.shape.map((d, i) => (i === axis ? total : d)) });
  }
  reshape(x: Tensor, shape: readonly number[]) {
    return this.emit({ op: 'reshape', inputs: [TracingOps.id(x)], shape: [...shape] });
  }
}

/** Records one forward step of `cell` for batch size `batch` as a graph over its inputs. */
export async function traceForwardStep(def: CellDefinition, cell: CellConfig, sizes: CellSizes, batch: number): Promise<CellTrace> {
  const inputs: TraceInput[] = [];
  const input = (kind: TraceInput['kind'], name: string, shape: readonly number[]): Symbol => {
    const id = inputs.length;
    inputs.push({ id, kind, name, shape });
    return { id, shape, dtype: 'float32' };
  };
  const x = input('x', 'x', [batch, sizes.inputSize]);
  const states = def.states(cell, sizes).map((s) => input('state', s.name, [batch, ...s.shape]));
  const params = new Map(def.params(cell, sizes).map((p) => [p.name, input('param', p.name, p.shape)] as const));
  const ops = new TracingOps(inputs.length);
  const r = await def.forward(ops, cell, params, x, states);
  const ids = (ts: readonly Tensor[]) => ts.map((t) => (t as Symbol).id);
  return { inputs, nodes: ops.nodes, states: ids(r.states), cache: ids(r.cache) };
}
