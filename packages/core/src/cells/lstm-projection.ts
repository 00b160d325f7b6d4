// LSTM with projection (PyTorch nn.LSTM(proj_size=P)): the classic gates, then
//   h_t = W_hr (o ⊙ tanh(c_t)),  h: [B, P], c: [B, H]
// weight_ih: [4H, I], weight_hh: [4H, P], biases [4H], weight_hr: [P, H] (no bias).
import { param } from './cell.js';
import { classicPre, classicPreBackward } from './linear.js';
import type { LstmCell, LstmVariant } from './lstm.js';
import { forgetBiasOne, lstmGates, lstmGatesBackward } from './lstm-gates.js';

function projSize(cell: LstmCell, H: number): number {
  const P = cell.projSize!;
  if (!(P < H)) throw new Error(`lstm: projSize: expected 0 < projSize < hiddenSize (${H}), as PyTorch requires, got ${P}`);
  return P;
}

export const projectionLstm: LstmVariant = {
  params: (cell, { inputSize: I, hiddenSize: H }) => {
    const P = projSize(cell, H);
    return [
      { name: 'weight_ih', shape: [4 * H, I], role: 'input' },
      { name: 'weight_hh', shape: [4 * H, P], role: 'recurrent' },
      { name: 'bias_ih', shape: [4 * H], role: 'bias' },
      { name: 'bias_hh', shape: [4 * H], role: 'bias' },
      { name: 'weight_hr', shape: [P, H], role: 'input' },
    ];
  },
  states: (cell, { hiddenSize: H }) => [
    { name: 'h', shape: [projSize(cell, H)] },
    { name: 'c', shape: [H] },
  ],
  adjustInit: forgetBiasOne,
  // x: [B, I], h: [B, P], c: [B, H] → h': [B, P], c': [B, H]; cache [i, f, g, o, tanh(c'), m]
  async forward(ops, _cell, p, x, [h, c]) {
    const pre = await classicPre(ops, p, x, h!);
    const gt = await lstmGates(ops, pre, c!);
    const hNext = await ops.matmul(gt.m, param(p, 'weight_hr'), false, true);
    return { states: [hNext, gt.cNext], cache: [gt.i, gt.f, gt.g, gt.o, gt.tc, gt.m] };
  },
  async backward(ops, _cell, p, x, [h, c], [i, f, g, o, tc, m], [dh, dcNext]) {
    const wHr = param(p, 'weight_hr');
    // h' = m W_hrᵀ: dW_hr = dh'ᵀ m, dm = dh' W_hr
    const dWhr = await ops.matmul(dh!, m!, true, false);
    const dm = await ops.matmul(dh!, wHr, false, false);
    const { dPre, dc } = await lstmGatesBackward(ops, { i: i!, f: f!, g: g!, o: o!, tc: tc! }, c!, dm, dcNext!);
    const gi = await classicPreBackward(ops, p, x, h!, dPre);
    gi.grads.set('weight_hr', dWhr);
    return { dx: gi.dx, dStates: [gi.ds, dc], grads: gi.grads };
  },
};
