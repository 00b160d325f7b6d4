// Facts about the classic cells that fused kernels and exporters need (gate counts and orders in
// PyTorch's weight layout). The cells themselves are defined in cells/*.ts.
import type { GruCell } from './cells/gru.js';
import type { LstmCell } from './cells/lstm.js';
import type { RnnCell } from './cells/rnn.js';

export type RnnNonlinearity = 'tanh' | 'relu';

/** The classic cells, which every backend has fused kernels for. */
export type CellSpec = RnnCell | LstmCell | GruCell;
export type CellKind = CellSpec['kind'];

/** Number of gate blocks G stacked in the weight matrices' first axis. */
export function gateCount(kind: CellKind): number {
  switch (kind) {
    case 'rnn':
      return 1;
    case 'lstm':
      return 4;
    case 'gru':
      return 3;
  }
}

/** Gate names in the order their blocks appear in the weights (PyTorch order). */
export function gateOrder(kind: CellKind): readonly string[] {
  switch (kind) {
    case 'rnn':
      return ['h'];
    case 'lstm':
      return ['i', 'f', 'g', 'o'];
    case 'gru':
      return ['r', 'z', 'n'];
  }
}

/** Whether the cell carries a cell state `c` beside `h`. */
export function hasCellState(kind: string): boolean {
  return kind === 'lstm';
}

/** Human-readable cell description, e.g. `gru(resetAfter)`. */
export function describeCell(cell: CellSpec): string {
  switch (cell.kind) {
    case 'rnn':
      return `rnn(${cell.nonlinearity})`;
    case 'lstm':
      return 'lstm';
    case 'gru':
      return cell.resetAfter ? 'gru(resetAfter)' : 'gru(resetBefore)';
  }
}
