// Export a model as a standalone ONNX inference graph that any ONNX Runtime (or other ONNX tool) can load.
//
// Inputs: `x` [batch, time, inputSize] float32, or `ids` [batch, time] int64/int32 when the first layer is an
// embedding; `lengths` [batch] int32 when `spec.lengths` is set. Output: `logits`.
// Recurrent layers use the native LSTM/GRU/RNN ops, one node per layer direction, weights stored in ONNX gate
// order (converted here from PyTorch's layout). A bidirectional layer concatenates forward‖reverse on the
// feature axis; with returnSequences false it outputs the final states [B, D·H] (forward's state after each
// sample's last valid step ‖ reverse's state after step 0), as core's recurrent layers do.

import { gateCount } from '@rnnkit/core';
import { encodeModel, FLOAT, GraphBuilder, INT32, INT64 } from './onnx-graph.js';
import type { GraphCell } from './graph-cell.js';
import { addRecurrentNode, onnxGateOrder } from './recurrent-graph.js';

export type OnnxExportLayer =
  | {
      readonly kind: 'embedding';
      /** Prefix of this layer's weight names; default: its index in `layers`. */
      readonly name?: string;
      readonly vocabSize: number;
      readonly embeddingSize: number;
    }
  | {
      readonly kind: 'recurrent';
      readonly name?: string;
      /** `{ kind: 'rnn', nonlinearity }`, `{ kind: 'lstm' }` or `{ kind: 'gru', resetAfter }` (core's normalised cells fit). */
      readonly cell: GraphCell;
      readonly inputSize: number;
      readonly hiddenSize: number;
      readonly numLayers?: number;
      readonly bidirectional?: boolean;
      readonly returnSequences?: boolean;
    }
  | {
      readonly kind: 'dense';
      readonly name?: string;
      readonly units: number;
    };

export interface OnnxExportSpec {
  readonly layers: readonly OnnxExportLayer[];
  /** Add a `lengths: [B] int32` input (per-sample valid lengths, each in [1, T]). */
  readonly lengths?: boolean;
  /** Element type of `ids` when the first layer is an embedding; default int64 (what most ONNX tooling feeds). */
  readonly idsType?: 'int64' | 'int32';
}

export interface OnnxExportOptions {
  /** Stored in the model's producer field. */
  readonly producer?: string;
}

/**
 * Weights by `${layerName}.${param}` with PyTorch names and layouts: embedding `weight` [V, E]; recurrent
 * `weight_ih_l{k}[_reverse]` [G·H, I_k], `weight_hh_l{k}[_reverse]` [G·H, H], `bias_ih_l{k}[_reverse]`,
 * `bias_hh_l{k}[_reverse]` [G·H]; dense `weight` [U, I], `bias` [U].
 */
export type OnnxExportWeights = Readonly<Record<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>>;

/** Reorder G gate blocks of `rows` rows each (PyTorch → ONNX order). */
function reorderGates(data: ArrayLike<number>, cell: GraphCell, rowsPerGate: number, rowSize: number): Float32Array {
  const order = onnxGateOrder(cell.kind);
  const block = rowsPerGate * rowSize;
  const out = new Float32Array(order.length * block);
  order.forEach((src, dst) => {
    for (let k = 0; k < block; k++) out[dst * block + k] = data[src * block + k] as number;
  });
  return out;
}

