// The matmul primitive: small products on the host loop, the rest as an ORT Gemm. A session run
// has a fixed cost of about 50–80 µs (feeds, the setImmediate hop, ORT's dispatch), which the
// host loop beats only for tiny products; from [16, 32]·[32, 128] on, Gemm wins, and for the
// [B, H]·[H, G·H] products of a generic-path step at B = H = 128 by 50–100× (measured on the
// 2-core machine: Gemm 0.3–0.7 ms, host loop 22–36 ms). One session per transpose combination:
// the graph has symbolic dimensions, so every shape reuses it.

import { FLOAT, GraphBuilder, type GraphProto } from './onnx-graph.js';

/** Products with fewer multiply-adds (M·K·N) than this run on the host (measured crossover ≈ 16k–30k). */
export const HOST_MATMUL_MAX_WORK = 16_384;

/** a: [M, K] (or [K, M] when transposeA), b: [K, N] (or [N, K] when transposeB) → y: [M, N] */
export function buildMatmulGraph(transposeA: boolean, transposeB: boolean): GraphProto {
  const g = new GraphBuilder('matmul');
  g.input('a', FLOAT, ['a0', 'a1']);
  g.input('b', FLOAT, ['b0', 'b1']);
  g.node('Gemm', ['a', 'b'], ['y'], { transA: transposeA ? 1 : 0, transB: transposeB ? 1 : 0 });
  g.output('y', FLOAT, ['M', 'N']);
  return g.graph();
}
