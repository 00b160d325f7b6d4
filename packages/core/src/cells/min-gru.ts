// minGRU: blocks z, h̃ of G = W_ih x_t + b_ih (h̃ the raw linear block), z = σ(z̃),
//   h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h̃, i.e. a = 1 − z, b = z ⊙ h̃.
import { blocks } from './linear.js';
import { minCell } from './min-recurrence.js';

export interface MinGruCell {
  readonly kind: 'minGru';
  readonly [option: string]: unknown;
}

export const minGruCell = minCell<MinGruCell>(
  'minGru',
  {
    count: 2,
    // cache [z, h̃]
    async ab(ops, G) {
      const [zt, ht] = await blocks(ops, G, 2);
      const z = await ops.activation('sigmoid', zt!);
      return { a: await ops.affine(z, -1, 1), b: await ops.mul(z, ht!), cache: [z, ht!] };
    },
    async abBackward(ops, [z, ht], da, db) {
      // a = 1 − z, b = z ⊙ h̃: dz = db ⊙ h̃ − da, dh̃ = db ⊙ z
      const dz = await ops.sub(await ops.mul(db, ht!), da);
      return ops.concat([await ops.activationGrad('sigmoid', z!, dz), await ops.mul(db, z!)], 1);
    },
  },
  'minGru',
);
