// The cells `--cell` can put into the MNIST row model, with the size each one gets. The cell is the
// only variable: same data, seed, head (last output → dense 10), loss and optimizer. Sizes are
// chosen so the whole model has about as many parameters as the standard LSTM(28→128) model
// (82,186): a cell with fewer weights per hidden unit gets more units, not an easier comparison.
import { layers, type RecurrentSpec } from '@rnnkit/core';

export const CELL_NAMES = ['rnn', 'lstm', 'gru', 'ctrnn', 'jordan', 'minGru', 'minLstm', 'lstmProjection', 'lstmPeephole', 'lstmLayerNorm'] as const;
export type CellName = (typeof CELL_NAMES)[number];

/** The default: the standard configuration's LSTM. */
export const DEFAULT_CELL: CellName = 'lstm';

/** Options beside inputSize and hiddenSize, as the layer constructor takes them (plain JSON, so they go into results.json). */
export type CellOptions = Readonly<Record<string, number | string | boolean>>;

export interface CellChoice {
  /** Units of the cell's state. */
  readonly hiddenSize: number;
  readonly options: CellOptions;
}

// Parameter counts below are of the whole model (cell + dense 10), from core's own layer
// declarations (config.test.ts checks them and the ±3% band against 82,186).
export const CELLS: Readonly<Record<CellName, CellChoice>> = {
  // Elman RNN, tanh; H = 268 for the LSTM's parameter count (82,554)
  rnn: { hiddenSize: 268, options: { nonlinearity: 'tanh' } },
  // the standard configuration (82,186 parameters)
  lstm: { hiddenSize: 128, options: {} },
  // GRU (reset after, PyTorch), H = 150 (82,510)
  gru: { hiddenSize: 150, options: {} },
  // continuous-time RNN, tanh; the Elman layout, so the same H = 268 (82,554). α = 0.5 beat core's
  // default 0.2 (53.0%) and α = 1 (68.2%) on the quick profile (README)
  ctrnn: { hiddenSize: 268, options: { alpha: 0.5, nonlinearity: 'tanh' } },
  // Jordan network (the output tanh(W_ho h) feeds back, not h), H = 192, output 192 (81,610)
  jordan: { hiddenSize: 192, options: { outputSize: 192, nonlinearity: 'tanh' } },
  // minGRU (Feng et al. 2024): both blocks read x only, 2·H·(28 + 1) weights, so H = 1200 (81,610)
  minGru: { hiddenSize: 1200, options: {} },
  // minLSTM (Feng et al. 2024): three x-only blocks, 3·H·(28 + 1) weights, so H = 848 (82,266)
  minLstm: { hiddenSize: 848, options: {} },
  // LSTM with a projection (PyTorch proj_size), H = 160 → 80 (84,010)
  lstmProjection: { hiddenSize: 160, options: { projSize: 80 } },
  // peephole LSTM, H = 128 as the standard: 3·128 peephole weights more (82,570)
  lstmPeephole: { hiddenSize: 128, options: { peephole: true } },
  // layer-normalised LSTM, H = 128 as the standard: the norms' gains and shifts replace the biases (82,442)
  lstmLayerNorm: { hiddenSize: 128, options: { layerNorm: true } },
};

export function isCellName(v: string): v is CellName {
  return (CELL_NAMES as readonly string[]).includes(v);
}

/** The recurrent layer for a cell at the given size and options (CELLS' by default), final output only. */
export function cellLayer(cell: CellName, inputSize: number, hiddenSize = CELLS[cell]?.hiddenSize, options: CellOptions = CELLS[cell]?.options ?? {}): RecurrentSpec {
  if (!isCellName(cell) || hiddenSize === undefined) throw new Error(`cell: expected one of ${CELL_NAMES.join(', ')}, got ${JSON.stringify(cell)}`);
  const size = { inputSize, hiddenSize };
  const nonlinearity = (options.nonlinearity ?? 'tanh') as 'tanh' | 'relu';
  // Typed calls, one per cell, so a change in core's constructors is a compile error here.
  switch (cell) {
    case 'rnn':
      return layers.rnn({ ...size, nonlinearity });
    case 'lstm':
      return layers.lstm(size);
    case 'gru':
      return layers.gru(size);
    case 'ctrnn':
      return layers.ctrnn({ ...size, alpha: options.alpha as number, nonlinearity });
    case 'jordan':
      return layers.jordan({ ...size, outputSize: options.outputSize as number, nonlinearity });
    case 'minGru':
      return layers.minGru(size);
    case 'minLstm':
      return layers.minLstm(size);
    case 'lstmProjection':
      return layers.lstm({ ...size, projSize: options.projSize as number });
    case 'lstmPeephole':
      return layers.lstm({ ...size, peephole: true });
    case 'lstmLayerNorm':
      return layers.lstm({ ...size, layerNorm: true });
  }
}

/** Features of the cell's output per step (what the dense head reads): hiddenSize unless it projects or feeds back another size. */
export function cellOutputSize(hiddenSize: number, options: CellOptions): number {
  return (options.projSize ?? options.outputSize ?? hiddenSize) as number;
}

/** "GRU(28→150)"-style name for reports. */
export function cellTitle(cell: CellName, inputSize: number, hiddenSize = CELLS[cell].hiddenSize, options: CellOptions = CELLS[cell].options): string {
  const title: Record<CellName, string> = {
    rnn: 'RNN',
    lstm: 'LSTM',
    gru: 'GRU',
    ctrnn: 'CTRNN',
    jordan: 'Jordan',
    minGru: 'minGRU',
    minLstm: 'minLSTM',
    lstmProjection: 'LSTM-projection',
    lstmPeephole: 'LSTM-peephole',
    lstmLayerNorm: 'LSTM-layerNorm',
  };
  // Sizes go into the arrows (H, then the projected or fed-back output); the rest are named.
  const named = Object.entries(options).flatMap(([k, v]) => (k === 'alpha' ? [`α ${v}`] : k === 'nonlinearity' ? [String(v)] : []));
  const out = cellOutputSize(hiddenSize, options);
  return `${title[cell]}(${inputSize}→${hiddenSize}${out !== hiddenSize || cell === 'jordan' ? `→${out}` : ''}${named.length ? `; ${named.join(', ')}` : ''})`;
}
