// A traced cell step (core's `CellTrace` IR, trace.ts) as ONNX nodes: one translation per trace
// node, written into any GraphBuilder — an ONNX Scan body here, an exported model's step elsewhere.
// Opset 17 (onnx-graph.ts): ReduceSum takes axes as an input, ReduceMean still as an attribute.
//
// Shapes are as the trace records them (batch included); a Reshape keeps a leading axis it does
// not change symbolic (0), so a step graph does not depend on the batch size it was traced for.
// Formulas follow core's host loops (@rnnkit/core/host), so a generated graph and the op-by-op
// generic path compute the same function:
//   activationGrad from the output y: sigmoid dy·y(1−y), tanh dy·(1−y²), relu dy·[y > 0];
//   layerNorm over the last axis with biased variance: (x − mean)·rstd, rstd = 1/√(var + eps);
//   conv2d "same" (pads (k − 1)/2, stride 1); its input gradient is ConvTranspose with the same
//   weights, its filter gradient a Conv of x over dy with batch and channel axes swapped.

import type { TraceInput, TraceNode } from '@rnnkit/core';
import type { GraphBuilder } from './onnx-graph.js';

/** Anything with trace inputs and nodes: a forward `CellTrace` or a backward step trace. */
export interface TraceGraph {
  readonly inputs: readonly TraceInput[];
  readonly nodes: readonly TraceNode[];
}

/**
 * Writes every node of `trace` into `g`. `values` maps trace ids to ONNX value names: it must hold
 * every trace input the nodes read, and on return it holds every node's output too (read the
 * step's results from it by the trace's ids). Constants become initializers of `g`.
 */
export function emitTrace(g: GraphBuilder, trace: TraceGraph, values: Map<number, string>): void {
  const shapes = new Map<number, readonly number[]>();
  for (const i of trace.inputs) shapes.set(i.id, i.shape);
  for (const n of trace.nodes) shapes.set(n.id, n.shape);
  for (const n of trace.nodes) {
    const ins = n.inputs.map((id) => {
      const v = values.get(id);
      if (v === undefined) throw new Error(`trace graph: node ${n.id} (${n.op}) reads value ${id}, which has no ONNX name`);
      return v;
    });
    values.set(n.id, emitTraceNode(g, n, ins, (id) => shapes.get(id)!));
  }
}

/**
 * One trace node as ONNX nodes in `g`: `inputs` are the ONNX names of `node.inputs`, `shapeOf`
 * gives any trace value's shape (convolutions read the kernel size off the weights). Returns the
 * name of the result.
 */
