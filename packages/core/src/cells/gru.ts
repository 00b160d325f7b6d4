// GRU (PyTorch nn.GRU), gate blocks r, z, n:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
//   resetAfter (PyTorch/cuDNN/Keras default): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   original form (ONNX default):             n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
//   h' = (1 − z) ⊙ n + z ⊙ h
// weight_ih: [3H, I], weight_hh: [3H, H], bias_ih, bias_hh: [3H]; state [h].
import type { Tensor } from '../backend.js';
import type { CellDefinition } from './cell.js';
import { param } from './cell.js';
import { blocks, linear, linearBackward } from './linear.js';
import { booleanOption, rejectUnknown } from './options.js';

export interface GruCell {
  readonly kind: 'gru';
  readonly resetAfter: boolean;
  readonly [option: string]: unknown;
}

export const gruCell: CellDefinition<GruCell> = {
  kind: 'gru',
  configure(o, where) {
    rejectUnknown(o, ['resetAfter'], where);
    return { kind: 'gru', resetAfter: booleanOption(o.resetAfter, true, 'resetAfter', where) };
  },
  params: (_cell, { inputSize: I, hiddenSize: H }) => [
    { name: 'weight_ih', shape: [3 * H, I], role: 'input' },
    { name: 'weight_hh', shape: [3 * H, H], role: 'recurrent' },
    { name: 'bias_ih', shape: [3 * H], role: 'bias' },
    { name: 'bias_hh', shape: [3 * H], role: 'bias' },
  ],
  states: (_cell, { hiddenSize: H }) => [{ name: 'h', shape: [H] }],
  // x: [B, I], h: [B, H] → h': [B, H]
  // cache resetAfter: [r, z, n, hn = W_hn h + b_hn]; original: [r, z, n, rh = r ⊙ h]
  async forward(ops, cell, p, x, [h]) {
    const wHh = param(p, 'weight_hh');
    const bHh = param(p, 'bias_hh');
    const H = h!.shape[1]!;
    const [xr, xz, xn] = await blocks(ops, await linear(ops, x, param(p, 'weight_ih'), param(p, 'bias_ih')), 3);
    let hr: Tensor, hz: Tensor, hn: Tensor, rh: Tensor | undefined;
    let r: Tensor;
    if (cell.resetAfter) {
      [hr, hz, hn] = (await blocks(ops, await linear(ops, h!, wHh, bHh), 3)) as [Tensor, Tensor, Tensor];
      r = await ops.activation('sigmoid', await ops.add(xr!, hr));
    } else {
      const rz = await linear(ops, h!, await ops.slice(wHh, 0, 0, 2 * H), await ops.slice(bHh, 0, 0, 2 * H));
      [hr, hz] = (await blocks(ops, rz, 2)) as [Tensor, Tensor];
      r = await ops.activation('sigmoid', await ops.add(xr!, hr));
      rh = await ops.mul(r, h!);
      hn = await linear(ops, rh, await ops.slice(wHh, 0, 2 * H, H), await ops.slice(bHh, 0, 2 * H, H));
    }
    const z = await ops.activation('sigmoid', await ops.add(xz!, hz));
    const n = await ops.activation('tanh', await ops.add(xn!, cell.resetAfter ? await ops.mul(r, hn) : hn));
    // h' = n + z ⊙ (h − n)
    const next = await ops.add(n, await ops.mul(z, await ops.sub(h!, n)));
    return { states: [next], cache: [r, z, n, cell.resetAfter ? hn : rh!] };
  },
  async backward(ops, cell, p, x, [h], [r, z, n, k], [dNext]) {
    const wHh = param(p, 'weight_hh');
    const H = h!.shape[1]!;
    const dn = await ops.sub(dNext!, await ops.mul(dNext!, z!));
    const dPreZ = await ops.activationGrad('sigmoid', z!, await ops.mul(dNext!, await ops.sub(h!, n!)));
    const dPreN = await ops.activationGrad('tanh', n!, dn);
    let dh = await ops.mul(dNext!, z!);
    let dPreR: Tensor, dGh: Tensor, dWHh: Tensor, dBHh: Tensor;
    if (cell.resetAfter) {
      // k = hn: dr = dPreN ⊙ hn, d(hn) = dPreN ⊙ r
      dPreR = await ops.activationGrad('sigmoid', r!, await ops.mul(dPreN, k!));
      dGh = await ops.concat([dPreR, dPreZ, await ops.mul(dPreN, r!)], 1);
      const gh = await linearBackward(ops, h!, wHh, dGh);
      dh = await ops.add(dh, gh.dx);
      dWHh = gh.dw;
      dBHh = gh.db;
    } else {
      // k = rh = r ⊙ h: d(rh) = dPreN W_hn, dr = d(rh) ⊙ h, dh += d(rh) ⊙ r
      const wHn = await ops.slice(wHh, 0, 2 * H, H);
      const gn = await linearBackward(ops, k!, wHn, dPreN);
      dPreR = await ops.activationGrad('sigmoid', r!, await ops.mul(gn.dx, h!));
      const dRz = await ops.concat([dPreR, dPreZ], 1);
      const grz = await linearBackward(ops, h!, await ops.slice(wHh, 0, 0, 2 * H), dRz);
      dh = await ops.add(dh, await ops.add(grz.dx, await ops.mul(gn.dx, r!)));
      dWHh = await ops.concat([grz.dw, gn.dw], 0);
      dBHh = await ops.concat([grz.db, gn.db], 0);
    }
    const gi = await linearBackward(ops, x, param(p, 'weight_ih'), await ops.concat([dPreR, dPreZ, dPreN], 1));
    const grads = new Map([
      ['weight_ih', gi.dw],
      ['weight_hh', dWHh],
      ['bias_ih', gi.db],
      ['bias_hh', dBHh],
    ]);
    return { dx: gi.dx, dStates: [dh], grads };
  },
  describe: (cell) => (cell.resetAfter ? 'gru(resetAfter)' : 'gru(resetBefore)'),
};
