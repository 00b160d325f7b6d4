// Export of the layer directions an ONNX recurrent operator computes exactly: the classic cells (RNN, LSTM,
// GRU; the rule is core's `classicCell`) and the peephole LSTM (LSTM's `P` input). Weights are stored
// converted to ONNX gate order, so the graph carries no reordering nodes.

import { classicCell, gateCount, type CellConfig, type CellSpec } from '@rnnkit/core';
import type { GraphBuilder } from './onnx-graph.js';
import { addRecurrentNode, onnxGateOrder } from './recurrent-graph.js';

/** A cell the native operator computes: the classic cell, plus LSTM's peephole input when it has one. */
export interface NativeCell {
  readonly cell: CellSpec;
  readonly peephole: boolean;
}

/** `cell` as a native ONNX operator, or undefined when no operator matches its equations. */
export function nativeCell(cell: CellConfig): NativeCell | undefined {
  const classic = classicCell(cell);
  if (classic) return { cell: classic, peephole: false };
  // Peephole is the one option ONNX's LSTM has an input for; with it removed, the rest must be classic.
  if (cell.kind === 'lstm' && cell.peephole === true) {
    const rest = classicCell({ ...cell, peephole: undefined });
    if (rest) return { cell: rest, peephole: true };
  }
  return undefined;
}

/** Indices of rnnkit's peephole blocks (i, f, o) in ONNX's P order (i, o, f). */
const PEEPHOLE_ORDER = [0, 2, 1] as const;

/** Reorder the blocks of `block` values each: output block k is input block order[k]. */
function reorderBlocks(data: ArrayLike<number>, order: readonly number[], block: number): Float32Array {
  const out = new Float32Array(order.length * block);
  order.forEach((src, dst) => {
    for (let k = 0; k < block; k++) out[dst * block + k] = data[src * block + k] as number;
  });
  return out;
}

export interface NativeDirectionArgs {
  readonly native: NativeCell;
  readonly hiddenSize: number;
  readonly inputSize: number;
  readonly reverse: boolean;
  /** X: [T, B, I] time-major */
  readonly X: string;
  /** [B] int32, or '' */
  readonly seqLens: string;
  /** A parameter's values by local name (`weight_ih`, ...), checked against `shape`. */
  readonly weight: (local: string, shape: readonly number[]) => ArrayLike<number>;
  /** Prefix and suffix of the initializer names, e.g. `0.` and `_l0_reverse`. */
  readonly prefix: string;
  readonly suffix: string;
  /** Initial h (and c, LSTM) as [1, B, H], or '' / absent for zeros. */
  readonly h0u?: string | undefined;
  readonly c0u?: string | undefined;
}

/** One layer direction as one native node. Returns y: [T, B, H], the final output h_T: [B, H], and the final states [1, B, H] (h; h, c). */
export function addNativeDirection(g: GraphBuilder, a: NativeDirectionArgs): { y: string; final: string; states: string[] } {
  const { native, hiddenSize: H, inputSize: I, prefix, suffix } = a;
  const { cell } = native;
  const G = gateCount(cell.kind);
  const order = onnxGateOrder(cell.kind);
  const W = g.floats(reorderBlocks(a.weight('weight_ih', [G * H, I]), order, H * I), [1, G * H, I], `${prefix}W${suffix}`);
  const R = g.floats(reorderBlocks(a.weight('weight_hh', [G * H, H]), order, H * H), [1, G * H, H], `${prefix}R${suffix}`);
  const bias = new Float32Array(2 * G * H);
  bias.set(reorderBlocks(a.weight('bias_ih', [G * H]), order, H), 0);
  bias.set(reorderBlocks(a.weight('bias_hh', [G * H]), order, H), G * H);
  const Bias = g.floats(bias, [1, 2 * G * H], `${prefix}B${suffix}`);
  // rnnkit's peephole blocks are i, f, o; ONNX's P is i, o, f.
  const P = native.peephole ? g.floats(reorderBlocks(a.weight('weight_peephole', [3 * H]), PEEPHOLE_ORDER, H), [1, 3 * H], `${prefix}P${suffix}`) : undefined;
  const { Y, Yh, Yc } = addRecurrentNode(g, cell, H, a.reverse, { X: a.X, W, R, Bias, seqLens: a.seqLens, h0u: a.h0u ?? '', c0u: cell.kind === 'lstm' ? (a.c0u ?? '') : '', P });
  return {
    y: g.op('Squeeze', [Y, g.int64s([1])]), // [T, 1, B, H] → [T, B, H]
    final: g.op('Squeeze', [Yh, g.int64s([0])]), // [1, B, H] → [B, H]
    states: cell.kind === 'lstm' ? [Yh, Yc] : [Yh],
  };
}
