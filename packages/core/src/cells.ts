// Facts about the classic cells that fused kernels and exporters need (gate counts and orders in
// PyTorch's weight layout). The cells themselves are defined in cells/*.ts.
import type { CellConfig } from './cells/cell.js';
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

/**
 * `cell` as a classic cell when it is one, with only the options that cell defines and valid
 * values; undefined otherwise. A fused kernel for a classic kind accepts exactly these: any other
 * option may change the equations, so such a cell runs on the generic path instead.
 */
export function classicCell(cell: CellConfig): CellSpec | undefined {
  const only = (...known: string[]) => Object.keys(cell).every((k) => k === 'kind' || cell[k] === undefined || known.includes(k));
  switch (cell.kind) {
    case 'rnn':
      return only('nonlinearity') && (cell.nonlinearity === 'tanh' || cell.nonlinearity === 'relu') ? { kind: 'rnn', nonlinearity: cell.nonlinearity } : undefined;
    case 'lstm':
      // unitForgetBias only sets initial values.
      return only('unitForgetBias') ? { kind: 'lstm', unitForgetBias: cell.unitForgetBias === true } : undefined;
    case 'gru':
      return only('resetAfter') && typeof cell.resetAfter === 'boolean' ? { kind: 'gru', resetAfter: cell.resetAfter } : undefined;
    default:
      return undefined;
  }
}
