// ConvLSTM (Shi et al. 2015, as ndrplz/ConvLSTM_pytorch, without the Hadamard peepholes): the
// LSTM with its products replaced by "same" 2-D convolutions over image states.
//   pre = conv(x_t, W_ih) + b_ih + conv(h_{t−1}, W_hh) + b_hh, channel blocks i, f, g, o; then
//   c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t) element-wise.
// x_t: [B, C, Hh, Ww]; h, c: [B, Hc, Hh, Ww]; weight_ih: [4Hc, C, k, k], weight_hh: [4Hc, Hc, k, k],
// bias_ih, bias_hh: [4Hc]. `inputSize` is C and `hiddenSize` Hc; Hh, Ww come from x (`sizes.spatial`).
// With k = 1 and Hh = Ww = 1 it is exactly an LSTM.
import type { CellDefinition, CellSizes } from './cell.js';
import { param } from './cell.js';
import { channelSums } from './linear.js';
import { forgetBiasOne, lstmGates, lstmGatesBackward } from './lstm-gates.js';
import { booleanOption, rejectUnknown } from './options.js';

export interface ConvLstmCell {
  readonly kind: 'convLstm';
  /** Odd kernel size k ("same" padding (k − 1)/2). */
  readonly kernelSize: number;
  readonly unitForgetBias: boolean;
  readonly [option: string]: unknown;
}

function spatial({ spatial }: CellSizes): readonly [number, number] {
  if (!spatial) throw new Error('convLstm: the frame height and width are read from x [B, T, C, H, W]; none was given');
  return spatial;
}

export const convLstmCell: CellDefinition<ConvLstmCell> = {
  kind: 'convLstm',
  inputRank: 3,
  configure(o, where) {
    rejectUnknown(o, ['kernelSize', 'unitForgetBias'], where);
    const k = o.kernelSize;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k % 2 !== 1) {
      throw new Error(`${where}: kernelSize: expected an odd positive integer ("same" padding needs an odd kernel), got ${JSON.stringify(k)}`);
    }
    return { kind: 'convLstm', kernelSize: k, unitForgetBias: booleanOption(o.unitForgetBias, true, 'unitForgetBias', where) };
  },
  params: (cell, { inputSize: C, hiddenSize: Hc }) => {
    const k = cell.kernelSize;
    // nn.Conv2d's bound: 1/√(fan_in), fan_in = in channels · k · k, for its weight and bias alike.
    const bIn = 1 / Math.sqrt(C * k * k);
    const bHid = 1 / Math.sqrt(Hc * k * k);
    return [
      { name: 'weight_ih', shape: [4 * Hc, C, k, k], role: 'input', bound: bIn },
      { name: 'weight_hh', shape: [4 * Hc, Hc, k, k], role: 'recurrent', bound: bHid },
      { name: 'bias_ih', shape: [4 * Hc], role: 'bias', bound: bIn },
      { name: 'bias_hh', shape: [4 * Hc], role: 'bias', bound: bHid },
    ];
  },
  states: (_cell, sizes) => [
    { name: 'h', shape: [sizes.hiddenSize, ...spatial(sizes)] },
    { name: 'c', shape: [sizes.hiddenSize, ...spatial(sizes)] },
  ],
  adjustInit: (cell, sizes, values) => forgetBiasOne({ kind: 'lstm', unitForgetBias: cell.unitForgetBias }, sizes, values),
  // x: [B, C, Hh, Ww], h, c: [B, Hc, Hh, Ww] → h', c'; cache [i, f, g, o, tanh(c')]
  async forward(ops, _cell, p, x, [h, c]) {
    const pre = await ops.add(await ops.conv2d(x, param(p, 'weight_ih'), param(p, 'bias_ih')), await ops.conv2d(h!, param(p, 'weight_hh'), param(p, 'bias_hh')));
    const gt = await lstmGates(ops, pre, c!);
    return { states: [gt.m, gt.cNext], cache: [gt.i, gt.f, gt.g, gt.o, gt.tc] };
  },
  async backward(ops, cell, p, x, [h, c], [i, f, g, o, tc], [dh, dcNext]) {
    const { dPre, dc } = await lstmGatesBackward(ops, { i: i!, f: f!, g: g!, o: o!, tc: tc! }, c!, dh!, dcNext!);
    const k = cell.kernelSize;
    const db = await channelSums(ops, dPre);
    const grads = new Map([
      ['weight_ih', await ops.conv2dGradFilter(x, dPre, k)],
      ['weight_hh', await ops.conv2dGradFilter(h!, dPre, k)],
      ['bias_ih', db],
      ['bias_hh', await ops.affine(db, 1, 0)],
    ]);
    return { dx: await ops.conv2dGradInput(dPre, param(p, 'weight_ih')), dStates: [await ops.conv2dGradInput(dPre, param(p, 'weight_hh')), dc], grads };
  },
  describe: (cell) => `convLstm(kernelSize ${cell.kernelSize})`,
};
