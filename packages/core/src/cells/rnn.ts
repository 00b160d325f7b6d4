// Elman RNN (PyTorch nn.RNN): h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act tanh | relu.
// weight_ih: [H, I], weight_hh: [H, H], bias_ih, bias_hh: [H]; state [h].
import type { CellDefinition } from './cell.js';
import { classicPre, classicPreBackward } from './linear.js';
import { nonlinearityOption, rejectUnknown, type Nonlinearity } from './options.js';

export interface RnnCell {
  readonly kind: 'rnn';
  readonly nonlinearity: Nonlinearity;
  readonly [option: string]: unknown;
}

export const rnnCell: CellDefinition<RnnCell> = {
  kind: 'rnn',
  configure(o, where) {
    rejectUnknown(o, ['nonlinearity'], where);
    return { kind: 'rnn', nonlinearity: nonlinearityOption(o.nonlinearity, where) };
  },
  params: (_cell, { inputSize: I, hiddenSize: H }) => [
    { name: 'weight_ih', shape: [H, I], role: 'input' },
    { name: 'weight_hh', shape: [H, H], role: 'recurrent' },
    { name: 'bias_ih', shape: [H], role: 'bias' },
    { name: 'bias_hh', shape: [H], role: 'bias' },
  ],
  states: (_cell, { hiddenSize: H }) => [{ name: 'h', shape: [H] }],
  // x: [B, I], h: [B, H] → h': [B, H]; cache [h']
  async forward(ops, cell, p, x, [h]) {
    const pre = await classicPre(ops, p, x, h!);
    const next = await ops.activation(cell.nonlinearity, pre);
    return { states: [next], cache: [next] };
  },
  async backward(ops, cell, p, x, [h], [next], [dNext]) {
    const dPre = await ops.activationGrad(cell.nonlinearity, next!, dNext!);
    const gi = await classicPreBackward(ops, p, x, h!, dPre);
    return { dx: gi.dx, dStates: [gi.ds], grads: gi.grads };
  },
  describe: (cell) => `rnn(${cell.nonlinearity})`,
};