/** Build the ONNX model bytes for `spec` with `weights`. */
export function exportOnnx(spec: OnnxExportSpec, weights: OnnxExportWeights, options: OnnxExportOptions = {}): Uint8Array {
  if (spec.layers.length === 0) throw new Error('exportOnnx: spec.layers must not be empty');
  const g = new GraphBuilder('rnnkit_model');
  const weight = (name: string, shape: readonly number[]): ArrayLike<number> => {
    const w = weights[name];
    if (!w) throw new Error(`exportOnnx: weights['${name}'] is missing (expected shape [${shape.join(', ')}])`);
    if (w.shape.length !== shape.length || w.shape.some((d, k) => d !== shape[k]) || w.data.length !== shape.reduce((p, d) => p * d, 1)) {
      throw new Error(`exportOnnx: weights['${name}'] must have shape [${shape.join(', ')}], got [${w.shape.join(', ')}] with ${w.data.length} values`);
    }
    return w.data;
  };

  // The running value: its name, whether it is time-major [T, B, F] or batch-major, and its feature size.
  let value: string;
  let timeMajor: boolean;
  let features: number;
  let hasTime = true;
  const first = spec.layers[0] as OnnxExportLayer;
  if (first.kind === 'embedding') {
    g.input('ids', spec.idsType === 'int32' ? INT32 : INT64, ['batch', 'time']);
    value = 'ids';
    features = 0;
  } else if (first.kind === 'recurrent') {
    g.input('x', FLOAT, ['batch', 'time', first.inputSize]);
    value = 'x';
    features = first.inputSize;
  } else {
    throw new Error('exportOnnx: the first layer must be an embedding or a recurrent layer');
  }
  timeMajor = false;
  const seqLens = spec.lengths ? g.input('lengths', INT32, ['batch']) : '';
  const toTimeMajor = (): void => {
    if (!timeMajor) value = g.op('Transpose', [value], { perm: [1, 0, 2] });
    timeMajor = true;
  };
  const toBatchMajor = (): void => {
    if (timeMajor && hasTime) value = g.op('Transpose', [value], { perm: [1, 0, 2] });
    timeMajor = false;
  };

  spec.layers.forEach((layer, index) => {
    const prefix = `${layer.name ?? String(index)}.`;
    if (layer.kind === 'embedding') {
      if (index !== 0) throw new Error(`exportOnnx: layers[${index}]: an embedding must be the first layer`);
      const w = weight(`${prefix}weight`, [layer.vocabSize, layer.embeddingSize]);
      value = g.op('Gather', [g.floats(w, [layer.vocabSize, layer.embeddingSize], `${prefix}weight`), value], { axis: 0 });
      features = layer.embeddingSize;
      return;
    }
    if (layer.kind === 'recurrent') {
      if (!hasTime) throw new Error(`exportOnnx: layers[${index}]: a recurrent layer needs a sequence, but the previous layer returned none`);
      if (layer.inputSize !== features) {
        throw new Error(`exportOnnx: layers[${index}].inputSize must be ${features} (the previous layer's output size), got ${layer.inputSize}`);
      }
      const { cell, hiddenSize: H } = layer;
      const G = gateCount(cell.kind);
      const L = layer.numLayers ?? 1;
      const D = layer.bidirectional ? 2 : 1;
      toTimeMajor();
      let finals: string[] = [];
      for (let l = 0; l < L; l++) {
        const I = l === 0 ? features : D * H;
        const ys: string[] = [];
        finals = [];
        for (let d = 0; d < D; d++) {
          const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
          const W = g.floats(reorderGates(weight(`${prefix}weight_ih${sfx}`, [G * H, I]), cell, H, I), [1, G * H, I], `${prefix}W${sfx}`);
          const R = g.floats(reorderGates(weight(`${prefix}weight_hh${sfx}`, [G * H, H]), cell, H, H), [1, G * H, H], `${prefix}R${sfx}`);
          const bias = new Float32Array(2 * G * H);
          bias.set(reorderGates(weight(`${prefix}bias_ih${sfx}`, [G * H]), cell, H, 1), 0);
          bias.set(reorderGates(weight(`${prefix}bias_hh${sfx}`, [G * H]), cell, H, 1), G * H);
          const Bias = g.floats(bias, [1, 2 * G * H], `${prefix}B${sfx}`);
          const r = addRecurrentNode(g, cell, H, d === 1, { X: value, W, R, Bias, seqLens, h0u: '', c0u: '' });
          ys.push(g.op('Squeeze', [r.Y, g.int64s([1])])); // [T, B, H]
          finals.push(g.op('Squeeze', [r.Yh, g.int64s([0])])); // [B, H]
        }
        value = D === 2 ? g.op('Concat', ys, { axis: 2 }) : (ys[0] as string);
      }
      features = D * H;
      if (!(layer.returnSequences ?? false)) {
        value = D === 2 ? g.op('Concat', finals, { axis: 1 }) : (finals[0] as string);
        hasTime = false;
        timeMajor = false;
      }
      return;
    }
    // dense: y = x Wᵀ + b on the last axis, for [B, F] and [B, T, F] alike
    toBatchMajor();
    const U = layer.units;
    const w = weight(`${prefix}weight`, [U, features]);
    const wt = new Float32Array(features * U);
    for (let u = 0; u < U; u++) for (let i = 0; i < features; i++) wt[i * U + u] = w[u * features + i] as number;
    const b = weight(`${prefix}bias`, [U]);
    value = g.op('Add', [g.op('MatMul', [value, g.floats(wt, [features, U], `${prefix}weight_t`)]), g.floats(b, [U], `${prefix}bias`)]);
    features = U;
  });
  toBatchMajor();
  g.node('Identity', [value], ['logits']);
  g.output('logits', FLOAT, hasTime ? ['batch', 'time', features] : ['batch', features]);
  return encodeModel(g.graph(), options.producer ?? 'rnnkit');
}
