// Export a core `Sequential` model: its layer specs become an OnnxExportSpec and its parameters (already
// named `${layerIndex}.${pytorchName}`, the names exportOnnx expects) the weights.

import type { LayerSpec, Sequential } from '@rnnkit/core';
import { cellDefinition } from '@rnnkit/core';
import { exportOnnx, type OnnxExportLayer, type OnnxExportOptions, type OnnxExportSpec, type OnnxExportWeights } from './export-onnx.js';

export interface ModelExportOptions extends OnnxExportOptions {
  /** Add a `lengths: [B] int32` input. */
  readonly lengths?: boolean;
  /** Element type of `ids` for models that start with an embedding; default int64. */
  readonly idsType?: 'int64' | 'int32';
  /** State in and out (`0.h_0`, `0.c_0` → `0.h_n`, `0.c_n`), for step-by-step generation; see OnnxExportSpec.states. */
  readonly states?: boolean;
}

/** Core layer specs → export spec (dropout is a training-time op and has no place in the inference graph). */
export function onnxSpecFromLayers(specs: readonly LayerSpec[], options: ModelExportOptions = {}): OnnxExportSpec {
  let features = 0;
  const layers = specs.map((spec, index): OnnxExportLayer => {
    if (spec.type === 'embedding') {
      features = spec.outputDim;
      return { kind: 'embedding', vocabSize: spec.inputDim, embeddingSize: spec.outputDim };
    }
    if (spec.type === 'recurrent') {
      const where = `exportModelOnnx: layers[${index}]`;
      const inputSize = spec.inputSize ?? features;
      if (!inputSize) throw new Error(`${where}: inputSize is unknown (first layer without inputSize)`);
      // The cell's options as given: exportOnnx checks them with the cell's definition, as the model did.
      const cell = { ...spec.options, kind: spec.cell };
      const def = cellDefinition(spec.cell);
      // What the next layer reads: D × state 0's features (P with a projection, O for Jordan, H otherwise;
      // channels for image cells, which do not depend on the frame size, so a 1 × 1 frame stands in).
      const frame = (def.inputRank ?? 1) === 3 ? ([1, 1] as const) : undefined;
      const out = def.states(def.configure(spec.options, where), { inputSize, hiddenSize: spec.hiddenSize, ...(frame ? { spatial: frame } : {}) })[0]!.shape[0]!;
      features = (spec.bidirectional ? 2 : 1) * out;
      return {
        kind: 'recurrent',
        cell,
        inputSize,
        hiddenSize: spec.hiddenSize,
        numLayers: spec.numLayers,
        bidirectional: spec.bidirectional,
        returnSequences: spec.returnSequences,
      };
    }
    features = spec.units;
    return { kind: 'dense', units: spec.units };
  });
  return { layers, ...(options.lengths ? { lengths: true } : {}), ...(options.idsType ? { idsType: options.idsType } : {}), ...(options.states ? { states: true } : {}) };
}

/** The model as standalone ONNX bytes (reads its weights back from the backend). */
export async function exportModelOnnx(model: Sequential, options: ModelExportOptions = {}): Promise<Uint8Array> {
  const shapes = model.parameterShapes();
  const weights: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const [name, data] of await model.getWeights()) weights[name] = { shape: shapes.get(name) as readonly number[], data };
  return exportOnnx(onnxSpecFromLayers(model.specs, options), weights as OnnxExportWeights, options);
}
