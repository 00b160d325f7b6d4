// minLSTM: blocks f, i, h̃ of G = W_ih x_t + b_ih (h̃ the raw linear block), f = σ(f̃), i = σ(ĩ),
//   h_t = (f ⊙ h_{t−1} + i ⊙ h̃) / (f + i), i.e. a = f / (f + i), b = i ⊙ h̃ / (f + i).
import { blocks } from './linear.js';
import { minCell } from './min-recurrence.js';

export interface MinLstmCell {
  readonly kind: 'minLstm';
  readonly [option: string]: unknown;
}

export const minLstmCell = minCell<MinLstmCell>(
  'minLstm',
  {
    count: 3,
    // cache [f, i, h̃, s = f + i]
    async ab(ops, G) {
      const [ft, it, ht] = await blocks(ops, G, 3);
      const f = await ops.activation('sigmoid', ft!);
      const i = await ops.activation('sigmoid', it!);
      const s = await ops.add(f, i);
      return { a: await ops.div(f, s), b: await ops.div(await ops.mul(i, ht!), s), cache: [f, i, ht!, s] };
    },
    async abBackward(ops, [f, i, ht, s], da, db) {
      // ∂a/∂f = i/s², ∂a/∂i = −f/s², ∂b/∂f = −i h̃/s², ∂b/∂i = f h̃/s², ∂b/∂h̃ = i/s
      // so with q = (da − db ⊙ h̃)/s²: df = i ⊙ q, di = −f ⊙ q, dh̃ = db ⊙ i / s.
      const q = await ops.div(await ops.sub(da, await ops.mul(db, ht!)), await ops.mul(s!, s!));
      const df = await ops.mul(i!, q);
      const di = await ops.affine(await ops.mul(f!, q), -1, 0);
      const dht = await ops.div(await ops.mul(db, i!), s!);
      return ops.concat([await ops.activationGrad('sigmoid', f!, df), await ops.activationGrad('sigmoid', i!, di), dht], 1);
    },
  },
  'minLstm',
);
