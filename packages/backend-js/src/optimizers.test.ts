// Optimizer updates against torch.optim's formulas, written out by hand for a few numbers.

import { describe, expect, it } from 'vitest';
import type { Backend } from '@rnnkit/core';
import { createJsBackend } from './index.js';
import { readF } from './test-support.js';

const P = [0.5, -1.5, 2.0];
const G1 = [0.1, -0.2, 0.3];
const G2 = [-0.4, 0.05, 0.3];

for (const precision of ['float64', 'float32'] as const) {
  const digits = precision === 'float64' ? 13 : 6;
  const make = (be: Backend, v: number[]) => be.tensor(Float64Array.from(v), [v.length], 'float32');

  describe(`optimizers (${precision})`, () => {
    it('Adam step 1 moves each weight by lr·sign(g) (bias correction), step 2 follows the formula', async () => {
      const be = await createJsBackend({ precision });
      const p = make(be, P), m = make(be, [0, 0, 0]), v = make(be, [0, 0, 0]);
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
      await be.adamUpdate(p, make(be, G1), m, v, { ...h, step: 1 });
      const p1 = await readF(be, p);
      for (let i = 0; i < 3; i++) {
        expect(p1[i]).toBeCloseTo(P[i]! - (0.01 * G1[i]!) / (Math.abs(G1[i]!) + 1e-8), digits);
      }
      await be.adamUpdate(p, make(be, G2), m, v, { ...h, step: 2 });
      const p2 = await readF(be, p);
      for (let i = 0; i < 3; i++) {
        const m2 = 0.9 * 0.1 * G1[i]! + 0.1 * G2[i]!;
        const v2 = 0.999 * 0.001 * G1[i]! ** 2 + 0.001 * G2[i]! ** 2;
        const mHat = m2 / (1 - 0.9 ** 2);
        const vHat = v2 / (1 - 0.999 ** 2);
        expect(p2[i]).toBeCloseTo(p1[i]! - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8), digits - 1);
      }
      const mNow = await readF(be, m);
      for (let i = 0; i < 3; i++) expect(mNow[i]).toBeCloseTo(0.9 * 0.1 * G1[i]! + 0.1 * G2[i]!, digits);
    });

    it('Adam adds weight decay to the gradient (L2, not AdamW)', async () => {
      const be = await createJsBackend({ precision });
      const p = make(be, [2]);
      await be.adamUpdate(p, make(be, [-0.1]), make(be, [0]), make(be, [0]), { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, step: 1 });
      // g = -0.1 + 0.5·2 = 0.9 > 0, so step 1 moves by −lr (AdamW would move by −lr·sign(−0.1) − lr·wd·p).
      expect((await readF(be, p))[0]).toBeCloseTo(2 - 0.1 * (0.9 / (0.9 + 1e-8)), digits);
    });

    it('SGD: plain, momentum with dampening (buffer = grad at first step), nesterov, weight decay', async () => {
      const be = await createJsBackend({ precision });
      const plain = make(be, P);
      await be.sgdUpdate(plain, make(be, G1), make(be, [0, 0, 0]), { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, first: true });
      (await readF(be, plain)).forEach((x, i) => expect(x).toBeCloseTo(P[i]! - 0.1 * G1[i]!, digits));

      const p = make(be, P), vel = make(be, [0, 0, 0]);
      const h = { lr: 0.1, momentum: 0.9, dampening: 0.25, nesterov: false, weightDecay: 0 };
      await be.sgdUpdate(p, make(be, G1), vel, { ...h, first: true });
      await be.sgdUpdate(p, make(be, G2), vel, { ...h, first: false });
      const got = await readF(be, p);
      for (let i = 0; i < 3; i++) {
        const buf2 = 0.9 * G1[i]! + 0.75 * G2[i]!;
        expect(got[i]).toBeCloseTo(P[i]! - 0.1 * G1[i]! - 0.1 * buf2, digits);
      }

      const n = make(be, P), nv = make(be, [0, 0, 0]);
      await be.sgdUpdate(n, make(be, G1), nv, { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.1, first: true });
      const gotN = await readF(be, n);
      for (let i = 0; i < 3; i++) {
        const g = G1[i]! + 0.1 * P[i]!;
        expect(gotN[i]).toBeCloseTo(P[i]! - 0.1 * (g + 0.9 * g), digits);
      }
    });

    it('RMSprop without and with momentum', async () => {
      const be = await createJsBackend({ precision });
      const p = make(be, P), sq = make(be, [0, 0, 0]), buf = make(be, [0, 0, 0]);
      const h = { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 };
      await be.rmspropUpdate(p, make(be, G1), sq, buf, h);
      const p1 = await readF(be, p);
      for (let i = 0; i < 3; i++) expect(p1[i]).toBeCloseTo(P[i]! - (0.01 * G1[i]!) / (Math.sqrt(0.01) * Math.abs(G1[i]!) + 1e-8), digits);

      const q = make(be, P), sq2 = make(be, [0, 0, 0]), buf2 = make(be, [0, 0, 0]);
      const hm = { ...h, momentum: 0.5 };
      await be.rmspropUpdate(q, make(be, G1), sq2, buf2, hm);
      await be.rmspropUpdate(q, make(be, G2), sq2, buf2, hm);
      const q2 = await readF(be, q);
      for (let i = 0; i < 3; i++) {
        const v1 = 0.01 * G1[i]! ** 2;
        const b1 = G1[i]! / (Math.sqrt(v1) + 1e-8);
        const v2 = 0.99 * v1 + 0.01 * G2[i]! ** 2;
        const b2 = 0.5 * b1 + G2[i]! / (Math.sqrt(v2) + 1e-8);
        expect(q2[i]).toBeCloseTo(P[i]! - 0.01 * b1 - 0.01 * b2, digits - 1);
      }
    });
  });
}
