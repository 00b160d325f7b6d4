// Export a model as a standalone ONNX inference graph that any ONNX Runtime (or other ONNX tool) can load.
//
// Inputs: `x` [batch, time, inputSize] float32 ([batch, time, C, height, width] for image cells), or `ids`
// [batch, time] int64/int32 when the first layer is an embedding; `lengths` [batch] int32 when `spec.lengths` is
// set. Output: `logits`. Batch and time are dynamic.
// Each recurrent layer direction is one node: the native RNN/LSTM/GRU operator where one computes the cell
// (export-native.ts: the classic cells and the peephole LSTM, weights stored in ONNX gate order), else a Scan
// whose body is the cell's traced step (export-scan.ts), so every cell of core's catalogue exports. A
// bidirectional layer concatenates forward‖reverse on axis 2 (features, or channels); with returnSequences
// false it outputs the final outputs [B, D·O] (forward's state 0 after each sample's last valid step ‖
// reverse's after step 0), as core's recurrent layers do.

import { cellDefinition, type CellConfig, type CellDefinition, type CellSizes } from '@rnnkit/core';
import { addNativeDirection, nativeCell } from './export-native.js';
import { addScanDirection } from './export-scan.js';
import { traceExportStep, type ExportStep } from './export-trace.js';
import { encodeModel, FLOAT, GraphBuilder, INT32, INT64, type Dim } from './onnx-graph.js';

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
      /**
       * The cell: a kind of core's cell catalogue with its options, e.g. `{ kind: 'gru', resetAfter: false }`,
       * `{ kind: 'lstm', peephole: true }`, `{ kind: 'ctrnn', alpha: 0.5 }`; checked and defaulted by the cell's
       * definition, so core's normalised cells fit as they are.
       */
      readonly cell: CellConfig;
      /** Features (channels for image cells) of each step's input. */
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
  /**
   * State in and out, for step-by-step generation in a plain ONNX Runtime session: every recurrent layer `p`
   * takes `${p}.${state}_0` (PyTorch's h_0, c_0: `0.h_0`, `0.c_0`) as [numLayers·D, batch, ...state] inputs,
   * layer-major, forward then reverse, and returns its final states as `${p}.${state}_n` outputs in the same
   * layout (PyTorch's h_n, c_n; after each sample's last valid step with lengths).
   */
  readonly states?: boolean;
}

export interface OnnxExportOptions {
  /** Stored in the model's producer field. */
  readonly producer?: string;
}

/**
 * Weights by `${layerName}.${param}` with PyTorch names and layouts: embedding `weight` [V, E]; recurrent
 * the cell's parameters with their layer suffix, e.g. `weight_ih_l{k}[_reverse]` [G·H, I_k],
 * `weight_hh_l{k}[_reverse]` [G·H, H], `bias_ih_l{k}[_reverse]`, `bias_hh_l{k}[_reverse]` [G·H] for the classic
 * cells (each cell's list is in CELLS.md); dense `weight` [U, I], `bias` [U].
 */
export type OnnxExportWeights = Readonly<Record<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>>;

/** The axes of one step after its features: none for vectors; image cells' frame height and width, dynamic. */
function stepRest(def: CellDefinition): readonly Dim[] {
  return (def.inputRank ?? 1) === 3 ? ['height', 'width'] : [];
}

/** A recurrent layer's cell, checked, with what its stacked layers need. */
interface RecurrentPlan {
  readonly def: CellDefinition;
  readonly cell: CellConfig;
  /** Sizes of each stacked layer. */
  readonly sizes: readonly CellSizes[];
  /** Output features (channels) of one direction per step. */
  readonly outFeatures: number;
  /** Traced steps of each stacked layer, for cells without a native operator. */
  readonly steps?: readonly ExportStep[];
}

type RecurrentLayer = Extract<OnnxExportLayer, { kind: 'recurrent' }>;

async function planRecurrent(layer: RecurrentLayer, where: string): Promise<RecurrentPlan> {
  const { kind, ...options } = layer.cell;
  const def = cellDefinition(kind);
  const cell = def.configure(options, `${where}.cell`);
  const D = layer.bidirectional ? 2 : 1;
  // Channel counts do not depend on the frame size: a 1 × 1 frame stands in (as in core's sizesOf).
  const frame = (def.inputRank ?? 1) === 3 ? ([1, 1] as const) : undefined;
  const first: CellSizes = { inputSize: layer.inputSize, hiddenSize: layer.hiddenSize, ...(frame ? { spatial: frame } : {}) };
  const outFeatures = def.states(cell, first)[0]!.shape[0]!;
  const sizes = Array.from({ length: layer.numLayers ?? 1 }, (_, k): CellSizes => (k === 0 ? first : { ...first, inputSize: D * outFeatures }));
  const native = nativeCell(cell) !== undefined;
  const steps = native ? undefined : await Promise.all(sizes.map((s, k) => traceExportStep(def, cell, s, `${where} (stacked layer ${k})`)));
  return { def, cell, sizes, outFeatures, ...(steps ? { steps } : {}) };
}

