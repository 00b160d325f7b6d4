// Export a core `Sequential` model: its layer specs become an OnnxExportSpec and its parameters (already
// named `${layerIndex}.${pytorchName}`, the names exportOnnx expects) the weights.

import type { CellConfig, LayerSpec, RnnNonlinearity, Sequential } from '@rnnkit/core';
import { cellDefinition } from '@rnnkit/core';
import type { GraphCell } from './graph-cell.js';
import { exportOnnx, type OnnxExportLayer, type OnnxExportOptions, type OnnxExportSpec, type OnnxExportWeights } from './export-onnx.js';

export interface ModelExportOptions extends OnnxExportOptions {
  /** Add a `lengths: [B] int32` input. */
  readonly lengths?: boolean;
  /** Element type of `ids` for models that start with an embedding; default int64. */
  readonly idsType?: 'int64' | 'int32';
}

/** A layer's cell, normalised by its definition (defaults filled), as the ONNX operator that computes it. */
function exportCell(kind: string, options: Readonly<Record<string, unknown>>, where: string): GraphCell {
  const cell: CellConfig = cellDefinition(kind).configure(options, where);
  switch (cell.kind) {
    case 'rnn':
      return { kind: 'rnn', nonlinearity: cell.nonlinearity as RnnNonlinearity };
    case 'lstm':
      return { kind: 'lstm' };
    case 'gru':
      return { kind: 'gru', resetAfter: cell.resetAfter === true };
    default:
      throw new Error(`${where}: cell '${cell.kind}' has no ONNX operator (exportable cells: rnn, lstm, gru)`);
  }
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
      const inputSize = spec.inputSize ?? features;
      if (!inputSize) throw new Error(`exportModelOnnx: layers[${index}]: inputSize is unknown (first layer without inputSize)`);
      features = (spec.bidirectional ? 2 : 1) * spec.hiddenSize;
      const cell = exportCell(spec.cell, spec.options, `exportModelOnnx: layers[${index}]`);
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
  return { layers, ...(options.lengths ? { lengths: true } : {}), ...(options.idsType ? { idsType: options.idsType } : {}) };
}

/** The model as standalone ONNX bytes (reads its weights back from the backend). */
export async function exportModelOnnx(model: Sequential, options: ModelExportOptions = {}): Promise<Uint8Array> {
  const shapes = model.parameterShapes();
  const weights: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const [name, data] of await model.getWeights()) weights[name] = { shape: shapes.get(name) as readonly number[], data };
  return exportOnnx(onnxSpecFromLayers(model.specs, options), weights as OnnxExportWeights, options);
}
