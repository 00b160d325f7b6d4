// Tracing a cell's step into a graph. A step only calls its `CellOps` and never reads a value, so
// running it on symbolic tensors records the whole step: the nodes a backend needs to build one
// fused graph (an ONNX Scan/Loop body, a WebGL program) or to export any cell.
import type { Activation, Tensor } from './backend.js';
import type { CellConfig, CellDefinition, CellOps, CellSizes } from './cells/cell.js';
import { stepInputShape } from './cells/cell.js';

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
  | { readonly id: number; readonly op: 'reshape'; readonly inputs: readonly [number]; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'div'; readonly inputs: readonly [number, number]; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'layerNorm'; readonly inputs: readonly [number]; readonly eps: number; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'layerNormGrad'; readonly inputs: readonly [number, number]; readonly eps: number; readonly shape: readonly number[] }
  /** inputs: x, w and, when the conv has one, bias */
  | { readonly id: number; readonly op: 'conv2d'; readonly inputs: readonly number[]; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'conv2dGradInput'; readonly inputs: readonly [number, number]; readonly shape: readonly number[] }
  | { readonly id: number; readonly op: 'conv2dGradFilter'; readonly inputs: readonly [number, number]; readonly kernelSize: number; readonly shape: readonly number[] };

/**
 * A graph input with its shape: x_t, a state (by name) or a parameter (by local name); for a
 * backward step also a cached tensor (`cache`, by index) and a state's incoming gradient (`dState`).
 */
export interface TraceInput {
  readonly id: number;
  readonly kind: 'x' | 'state' | 'param' | 'cache' | 'dState';
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
  div(a: Tensor, b: Tensor) {
    return this.emit({ op: 'div', inputs: [TracingOps.id(a), TracingOps.id(b)], shape: a.shape });
  }
  layerNorm(x: Tensor, eps: number) {
    return this.emit({ op: 'layerNorm', inputs: [TracingOps.id(x)], eps, shape: x.shape });
  }
  layerNormGrad(x: Tensor, dy: Tensor, eps: number) {
    return this.emit({ op: 'layerNormGrad', inputs: [TracingOps.id(x), TracingOps.id(dy)], eps, shape: x.shape });
  }
  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined) {
    const inputs = [TracingOps.id(x), TracingOps.id(w), ...(bias ? [TracingOps.id(bias)] : [])];
    return this.emit({ op: 'conv2d', inputs, shape: [x.shape[0]!, w.shape[0]!, x.shape[2]!, x.shape[3]!] });
  }
  conv2dGradInput(dy: Tensor, w: Tensor) {
    return this.emit({ op: 'conv2dGradInput', inputs: [TracingOps.id(dy), TracingOps.id(w)], shape: [dy.shape[0]!, w.shape[1]!, dy.shape[2]!, dy.shape[3]!] });
  }
  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number) {
    return this.emit({ op: 'conv2dGradFilter', inputs: [TracingOps.id(x), TracingOps.id(dy)], kernelSize, shape: [dy.shape[1]!, x.shape[1]!, kernelSize, kernelSize] });
  }
}

function traceInputs(def: CellDefinition, cell: CellConfig, sizes: CellSizes, batch: number) {
  const inputs: TraceInput[] = [];
  const input = (kind: TraceInput['kind'], name: string, shape: readonly number[]): Symbol => {
    const id = inputs.length;
    inputs.push({ id, kind, name, shape });
    return { id, shape, dtype: 'float32' };
  };
  const x = input('x', 'x', [batch, ...stepInputShape(def, cell, sizes)]);
  const states = def.states(cell, sizes).map((s) => input('state', s.name, [batch, ...s.shape]));
  const params = new Map(def.params(cell, sizes).map((p) => [p.name, input('param', p.name, p.shape)] as const));
  return { inputs, input, x, states, params };
}

const ids = (ts: readonly Tensor[]) => ts.map((t) => (t as Symbol).id);

/** Records one forward step of `cell` for batch size `batch` as a graph over its inputs. */
export async function traceForwardStep(def: CellDefinition, cell: CellConfig, sizes: CellSizes, batch: number): Promise<CellTrace> {
  const { inputs, x, states, params } = traceInputs(def, cell, sizes, batch);
  const ops = new TracingOps(inputs.length);
  const r = await def.forward(ops, cell, params, x, states);
  return { inputs, nodes: ops.nodes, states: ids(r.states), cache: ids(r.cache) };
}

export interface CellBackwardTrace {
  /** x, states, params, then the forward step's cache (kind `cache`, name its index) and dStates. */
  readonly inputs: readonly TraceInput[];
  readonly nodes: readonly TraceNode[];
  /** Ids of dx, of the previous states' gradients, and of each parameter's gradient (by local name). */
  readonly dx: number;
  readonly dStates: readonly number[];
  readonly grads: ReadonlyMap<string, number>;
}

/** Records one backward step; the cache's shapes come from tracing the forward step. */
export async function traceBackwardStep(def: CellDefinition, cell: CellConfig, sizes: CellSizes, batch: number): Promise<CellBackwardTrace> {
  const fwd = await traceForwardStep(def, cell, sizes, batch);
  const shapeOf = (id: number) => (fwd.inputs.find((i) => i.id === id) ?? fwd.nodes.find((n) => n.id === id))!.shape;
  const { inputs, input, x, states, params } = traceInputs(def, cell, sizes, batch);
  const cache = fwd.cache.map((id, j) => input('cache', String(j), shapeOf(id)));
  const dNext = def.states(cell, sizes).map((s) => input('dState', s.name, [batch, ...s.shape]));
  const ops = new TracingOps(inputs.length);
  const r = await def.backward(ops, cell, params, x, states, cache, dNext);
  const id = (t: Tensor) => (t as Symbol).id;
  return { inputs, nodes: ops.nodes, dx: id(r.dx), dStates: ids(r.dStates), grads: new Map([...r.grads].map(([k, t]) => [k, id(t)])) };
}
