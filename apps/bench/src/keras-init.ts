// Keras' default initialisation for the benchmark models, as an alternative to core's PyTorch
// defaults: glorot_uniform input kernels, orthogonal recurrent kernels, zero biases with the LSTM
// forget bias at 1 (unit_forget_bias), glorot_uniform dense kernel, embedding U(−0.05, 0.05).
// Seeded with core's Rng, and applied with model.setWeights, so every backend (and the --peers row)
// starts from the same numbers. Keras layouts are the transposes of PyTorch's; for i.i.d. draws that
// changes nothing, and the orthogonal matrix is built so that the PyTorch-layout weight_hh [4H, H]
// has orthonormal columns (Keras' recurrent_kernel [H, 4H] has orthonormal rows).
import { Rng } from '@rnnkit/core';
import type { ImdbModel, MnistModel } from './config.js';

function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => rng.uniform(-limit, limit));
}

/**
 * A [rows, cols] matrix (rows ≥ cols) with orthonormal columns: modified Gram–Schmidt on a standard
 * normal matrix, column signs fixed as Keras does (q · sign(diag(r))), i.e. r's diagonal positive.
 */
export function orthogonalColumns(rng: Rng, rows: number, cols: number): Float32Array {
  if (rows < cols) throw new Error(`orthogonalColumns: expected rows >= cols, got ${rows} × ${cols}`);
  const a = Float64Array.from({ length: rows * cols }, () => rng.normal());
  // Work on columns: column j is a[i * cols + j].
  for (let j = 0; j < cols; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += a[i * cols + k]! * a[i * cols + j]!;
      for (let i = 0; i < rows; i++) a[i * cols + j]! -= dot * a[i * cols + k]!;
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += a[i * cols + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) a[i * cols + j]! /= norm;
  }
  return Float32Array.from(a);
}

/** LSTM parameters in PyTorch layout with Keras' initialisers. */
function lstm(rng: Rng, prefix: string, I: number, H: number, out: Map<string, Float32Array>): void {
  out.set(`${prefix}.weight_ih_l0`, glorotUniform(rng, I, 4 * H));
  out.set(`${prefix}.weight_hh_l0`, orthogonalColumns(rng, 4 * H, H));
  const bIh = new Float32Array(4 * H);
  bIh.fill(1, H, 2 * H); // gate order i, f, g, o: forget slice [H, 2H)
  out.set(`${prefix}.bias_ih_l0`, bIh);
  out.set(`${prefix}.bias_hh_l0`, new Float32Array(4 * H));
}

/** Initial weights for the task's model, by state_dict name. */
export function kerasInitialWeights(model: MnistModel | ImdbModel, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  if (model.kind === 'mnist') {
    lstm(rng, '0', model.inputSize, model.hiddenSize, out);
    out.set('1.weight', glorotUniform(rng, model.hiddenSize, model.classes));
    out.set('1.bias', new Float32Array(model.classes));
  } else {
    out.set('0.weight', Float32Array.from({ length: model.numWords * model.embeddingSize }, () => rng.uniform(-0.05, 0.05)));
    lstm(rng, '1', model.embeddingSize, model.hiddenSize, out);
    out.set('2.weight', glorotUniform(rng, model.hiddenSize, 1));
    out.set('2.bias', new Float32Array(1));
  }
  return out;
}
