// Peephole LSTM (Gers & Schmidhuber 2000; TF use_peepholes, ONNX LSTM input P):
//   i = σ(pre_i + p_i ⊙ c_{t−1}), f = σ(pre_f + p_f ⊙ c_{t−1}), g = tanh(pre_g),
//   c_t = f ⊙ c_{t−1} + i ⊙ g, o = σ(pre_o + p_o ⊙ c_t) (the output gate sees the new cell),
//   h_t = o ⊙ tanh(c_t)
// The classic parameters plus weight_peephole: [3H], blocks i, f, o (ONNX orders P as i, o, f),
// zero at start under both initialisers, so a fresh peephole LSTM equals a plain one.
import type { Tensor } from '../backend.js';
import type { CellOps } from './cell.js';
import { param } from './cell.js';
import { blocks, classicPre, classicPreBackward, mulRow } from './linear.js';
import type { LstmVariant } from './lstm.js';
import { forgetBiasOne, lstmParams, lstmStates } from './lstm-gates.js';

/** weight_peephole: [3H] → p_i, p_f, p_o: [H] */
async function peepholes(ops: CellOps, p: ReadonlyMap<string, Tensor>): Promise<Tensor[]> {
  const w = param(p, 'weight_peephole');
  const H = w.shape[0]! / 3;
  return [await ops.slice(w, 0, 0, H), await ops.slice(w, 0, H, H), await ops.slice(w, 0, 2 * H, H)];
}

export const peepholeLstm: LstmVariant = {
  params: (_cell, sizes) => [
    ...lstmParams(sizes),
    { name: 'weight_peephole', shape: [3 * sizes.hiddenSize], role: 'bias', fill: 0 },
  ],
  states: (_cell, sizes) => lstmStates(sizes),
  adjustInit: forgetBiasOne,
  // x: [B, I], h, c: [B, H] → h', c': [B, H]; cache [i, f, g, o, tanh(c'), c']
  async forward(ops, _cell, p, x, [h, c]) {
    const pre = await classicPre(ops, p, x, h!);
    const [pi, pf, pg, po] = await blocks(ops, pre, 4);
    const [wi, wf, wo] = await peepholes(ops, p);
    const i = await ops.activation('sigmoid', await ops.add(pi!, await mulRow(ops, c!, wi!)));
    const f = await ops.activation('sigmoid', await ops.add(pf!, await mulRow(ops, c!, wf!)));
    const g = await ops.activation('tanh', pg!);
    const cNext = await ops.add(await ops.mul(f, c!), await ops.mul(i, g));
    const o = await ops.activation('sigmoid', await ops.add(po!, await mulRow(ops, cNext, wo!)));
    const tc = await ops.activation('tanh', cNext);
    return { states: [await ops.mul(o, tc), cNext], cache: [i, f, g, o, tc, cNext] };
  },
  async backward(ops, _cell, p, x, [h, c], [i, f, g, o, tc, cNext], [dh, dcNext]) {
    const [wi, wf, wo] = await peepholes(ops, p);
    const dO = await ops.activationGrad('sigmoid', o!, await ops.mul(dh!, tc!));
    // c' reaches the loss through h' (via tanh), the next step, and o's peephole.
    const dcn = await ops.add(await ops.add(dcNext!, await ops.activationGrad('tanh', tc!, await ops.mul(dh!, o!))), await mulRow(ops, dO, wo!));
    const dI = await ops.activationGrad('sigmoid', i!, await ops.mul(dcn, g!));
    const dF = await ops.activationGrad('sigmoid', f!, await ops.mul(dcn, c!));
    const dG = await ops.activationGrad('tanh', g!, await ops.mul(dcn, i!));
    const dPre = await ops.concat([dI, dF, dG, dO], 1);
    const dc = await ops.add(await ops.add(await ops.mul(dcn, f!), await mulRow(ops, dI, wi!)), await mulRow(ops, dF, wf!));
    const dPeep = await ops.concat([await ops.sumRows(await ops.mul(dI, c!)), await ops.sumRows(await ops.mul(dF, c!)), await ops.sumRows(await ops.mul(dO, cNext!))], 0);
    const gi = await classicPreBackward(ops, p, x, h!, dPre);
    gi.grads.set('weight_peephole', dPeep);
    return { dx: gi.dx, dStates: [gi.ds, dc], grads: gi.grads };
  },
};
