// The CLI's built-in model: bench's MNIST row classifier (one pixel row per step, 28 steps, the
// cell's last output, dense 10), with any cell of the catalogue under bench's --cell names.
import { layers, type LayerSpec, type RecurrentSpec } from '@rnnkit/core';

export const MNIST_CELLS = ['rnn', 'lstm', 'gru', 'ctrnn', 'jordan', 'minGru', 'minLstm', 'lstmProjection', 'lstmPeephole', 'lstmLayerNorm'] as const;
export type MnistCell = (typeof MNIST_CELLS)[number];

function cellLayer(cell: string, inputSize: number, hiddenSize: number): RecurrentSpec {
  const size = { inputSize, hiddenSize };
  switch (cell as MnistCell) {
    case 'rnn':
      return layers.rnn(size);
    case 'lstm':
      return layers.lstm(size);
    case 'gru':
      return layers.gru(size);
    case 'ctrnn':
      return layers.ctrnn(size);
    case 'jordan':
      return layers.jordan({ ...size, outputSize: hiddenSize });
    case 'minGru':
      return layers.minGru(size);
    case 'minLstm':
      return layers.minLstm(size);
    case 'lstmProjection':
      return layers.lstm({ ...size, projSize: Math.max(1, Math.floor(hiddenSize / 2)) });
    case 'lstmPeephole':
      return layers.lstm({ ...size, peephole: true });
    case 'lstmLayerNorm':
      return layers.lstm({ ...size, layerNorm: true });
  }
  throw new Error(`--cell: expected one of ${MNIST_CELLS.join(', ')}, got ${JSON.stringify(cell)}`);
}

/** `[cell over 28 rows of 28 pixels, dense 10]`. */
export function mnistModel(cell: string, hiddenSize: number): LayerSpec[] {
  return [cellLayer(cell, 28, hiddenSize), layers.dense({ units: 10 })];
}
