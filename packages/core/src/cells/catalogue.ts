// Every cell core defines, by kind. A plain constant, not a registry: adding a cell is a new file
// in this folder and one line here (docs/architecture.md, "How to add a cell").
import type { CellDefinition } from './cell.js';
import { convLstmCell } from './conv-lstm.js';
import { ctrnnCell } from './ctrnn.js';
import { gruCell } from './gru.js';
import { jordanCell } from './jordan.js';
import { lstmCell } from './lstm.js';
import { minGruCell } from './min-gru.js';
import { minLstmCell } from './min-lstm.js';
import { rnnCell } from './rnn.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is a definition of its own config type
export const cellCatalogue: Readonly<Record<string, CellDefinition<any>>> = {
  rnn: rnnCell,
  lstm: lstmCell,
  gru: gruCell,
  ctrnn: ctrnnCell,
  jordan: jordanCell,
  minGru: minGruCell,
  minLstm: minLstmCell,
  convLstm: convLstmCell,
};

/** The definition of `kind`, or an error listing the kinds there are. */
export function cellDefinition(kind: string): CellDefinition {
  const def = Object.hasOwn(cellCatalogue, kind) ? cellCatalogue[kind] : undefined;
  if (!def) throw new Error(`cell: unknown kind '${kind}' (expected one of ${Object.keys(cellCatalogue).join(', ')})`);
  return def as CellDefinition;
}
