// Layer-normalised LSTM (TF LayerNormBasicLSTMCell, after Ba et al. 2016), LN(v; γ, β) =
// γ ⊙ (v − mean v) / √(var v + 1e-5) + β per sample and block:
//   z = W_ih x_t + W_hh h_{t−1} (no biases: the shifts β replace them), blocks i, f, g, o;
//   i, f, o = σ(LN(z_·)), g = tanh(LN(z_g)), c_t = LN(f ⊙ c_{t−1} + i ⊙ g; γ_c, β_c), h_t = o ⊙ tanh(c_t)
// weight_ih: [4H, I], weight_hh: [4H, H], ln_gates_weight, ln_gates_bias: [4H] (blocks i, f, g, o),
// ln_cell_weight, ln_cell_bias: [H]; γ start at 1, β at 0 (β_f at 1 under unitForgetBias).
import type { Tensor } from '../backend.js';
import type { CellOps } from './cell.js';
import { param } from './cell.js';
import { blocks, mulRow } from './linear.js';
import type { LstmVariant } from './lstm.js';
import { lstmStates } from './lstm-gates.js';

/** PyTorch LayerNorm's default. */
const EPS = 1e-5;

/** γ ⊙ x̂ + β, x̂ = layerNorm(v): [B, H] */
async function affineNorm(ops: CellOps, xhat: Tensor, gamma: Tensor, beta: Tensor): Promise<Tensor> {
  return ops.addRow(await mulRow(ops, xhat, gamma), beta);
}

/** [4H] → four [H] blocks */
async function rowBlocks(ops: CellOps, v: Tensor): Promise<Tensor[]> {
  const H = v.shape[0]! / 4;
  return Promise.all([0, 1, 2, 3].map((j) => ops.slice(v, 0, j * H, H)));
}

export const layerNormLstm: LstmVariant = {
  params: (_cell, { inputSize: I, hiddenSize: H }) => [
    { name: 'weight_ih', shape: [4 * H, I], role: 'input' },
    { name: 'weight_hh', shape: [4 * H, H], role: 'recurrent' },
    { name: 'ln_gates_weight', shape: [4 * H], role: 'bias', fill: 1 },
    { name: 'ln_gates_bias', shape: [4 * H], role: 'bias', fill: 0 },
    { name: 'ln_cell_weight', shape: [H], role: 'bias', fill: 1 },
    { name: 'ln_cell_bias', shape: [H], role: 'bias', fill: 0 },
  ],
  states: (_cell, sizes) => lstmStates(sizes),
  adjustInit(cell, { hiddenSize: H }, values) {
    // TF adds forget_bias 1 after the norm; folding it into β_f's start is the same function.
    if (cell.unitForgetBias) values.get('ln_gates_bias')!.fill(1, H, 2 * H);
  },
  // x: [B, I], h, c: [B, H] → h', c': [B, H]
  // cache [z_i, z_f, z_g, z_o, n_i, n_f, n_g, n_o, i, f, g, o, u, n_c, tanh(c')] (z pre-norm, n normalised, u = f ⊙ c + i ⊙ g)
  async forward(ops, _cell, p, x, [h, c]) {
    const z = await ops.add(await ops.matmul(x, param(p, 'weight_ih'), false, true), await ops.matmul(h!, param(p, 'weight_hh'), false, true));
    const zs = await blocks(ops, z, 4);
    const gammas = await rowBlocks(ops, param(p, 'ln_gates_weight'));
    const betas = await rowBlocks(ops, param(p, 'ln_gates_bias'));
    const ns: Tensor[] = [];
    const acts: Tensor[] = [];
    for (let j = 0; j < 4; j++) {
      const n = await ops.layerNorm(zs[j]!, EPS);
      ns.push(n);
      acts.push(await ops.activation(j === 2 ? 'tanh' : 'sigmoid', await affineNorm(ops, n, gammas[j]!, betas[j]!)));
    }
    const [i, f, g, o] = acts as [Tensor, Tensor, Tensor, Tensor];
    const u = await ops.add(await ops.mul(f, c!), await ops.mul(i, g));
    const nc = await ops.layerNorm(u, EPS);
    const cNext = await affineNorm(ops, nc, param(p, 'ln_cell_weight'), param(p, 'ln_cell_bias'));
    const tc = await ops.activation('tanh', cNext);
    return { states: [await ops.mul(o, tc), cNext], cache: [...zs, ...ns, i, f, g, o, u, nc, tc] };
  },
  async backward(ops, _cell, p, x, [h, c], cache, [dh, dcNext]) {
    const zs = cache.slice(0, 4);
    const ns = cache.slice(4, 8);
    const [i, f, g, o, u, nc, tc] = cache.slice(8) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    // Through h' = o ⊙ tanh(c') and the carried c'.
    const dO = await ops.mul(dh!, tc);
    const dcn = await ops.add(dcNext!, await ops.activationGrad('tanh', tc, await ops.mul(dh!, o)));
    // c' = γ_c ⊙ n_c + β_c, n_c = LN(u)
    const dGammaC = await ops.sumRows(await ops.mul(dcn, nc));
    const dBetaC = await ops.sumRows(dcn);
    const du = await ops.layerNormGrad(u, await mulRow(ops, dcn, param(p, 'ln_cell_weight')), EPS);
    const dActs = [await ops.mul(du, g), await ops.mul(du, c!), await ops.mul(du, i), dO];
    const gammas = await rowBlocks(ops, param(p, 'ln_gates_weight'));
    const dGammas: Tensor[] = [];
    const dBetas: Tensor[] = [];
    const dzs: Tensor[] = [];
    for (let j = 0; j < 4; j++) {
      const da = await ops.activationGrad(j === 2 ? 'tanh' : 'sigmoid', [i, f, g, o][j]!, dActs[j]!);
      dGammas.push(await ops.sumRows(await ops.mul(da, ns[j]!)));
      dBetas.push(await ops.sumRows(da));
      dzs.push(await ops.layerNormGrad(zs[j]!, await mulRow(ops, da, gammas[j]!), EPS));
    }
    const dz = await ops.concat(dzs, 1);
    const wIh = param(p, 'weight_ih');
    const wHh = param(p, 'weight_hh');
    const grads = new Map([
      ['weight_ih', await ops.matmul(dz, x, true, false)],
      ['weight_hh', await ops.matmul(dz, h!, true, false)],
      ['ln_gates_weight', await ops.concat(dGammas, 0)],
      ['ln_gates_bias', await ops.concat(dBetas, 0)],
      ['ln_cell_weight', dGammaC],
      ['ln_cell_bias', dBetaC],
    ]);
    return { dx: await ops.matmul(dz, wIh, false, false), dStates: [await ops.matmul(dz, wHh, false, false), await ops.mul(du, f)], grads };
  },
};
