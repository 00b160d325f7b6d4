// Dense (PyTorch Linear) on ONNX Runtime: Gemm forward, one backward graph (dx, dw, db), cached per shape.

import { FLOAT, GraphBuilder, type GraphProto } from './onnx-graph.js';

/** x: [N, I], w: [U, I], b: [U] → y: [N, U] = x wᵀ + b */
export function buildDenseForwardGraph(N: number, I: number, U: number): GraphProto {
  const g = new GraphBuilder('dense_forward');
  g.input('x', FLOAT, [N, I]);
  g.input('w', FLOAT, [U, I]);
  g.input('b', FLOAT, [U]);
  g.node('Gemm', ['x', 'w', 'b'], ['y'], { transB: 1 });
  g.output('y', FLOAT, [N, U]);
  return g.graph();
}

/** dy: [N, U], x: [N, I], w: [U, I] → dx: [N, I] = dy w, dw: [U, I] = dyᵀ x, db: [U] = Σ_n dy */
export function buildDenseBackwardGraph(N: number, I: number, U: number): GraphProto {
  const g = new GraphBuilder('dense_backward');
  g.input('dy', FLOAT, [N, U]);
  g.input('x', FLOAT, [N, I]);
  g.input('w', FLOAT, [U, I]);
  g.node('MatMul', ['dy', 'w'], ['dx']);
  g.node('Gemm', ['dy', 'x'], ['dw'], { transA: 1 });
  g.node('ReduceSum', ['dy', g.int64s([0])], ['db'], { keepdims: 0 });
  g.output('dx', FLOAT, [N, I]);
  g.output('dw', FLOAT, [U, I]);
  g.output('db', FLOAT, [U]);
  return g.graph();
}
