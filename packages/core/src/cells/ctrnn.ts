// Continuous-time RNN: the Euler step of τ dh/dt = −h + act(W_ih x + b_ih + W_hh h + b_hh),
//   h_t = (1 − α) h_{t−1} + α · act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh),  α = Δt/τ ∈ (0, 1].
// Parameters as the Elman RNN (weight_ih: [H, I], weight_hh: [H, H], biases [H]); α is a fixed
// hyper-parameter, not trained. With α = 1 it is exactly the Elman RNN.
import type { CellDefinition } from './cell.js';
import { classicPre, classicPreBackward } from './linear.js';
import { nonlinearityOption, rejectUnknown, type Nonlinearity } from './options.js';
import { rnnCell } from './rnn.js';

export interface CtrnnCell {
  readonly kind: 'ctrnn';
  readonly alpha: number;
  readonly nonlinearity: Nonlinearity;
  readonly [option: string]: unknown;
}

export const ctrnnCell: CellDefinition<CtrnnCell> = {
  kind: 'ctrnn',
  configure(o, where) {
    rejectUnknown(o, ['alpha', 'nonlinearity'], where);
    const alpha = o.alpha ?? 0.2;
    if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) {
      throw new Error(`${where}: alpha: expected a number in (0, 1], got ${JSON.stringify(alpha)}`);
    }
    return { kind: 'ctrnn', alpha, nonlinearity: nonlinearityOption(o.nonlinearity, where) };
  },
  params: (_cell, sizes) => rnnCell.params({ kind: 'rnn', nonlinearity: 'tanh' }, sizes),
  states: (_cell, sizes) => rnnCell.states({ kind: 'rnn', nonlinearity: 'tanh' }, sizes),
  // x: [B, I], h: [B, H] → h': [B, H]; cache [a = act(pre)]
  async forward(ops, cell, p, x, [h]) {
    const pre = await classicPre(ops, p, x, h!);
    const a = await ops.activation(cell.nonlinearity, pre);
    const next = await ops.add(await ops.affine(h!, 1 - cell.alpha, 0), await ops.affine(a, cell.alpha, 0));
    return { states: [next], cache: [a] };
  },
  async backward(ops, cell, p, x, [h], [a], [dNext]) {
    // dh' → da = α dh', dpre = act′ ⊙ da; dh = (1 − α) dh' + dpre W_hh
    const dPre = await ops.activationGrad(cell.nonlinearity, a!, await ops.affine(dNext!, cell.alpha, 0));
    const g = await classicPreBackward(ops, p, x, h!, dPre);
    const dh = await ops.add(g.ds, await ops.affine(dNext!, 1 - cell.alpha, 0));
    return { dx: g.dx, dStates: [dh], grads: g.grads };
  },
  describe: (cell) => `ctrnn(α ${cell.alpha}, ${cell.nonlinearity})`,
};
