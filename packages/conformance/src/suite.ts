// What every part of the suite receives: the backend under test (behind core's argument checks),
// the float64 reference, the tolerance derived from the backend's precision, and what the
// backend declares (capabilities; fused kernels are read from `backend.fused`).
import { cellDefinition, type Backend, type Capabilities, type CellConfig } from '@rnnkit/core';
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
  /** Cell kinds the backend declared fused kernels for (read while the suite is collected). */
  readonly fusedKinds: readonly string[];
  readonly leakSteps: number;
}

/** Every cell configuration the suite exercises on both paths (the classic four-parameter layout). */
export const ALL_CELLS: readonly CellConfig[] = [
  { kind: 'rnn', nonlinearity: 'tanh' },
  { kind: 'rnn', nonlinearity: 'relu' },
  { kind: 'lstm', unitForgetBias: false },
  { kind: 'gru', resetAfter: true },
  { kind: 'gru', resetAfter: false },
  { kind: 'ctrnn', alpha: 0.3, nonlinearity: 'tanh' },
];

/**
 * The catalogue's other cells, each in a configuration with every parameter it has; the layer
 * tests (finite differences, backend against reference) run them beside ALL_CELLS. ConvLSTM
 * runs on small frames (`frame`).
 */
export const CATALOGUE_CELLS: readonly CellConfig[] = [
  { kind: 'lstm', unitForgetBias: false, projSize: 2 },
  { kind: 'lstm', unitForgetBias: false, peephole: true },
  { kind: 'lstm', unitForgetBias: false, layerNorm: true },
  { kind: 'jordan', outputSize: 3, nonlinearity: 'tanh' },
  { kind: 'minGru' },
  { kind: 'minLstm' },
  { kind: 'convLstm', kernelSize: 3, unitForgetBias: false },
];

/** Frame size the suite gives image cells. */
export function frameFor(cell: CellConfig): readonly [number, number] | undefined {
  return (cellDefinition(cell.kind).inputRank ?? 1) === 3 ? [3, 4] : undefined;
}

/**
 * The paths a cell runs on: generic always; `fused` (the fast path) when the backend declared a
 * kernel for the kind or the cell has a sequence form of its own.
 */
export function declaredPaths(s: Pick<Suite, 'fusedKinds'>, cell: CellConfig): ('fused' | 'generic')[] {
  return s.fusedKinds.includes(cell.kind) || cellDefinition(cell.kind).sequence ? ['fused', 'generic'] : ['generic'];
}

/** `lstm`, `gru(resetAfter)`, `ctrnn(α 0.3, tanh)`: the cell's own description. */
export function describeConfig(cell: CellConfig): string {
  return cellDefinition(cell.kind).describe(cell);
}