export function emitTraceNode(g: GraphBuilder, node: TraceNode, inputs: readonly string[], shapeOf: (id: number) => readonly number[]): string {
  const [a = '', b = ''] = inputs;
  const scalar = (v: number) => g.floats([v], []);
  switch (node.op) {
    case 'matmul':
      // Gemm: 2-D product with the transposes folded in, no bias.
      return g.op('Gemm', [a, b], { transA: node.transposeA ? 1 : 0, transB: node.transposeB ? 1 : 0 });
    case 'add':
    case 'addRow': // [N, K] + [K] broadcasts over rows
      return g.op('Add', [a, b]);
    case 'sub':
      return g.op('Sub', [a, b]);
    case 'mul':
      return g.op('Mul', [a, b]);
    case 'div':
      return g.op('Div', [a, b]);
    case 'affine': {
      let y = a;
      if (node.scale !== 1) y = g.op('Mul', [y, scalar(node.scale)]);
      if (node.shift !== 0) y = g.op('Add', [y, scalar(node.shift)]);
      // A body output must be a value of its own, so even x·1 + 0 is a node.
      return y === a ? g.op('Identity', [a]) : y;
    }
    case 'sumRows':
      return g.op('ReduceSum', [a, g.int64s([0])], { keepdims: 0 });
    case 'activation':
      return g.op(activationOp(node.f), [a]);
    case 'activationGrad': {
      // a: y = f(x), b: dy
      if (node.f === 'sigmoid') return g.op('Mul', [b, g.op('Mul', [a, g.op('Sub', [scalar(1), a])])]);
      if (node.f === 'tanh') return g.op('Mul', [b, g.op('Sub', [scalar(1), g.op('Mul', [a, a])])]);
      return g.op('Where', [g.op('Greater', [a, scalar(0)]), b, scalar(0)]);
    }
    case 'slice':
      return g.op('Slice', [a, g.int64s([node.start]), g.int64s([node.start + node.size]), g.int64s([node.axis])]);
    case 'concat':
      return g.op('Concat', inputs, { axis: node.axis });
    case 'reshape': {
      // A leading axis kept as it is (the batch, in every cell's reshapes) is written as 0, ONNX's
      // "copy this dimension", so the node does not fix the batch size (exported graphs).
      const from = shapeOf(node.inputs[0]);
      const to = node.shape.map((d, i) => (i === 0 && d === from[0] && d !== 0 ? 0 : d));
      return g.op('Reshape', [a, g.int64s(to)]);
    }
    case 'layerNorm':
      return layerNormalized(g, a, node.eps).xhat;
    case 'layerNormGrad': {
      // dx = rstd · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)), a: x, b: dy
      const { xhat, rstd } = layerNormalized(g, a, node.eps);
      const mean = (v: string) => g.op('ReduceMean', [v], { axes: [-1], keepdims: 1 });
      const inner = g.op('Sub', [g.op('Sub', [b, mean(b)]), g.op('Mul', [xhat, mean(g.op('Mul', [b, xhat]))])]);
      return g.op('Mul', [rstd, inner]);
    }
    case 'conv2d': {
      // x: [B, C, H, W], w: [O, C, k, k], bias: [O] → [B, O, H, W]
      const p = samePad(shapeOf(node.inputs[1]!)[2]!);
      return g.op('Conv', inputs, { pads: [p, p, p, p] });
    }
    case 'conv2dGradInput': {
      // dy: [B, O, H, W], w: [O, C, k, k] → [B, C, H, W]; ConvTranspose reads w as [in = O, out = C, k, k].
      const p = samePad(shapeOf(node.inputs[1]!)[2]!);
      return g.op('ConvTranspose', [a, b], { pads: [p, p, p, p] });
    }
    case 'conv2dGradFilter': {
      // dw[o, c] = Σ_b x[b, c] ⋆ dy[b, o]: a Conv over xᵀ: [C, B, H, W] with filters dyᵀ: [O, B, H, W],
      // padded by p, gives [C, O, k, k].
      const p = samePad(node.kernelSize);
      const swap = [1, 0, 2, 3];
      const r = g.op('Conv', [g.op('Transpose', [a], { perm: swap }), g.op('Transpose', [b], { perm: swap })], { pads: [p, p, p, p] });
      return g.op('Transpose', [r], { perm: swap });
    }
  }
}

/** The ONNX operator of an activation. */
export function activationOp(f: 'sigmoid' | 'tanh' | 'relu'): 'Sigmoid' | 'Tanh' | 'Relu' {
  return f === 'sigmoid' ? 'Sigmoid' : f === 'tanh' ? 'Tanh' : 'Relu';
}

/** "Same" padding of an odd kernel size k: (k − 1)/2. */
function samePad(k: number): number {
  return (k - 1) >> 1;
}

/** x̂ = (x − mean)·rstd over the last axis (two passes, biased variance), and rstd = 1/√(var + eps). */
function layerNormalized(g: GraphBuilder, x: string, eps: number): { xhat: string; rstd: string } {
  const mean = (v: string) => g.op('ReduceMean', [v], { axes: [-1], keepdims: 1 });
  const d = g.op('Sub', [x, mean(x)]);
  const variance = mean(g.op('Mul', [d, d]));
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.floats([eps], [])])])]);
  return { xhat: g.op('Mul', [d, rstd]), rstd };
}
