// What every part of the suite receives: the backend under test, the float64 reference, the
// tolerance derived from the backend's precision, and the backend's declared capabilities.
import type { Backend, Capabilities, CellSpec } from '@rnnkit/core';
import type { Tolerance } from './tolerance.js';

export interface ConformanceOptions {
  /** Training steps of the leak check (default 1000). */
  readonly leakSteps?: number;
  /** Shown in the suite's name, e.g. `js float32`. */
  readonly label?: string;
}

export interface Suite {
  /** The backend under test; only available inside tests (created in beforeAll). */
  readonly backend: Backend;
  /** `createJsBackend({ precision: 'float64' })`. */
  readonly reference: Backend;
  readonly tol: Tolerance;
  readonly caps: Capabilities;
  readonly leakSteps: number;
}

/** Every cell configuration the suite exercises. */
export const ALL_CELLS: readonly CellSpec[] = [
  { kind: 'rnn', nonlinearity: 'tanh' },
  { kind: 'rnn', nonlinearity: 'relu' },
  { kind: 'lstm' },
  { kind: 'gru', resetAfter: true },
  { kind: 'gru', resetAfter: false },
];

/** Whether the backend declares support for this cell (kind listed, and reset-before GRU flagged). */
export function supportsCell(caps: Capabilities, cell: CellSpec): boolean {
  if (!caps.cells.includes(cell.kind)) return false;
  if (cell.kind === 'gru' && !cell.resetAfter && !caps.gruResetBefore) return false;
  return true;
}
