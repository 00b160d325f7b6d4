// Jordan network (Jordan 1986): the output, not the hidden layer, is fed back.
//   h_t = act(W_ih x_t + b_ih + W_hh s_{t−1} + b_hh),  y_t = tanh(W_ho h_t + b_ho),  s_t = y_t
// weight_ih: [H, I], weight_hh: [H, O], bias_ih, bias_hh: [H], weight_ho: [O, H], bias_ho: [O];
// state [s]: [B, O]; output [B, T, O].
import type { CellDefinition } from './cell.js';
import { param } from './cell.js';
import { classicPre, classicPreBackward, linear, linearBackward } from './linear.js';
import { nonlinearityOption, rejectUnknown, type Nonlinearity } from './options.js';

export interface JordanCell {
  readonly kind: 'jordan';
  /** O, the size of the output fed back. */
  readonly outputSize: number;
  readonly nonlinearity: Nonlinearity;
  readonly [option: string]: unknown;
}

export const jordanCell: CellDefinition<JordanCell> = {
  kind: 'jordan',
  configure(o, where) {
    rejectUnknown(o, ['outputSize', 'nonlinearity'], where);
    const O = o.outputSize;
    if (typeof O !== 'number' || !Number.isInteger(O) || O < 1) throw new Error(`${where}: outputSize: expected a positive integer (the size of the output fed back), got ${JSON.stringify(O)}`);
    return { kind: 'jordan', outputSize: O, nonlinearity: nonlinearityOption(o.nonlinearity, where) };
  },
  params: (cell, { inputSize: I, hiddenSize: H }) => [
    { name: 'weight_ih', shape: [H, I], role: 'input' },
    { name: 'weight_hh', shape: [H, cell.outputSize], role: 'recurrent' },
    { name: 'bias_ih', shape: [H], role: 'bias' },
    { name: 'bias_hh', shape: [H], role: 'bias' },
    { name: 'weight_ho', shape: [cell.outputSize, H], role: 'input' },
    { name: 'bias_ho', shape: [cell.outputSize], role: 'bias' },
  ],
  states: (cell) => [{ name: 's', shape: [cell.outputSize] }],
  // x: [B, I], s: [B, O] → s' = y: [B, O]; cache [a = act(pre): [B, H], y]
  async forward(ops, cell, p, x, [s]) {
    const pre = await classicPre(ops, p, x, s!);
    const a = await ops.activation(cell.nonlinearity, pre);
    const y = await ops.activation('tanh', await linear(ops, a, param(p, 'weight_ho'), param(p, 'bias_ho')));
    return { states: [y], cache: [a, y] };
  },
  async backward(ops, cell, p, x, [s], [a, y], [dy]) {
    const dz = await ops.activationGrad('tanh', y!, dy!);
    const go = await linearBackward(ops, a!, param(p, 'weight_ho'), dz);
    const dPre = await ops.activationGrad(cell.nonlinearity, a!, go.dx);
    const gi = await classicPreBackward(ops, p, x, s!, dPre);
    gi.grads.set('weight_ho', go.dw);
    gi.grads.set('bias_ho', go.db);
    return { dx: gi.dx, dStates: [gi.ds], grads: gi.grads };
  },
  describe: (cell) => `jordan(outputSize ${cell.outputSize}, ${cell.nonlinearity})`,
};
