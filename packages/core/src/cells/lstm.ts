// The LSTM family (PyTorch nn.LSTM and its variants in shared/CELLS.md), gate blocks i, f, g, o.
// One layer name, `layers.lstm`, with at most one variant option:
//   classic     i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t−1} + b_hh;
//               c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t)        (here)
//   projSize    h_t = W_hr (o ⊙ tanh(c_t)), h: [P]                      (lstm-projection.ts)
//   peephole    the gates also read the cell state                      (lstm-peephole.ts)
//   layerNorm   every gate block and the cell are layer-normalised      (lstm-layer-norm.ts)
// The options pick the equations, so a classic fused kernel takes only the classic configuration
// (core's `classicCell`); every variant runs wherever the generic path runs.
import type { CellDefinition } from './cell.js';
import { classicPre, classicPreBackward } from './linear.js';
import { forgetBiasOne, lstmGates, lstmGatesBackward, lstmParams, lstmStates } from './lstm-gates.js';
import { layerNormLstm } from './lstm-layer-norm.js';
import { peepholeLstm } from './lstm-peephole.js';
import { projectionLstm } from './lstm-projection.js';
import { booleanOption, rejectUnknown } from './options.js';

export interface LstmCell {
  readonly kind: 'lstm';
  /** Initialisation only: the forget gate's bias (β_f under layerNorm) starts at 1 (Keras unit_forget_bias). */
  readonly unitForgetBias: boolean;
  /** Projection size P (PyTorch proj_size), 0 < P < hiddenSize; absent without projection. */
  readonly projSize?: number | undefined;
  readonly peephole?: boolean | undefined;
  readonly layerNorm?: boolean | undefined;
  readonly [option: string]: unknown;
}

/** What one variant defines; the family's definition dispatches to it. */
export type LstmVariant = Pick<CellDefinition<LstmCell>, 'params' | 'states' | 'adjustInit' | 'forward' | 'backward'>;

const classic: LstmVariant = {
  params: (_cell, sizes) => lstmParams(sizes),
  states: (_cell, sizes) => lstmStates(sizes),
  adjustInit: forgetBiasOne,
  // x: [B, I], h, c: [B, H] → h', c': [B, H]; cache [i, f, g, o, tanh(c')]
  async forward(ops, _cell, p, x, [h, c]) {
    const pre = await classicPre(ops, p, x, h!);
    const gt = await lstmGates(ops, pre, c!);
    return { states: [gt.m, gt.cNext], cache: [gt.i, gt.f, gt.g, gt.o, gt.tc] };
  },
  async backward(ops, _cell, p, x, [h, c], [i, f, g, o, tc], [dh, dcNext]) {
    const { dPre, dc } = await lstmGatesBackward(ops, { i: i!, f: f!, g: g!, o: o!, tc: tc! }, c!, dh!, dcNext!);
    const gi = await classicPreBackward(ops, p, x, h!, dPre);
    return { dx: gi.dx, dStates: [gi.ds, dc], grads: gi.grads };
  },
};

function variant(cell: LstmCell): LstmVariant {
  if (cell.projSize !== undefined) return projectionLstm;
  if (cell.peephole) return peepholeLstm;
  if (cell.layerNorm) return layerNormLstm;
  return classic;
}

export const lstmCell: CellDefinition<LstmCell> = {
  kind: 'lstm',
  configure(o, where) {
    rejectUnknown(o, ['unitForgetBias', 'projSize', 'peephole', 'layerNorm'], where);
    const projSize = o.projSize;
    if (projSize !== undefined && (typeof projSize !== 'number' || !Number.isInteger(projSize) || projSize < 1)) {
      throw new Error(`${where}: projSize: expected a positive integer smaller than hiddenSize, got ${JSON.stringify(projSize)}`);
    }
    const peephole = booleanOption(o.peephole, false, 'peephole', where);
    const layerNorm = booleanOption(o.layerNorm, false, 'layerNorm', where);
    const chosen = [projSize !== undefined && 'projSize', peephole && 'peephole: true', layerNorm && 'layerNorm: true'].filter(Boolean);
    if (chosen.length > 1) throw new Error(`${where}: ${chosen.join(' and ')} cannot be combined (projSize, peephole and layerNorm are separate LSTM variants)`);
    const cell: LstmCell = { kind: 'lstm', unitForgetBias: booleanOption(o.unitForgetBias, true, 'unitForgetBias', where) };
    // Only the variant's own key is present, so a classic configuration stays `{ kind, unitForgetBias }`.
    if (projSize !== undefined) return { ...cell, projSize };
    if (peephole) return { ...cell, peephole };
    if (layerNorm) return { ...cell, layerNorm };
    return cell;
  },
  params: (cell, sizes) => variant(cell).params(cell, sizes),
  states: (cell, sizes) => variant(cell).states(cell, sizes),
  adjustInit: (cell, sizes, values, scheme) => variant(cell).adjustInit?.(cell, sizes, values, scheme),
  forward: (ops, cell, p, x, states) => variant(cell).forward(ops, cell, p, x, states),
  backward: (ops, cell, p, x, states, cache, dNext) => variant(cell).backward(ops, cell, p, x, states, cache, dNext),
  describe: (cell) => (cell.projSize !== undefined ? `lstm(projSize ${cell.projSize})` : cell.peephole ? 'lstm(peephole)' : cell.layerNorm ? 'lstm(layerNorm)' : 'lstm'),
};