/** The rules between layers, checked before anything is built (so that they come before any weight's error). */
function checkLayers(spec: OnnxExportSpec, plans: ReadonlyMap<number, RecurrentPlan>): void {
  let features = 0;
  let rest: readonly Dim[] = [];
  let hasTime = true;
  const steps = (r: readonly Dim[]) => (r.length ? 'frames [B, T, C, height, width]' : 'a sequence [B, T, F]');
  spec.layers.forEach((layer, index) => {
    const where = `exportOnnx: layers[${index}]`;
    if (layer.kind === 'embedding') {
      if (index !== 0) throw new Error(`${where}: an embedding must be the first layer`);
      features = layer.embeddingSize;
    } else if (layer.kind === 'recurrent') {
      const plan = plans.get(index)!;
      const wants = stepRest(plan.def);
      if (index === 0) [features, rest] = [layer.inputSize, wants];
      if (!hasTime) throw new Error(`${where}: a recurrent layer needs a sequence, but the previous layer returned none`);
      if (wants.join() !== rest.join()) throw new Error(`${where}: ${plan.def.describe(plan.cell)} needs ${steps(wants)}, but the previous layer outputs ${steps(rest)}`);
      if (layer.inputSize !== features) throw new Error(`${where}.inputSize must be ${features} (the previous layer's output size), got ${layer.inputSize}`);
      features = (layer.bidirectional ? 2 : 1) * plan.outFeatures;
      if (!(layer.returnSequences ?? false)) hasTime = false;
    } else {
      if (index === 0) throw new Error('exportOnnx: the first layer must be an embedding or a recurrent layer');
      if (rest.length > 0) throw new Error(`${where}: a dense layer reads feature vectors, but the previous layer outputs images`);
      features = layer.units;
    }
  });
}

