// LSTM (PyTorch nn.LSTM), gate blocks i, f, g, o:
//   i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of W_ih x_t + b_ih + W_hh h_{t−1} + b_hh
//   c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// weight_ih: [4H, I], weight_hh: [4H, H], bias_ih, bias_hh: [4H]; states [h, c].
import type { CellDefinition } from './cell.js';
import { param } from './cell.js';
import { blocks, linear, linearBackward } from './linear.js';
import { booleanOption, rejectUnknown } from './options.js';

export interface LstmCell {
  readonly kind: 'lstm';
  /** Initialisation only: the forget-gate slice of bias_ih starts at 1 (Keras unit_forget_bias). */
  readonly unitForgetBias: boolean;
  readonly [option: string]: unknown;
}

export const lstmCell: CellDefinition<LstmCell> = {
  kind: 'lstm',
  configure(o, where) {
    rejectUnknown(o, ['unitForgetBias'], where);
    return { kind: 'lstm', unitForgetBias: booleanOption(o.unitForgetBias, true, 'unitForgetBias', where) };
  },
  params: (_cell, { inputSize: I, hiddenSize: H }) => [
    { name: 'weight_ih', shape: [4 * H, I], role: 'input' },
    { name: 'weight_hh', shape: [4 * H, H], role: 'recurrent' },
    { name: 'bias_ih', shape: [4 * H], role: 'bias' },
    { name: 'bias_hh', shape: [4 * H], role: 'bias' },
  ],
  states: (_cell, { hiddenSize: H }) => [
    { name: 'h', shape: [H] },
    { name: 'c', shape: [H] },
  ],
  adjustInit(cell, { hiddenSize: H }, values) {
    // The forget slice is [H, 2H); a total forget bias of 1 = bias_ih 1 + bias_hh 0.
    if (!cell.unitForgetBias) return;
    values.get('bias_ih')!.fill(1, H, 2 * H);
    values.get('bias_hh')!.fill(0, H, 2 * H);
  },
  // x: [B, I], h, c: [B, H] → h', c': [B, H]; cache [i, f, g, o, tanh(c')]
  async forward(ops, _cell, p, x, [h, c]) {
    const pre = await ops.add(await linear(ops, x, param(p, 'weight_ih'), param(p, 'bias_ih')), await linear(ops, h!, param(p, 'weight_hh'), param(p, 'bias_hh')));
    const [pi, pf, pg, po] = await blocks(ops, pre, 4);
    const i = await ops.activation('sigmoid', pi!);
    const f = await ops.activation('sigmoid', pf!);
    const g = await ops.activation('tanh', pg!);
    const o = await ops.activation('sigmoid', po!);
    const cNext = await ops.add(await ops.mul(f, c!), await ops.mul(i, g));
    const tc = await ops.activation('tanh', cNext);
    const hNext = await ops.mul(o, tc);
    return { states: [hNext, cNext], cache: [i, f, g, o, tc] };
  },
  async backward(ops, _cell, p, x, [h, c], [i, f, g, o, tc], [dh, dcNext]) {
    const dO = await ops.mul(dh!, tc!);
    // dc = dc' + dh ⊙ o ⊙ (1 − tanh²(c'))
    const dc = await ops.add(dcNext!, await ops.activationGrad('tanh', tc!, await ops.mul(dh!, o!)));
    const dPre = await ops.concat(
      [
        await ops.activationGrad('sigmoid', i!, await ops.mul(dc, g!)),
        await ops.activationGrad('sigmoid', f!, await ops.mul(dc, c!)),
        await ops.activationGrad('tanh', g!, await ops.mul(dc, i!)),
        await ops.activationGrad('sigmoid', o!, dO),
      ],
      1,
    );
    const gi = await linearBackward(ops, x, param(p, 'weight_ih'), dPre);
    const gh = await linearBackward(ops, h!, param(p, 'weight_hh'), dPre);
    const grads = new Map([
      ['weight_ih', gi.dw],
      ['weight_hh', gh.dw],
      ['bias_ih', gi.db],
      ['bias_hh', gh.db],
    ]);
    return { dx: gi.dx, dStates: [gh.dx, await ops.mul(dc, f!)], grads };
  },
  describe: () => 'lstm',
};
