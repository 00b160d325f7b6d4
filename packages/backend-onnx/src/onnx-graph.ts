// A small ONNX graph builder on onnx-proto (protobufjs classes), so graphs are written in TypeScript.
// Values are named strings; `node` invents names for outputs when given a count.

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type GraphProto = onnxProto.onnx.IGraphProto;

/** ONNX TensorProto element types used here. */
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;
export type ElemType = typeof FLOAT | typeof INT32 | typeof INT64 | typeof BOOL;

/** number → INT, string → STRING, number[] → INTS, { float } → FLOAT, { strings } → STRINGS, { graph } → GRAPH. */
export type AttrValue =
  | number
  | string
  | readonly number[]
  | { readonly float: number }
  | { readonly strings: readonly string[] }
  | { readonly graph: GraphProto };

/** A dimension: a fixed size, a symbolic name, or unknown (null). */
export type Dim = number | string | null;

function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[] | null): onnxProto.onnx.IValueInfoProto {
  const shape =
    dims === null
      ? undefined
      : { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as number[])] };
  const o = v as { float: number } | { strings: readonly string[] } | { graph: GraphProto };
  if ('float' in o) return { name, type: T.FLOAT, f: o.float };
  if ('strings' in o) return { name, type: T.STRINGS, strings: o.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: T.GRAPH, g: o.graph };
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  /** `prefix` keeps names of a subgraph distinct from its outer graph's (a body may read outer values). */
  constructor(
    private readonly name: string,
    private readonly prefix = '',
  ) {}

  input(name: string, elemType: ElemType, dims: readonly Dim[] | null): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: ElemType, dims: readonly Dim[] | null): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** A constant float tensor stored in the graph. */
  floats(values: ArrayLike<number>, dims: readonly number[], name?: string): string {
    const n = name ?? this.fresh('cf');
    // raw little-endian bytes: compact and fast to encode for large tables (embeddings)
    const f = Float32Array.from(values);
    this.initializers.push({ name: n, dataType: FLOAT, dims: [...dims], rawData: new Uint8Array(f.buffer) });
    return n;
  }

  /** A constant int32 tensor stored in the graph. */
  int32s(values: readonly number[], dims: readonly number[] = [values.length], name?: string): string {
    const n = name ?? this.fresh('cn');
    this.initializers.push({ name: n, dataType: INT32, dims: [...dims], int32Data: [...values] });
    return n;
  }

  /** A constant int64 tensor stored in the graph (axes, shapes, starts). */
  int64s(values: readonly number[], dims: readonly number[] = [values.length], name?: string): string {
    const n = name ?? this.fresh('ci');
    this.initializers.push({ name: n, dataType: INT64, dims: [...dims], int64Data: [...values] });
    return n;
  }

  /** Add a node; `outputs` is a list of names or a count of fresh names. Returns the output names. */
  node(op: string, inputs: readonly string[], outputs: readonly string[] | number = 1, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op)) : [...outputs];
    this.nodes.push({
      opType: op,
      name: this.fresh(`n_${op}`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** `node` with a single output. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, 1, attrs)[0] as string;
  }

  fresh(base: string): string {
    return `${this.prefix}${base}_${this.counter++}`;
  }

  graph(): GraphProto {
    return { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers };
  }
}

/** Opset used by every generated graph (Split/Squeeze/Unsqueeze/ReduceSum take axes as inputs from 13 on). */
export const OPSET = 17;

/** Serialise a graph as a standalone ONNX model. */
export function encodeModel(graph: GraphProto, producer = 'rnnkit'): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: producer,
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