/** Build the ONNX model bytes for `spec` with `weights`. */
export async function exportOnnx(spec: OnnxExportSpec, weights: OnnxExportWeights, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  if (spec.layers.length === 0) throw new Error('exportOnnx: spec.layers must not be empty');
  // Cells are checked and traced first (tracing is asynchronous); the graph is then built in one pass.
  const plans = new Map<number, RecurrentPlan>();
  for (const [index, layer] of spec.layers.entries()) {
    if (layer.kind === 'recurrent') plans.set(index, await planRecurrent(layer, `exportOnnx: layers[${index}]`));
  }
  checkLayers(spec, plans);
  const g = new GraphBuilder('rnnkit_model');
  const weight = (name: string, shape: readonly number[]): ArrayLike<number> => {
    const w = weights[name];
    if (!w) throw new Error(`exportOnnx: weights['${name}'] is missing (expected shape [${shape.join(', ')}])`);
    if (w.shape.length !== shape.length || w.shape.some((d, k) => d !== shape[k]) || w.data.length !== shape.reduce((p, d) => p * d, 1)) {
      throw new Error(`exportOnnx: weights['${name}'] must have shape [${shape.join(', ')}], got [${w.shape.join(', ')}] with ${w.data.length} values`);
    }
    return w.data;
  };

  // The running value: its name, whether it is time-major [T, B, F, ...] or batch-major [B, T, F, ...], its
  // feature (channel) count F and the axes after F (image height and width), and whether it has a time axis.
  let value: string;
  let timeMajor = false;
  let features: number;
  let rest: readonly Dim[] = [];
  let hasTime = true;
  const first = spec.layers[0] as OnnxExportLayer;
  if (first.kind === 'embedding') {
    value = g.input('ids', spec.idsType === 'int32' ? INT32 : INT64, ['batch', 'time']);
    features = 0;
  } else {
    features = (first as RecurrentLayer).inputSize; // checkLayers: not a dense layer
    rest = stepRest(plans.get(0)!.def);
    value = g.input('x', FLOAT, ['batch', 'time', features, ...rest]);
  }
  const seqLens = spec.lengths ? g.input('lengths', INT32, ['batch']) : '';
  let maskValue = '';
  /** [T, B] float: 1 where t < lengths[b] (for Scan directions; native ones take the lengths as they are). */
  const mask = (X: string): string => {
    if (!seqLens) return '';
    if (maskValue) return maskValue;
    const T = g.op('Shape', [X], { start: 0, end: 1 });
    const steps = g.op('Range', [g.int64s([0], []), g.op('Squeeze', [T, g.int64s([0])]), g.int64s([1], [])]); // [T]
    const valid = g.op('Less', [g.op('Unsqueeze', [steps, g.int64s([1])]), g.op('Cast', [seqLens], { to: INT64 })]); // [T, B]
    return (maskValue = g.op('Cast', [valid], { to: FLOAT }));
  };
  const swapBatchTime = (): void => {
    value = g.op('Transpose', [value], { perm: [1, 0, ...Array.from({ length: 1 + rest.length }, (_, k) => k + 2)] });
  };
  const toTimeMajor = (): void => {
    if (!timeMajor) swapBatchTime();
    timeMajor = true;
  };
  const toBatchMajor = (): void => {
    if (timeMajor && hasTime) swapBatchTime();
    timeMajor = false;
  };

  spec.layers.forEach((layer, index) => {
    const prefix = `${layer.name ?? String(index)}.`;
    if (layer.kind === 'embedding') {
      const w = weight(`${prefix}weight`, [layer.vocabSize, layer.embeddingSize]);
      value = g.op('Gather', [g.floats(w, [layer.vocabSize, layer.embeddingSize], `${prefix}weight`), value], { axis: 0 });
      features = layer.embeddingSize;
      return;
    }
    if (layer.kind === 'recurrent') {
      const plan = plans.get(index)!;
      const native = nativeCell(plan.cell);
      const D = layer.bidirectional ? 2 : 1;
      toTimeMajor();
      let finals: string[] = [];
      // states: each state's [L·D, B, ...] input, sliced per direction; the final ones collected in the same order.
      const stateDecls = plan.def.states(plan.cell, plan.sizes[0]!);
      const stateIn = spec.states
        ? stateDecls.map((s) => g.input(`${prefix}${s.name}_0`, FLOAT, [plan.sizes.length * D, 'batch', ...s.shape.map((d, k) => (rest.length && k > 0 ? rest[k - 1]! : d))]))
        : [];
      const stateOut: string[][] = stateDecls.map(() => []);
      /** state j of direction k as [1, B, ...] */
      const sliceState = (j: number, k: number): string => g.op('Slice', [stateIn[j]!, g.int64s([k]), g.int64s([k + 1]), g.int64s([0])]);
      plan.sizes.forEach((sizes, l) => {
        const ys: string[] = [];
        finals = [];
        for (let d = 0; d < D; d++) {
          const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
          const r = native
            ? addNativeDirection(g, {
                native,
                hiddenSize: sizes.hiddenSize,
                inputSize: sizes.inputSize,
                reverse: d === 1,
                X: value,
                seqLens,
                weight: (local, shape) => weight(`${prefix}${local}${suffix}`, shape),
                prefix,
                suffix,
                ...(spec.states ? { h0u: sliceState(0, l * D + d), c0u: stateIn.length > 1 ? sliceState(1, l * D + d) : '' } : {}),
              })
            : addScanDirection(g, {
                step: plan.steps![l]!,
                params: new Map(
                  plan.def.params(plan.cell, sizes).map((p) => {
                    const name = `${prefix}${p.name}${suffix}`;
                    return [p.name, g.floats(weight(name, p.shape), p.shape, name)] as const;
                  }),
                ),
                X: value,
                mask: mask(value),
                reverse: d === 1,
                ...(spec.states ? { initial: stateIn.map((_, j) => g.op('Squeeze', [sliceState(j, l * D + d), g.int64s([0])])) } : {}),
              });
          if (spec.states) r.states.forEach((s, j) => stateOut[j]!.push(native ? s : g.op('Unsqueeze', [s, g.int64s([0])])));
          ys.push(r.y); // [T, B, O, ...]
          finals.push(r.final); // [B, O, ...]
        }
        value = D === 2 ? g.op('Concat', ys, { axis: 2 }) : (ys[0] as string);
      });
      stateDecls.forEach((s, j) => {
        if (!spec.states) return;
        const all = stateOut[j]!;
        g.node(all.length === 1 ? 'Identity' : 'Concat', all, [`${prefix}${s.name}_n`], all.length === 1 ? {} : { axis: 0 });
        g.output(`${prefix}${s.name}_n`, FLOAT, [plan.sizes.length * D, 'batch', ...s.shape.map((d, k) => (rest.length && k > 0 ? rest[k - 1]! : d))]);
      });
      features = D * plan.outFeatures;
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
  const outDims: Dim[] = [...(hasTime ? ['batch', 'time'] : ['batch']), features, ...rest];
  g.output('logits', FLOAT, outDims);
  return encodeModel(g.graph(), options.producer ?? 'rnnkit');
}
