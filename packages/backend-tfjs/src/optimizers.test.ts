// Optimizer updates against torch.optim's formulas, run for several steps in float64 here.

import { expect, it } from 'vitest';
import type { Backend, Tensor } from '@rnnkit/core';
import { describeEngines, expectClose, f32 } from './test-support.js';

const P0 = [0.5, -1.5, 2, 0.1];
const GRADS = [
  [0.1, -0.2, 0.3, -0.4],
  [-0.5, 0.25, 0.05, 1],
  [0.3, 0.3, -0.3, 0.2],
];

function track(b: Backend, init: readonly number[]): Tensor {
  return f32(b, init, [init.length]);
}

describeEngines('optimizers', (backend) => {
  it('adam (L2 weight decay on the gradient, bias correction) over three steps', async () => {
    const b = backend();
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
    const p = track(b, P0), m = b.zeros([4]), v = b.zeros([4]);
    const ep = [...P0], em = [0, 0, 0, 0], ev = [0, 0, 0, 0];
    const before = b.liveTensors();
    for (let s = 1; s <= GRADS.length; s++) {
      const g = track(b, GRADS[s - 1]!);
      b.adamUpdate(p, g, m, v, { ...h, step: s });
      b.dispose(g);
      for (let k = 0; k < 4; k++) {
        const gk = GRADS[s - 1]![k]! + h.weightDecay * ep[k]!;
        em[k] = h.beta1 * em[k]! + (1 - h.beta1) * gk;
        ev[k] = h.beta2 * ev[k]! + (1 - h.beta2) * gk * gk;
        const denom = Math.sqrt(ev[k]!) / Math.sqrt(1 - h.beta2 ** s) + h.eps;
        ep[k] = ep[k]! - (h.lr / (1 - h.beta1 ** s)) * (em[k]! / denom);
      }
    }
    expect(b.liveTensors()).toBe(before);
    expectClose(await b.read(p), ep, 'param', 1e-6);
    expectClose(await b.read(m), em, 'm', 1e-7);
    expectClose(await b.read(v), ev, 'v', 1e-8);
    for (const t of [p, m, v]) b.dispose(t);
  });

  for (const nesterov of [false, true]) {
    it(`sgd with momentum, dampening, weight decay${nesterov ? ', nesterov' : ''} (buffer = grad at the first step)`, async () => {
      const b = backend();
      const h = { lr: 0.1, momentum: 0.9, dampening: nesterov ? 0 : 0.2, nesterov, weightDecay: 0.01 };
      const p = track(b, P0), vel = b.zeros([4]);
      const ep = [...P0], buf = [0, 0, 0, 0];
      for (let s = 0; s < GRADS.length; s++) {
        const g = track(b, GRADS[s]!);
        b.sgdUpdate(p, g, vel, { ...h, first: s === 0 });
        b.dispose(g);
        for (let k = 0; k < 4; k++) {
          let gk = GRADS[s]![k]! + h.weightDecay * ep[k]!;
          buf[k] = s === 0 ? gk : h.momentum * buf[k]! + (1 - h.dampening) * gk;
          gk = nesterov ? gk + h.momentum * buf[k]! : buf[k]!;
          ep[k] = ep[k]! - h.lr * gk;
        }
      }
      expectClose(await b.read(p), ep, 'param', 1e-6);
      expectClose(await b.read(vel), buf, 'velocity', 1e-6);
      for (const t of [p, vel]) b.dispose(t);
    });
  }

  it('plain sgd ignores the velocity tensor', async () => {
    const b = backend();
    const p = track(b, P0), vel = track(b, [7, 7, 7, 7]), g = track(b, GRADS[0]!);
    b.sgdUpdate(p, g, vel, { lr: 0.5, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, first: true });
    expectClose(await b.read(p), P0.map((v, k) => v - 0.5 * GRADS[0]![k]!), 'param');
    expectClose(await b.read(vel), [7, 7, 7, 7], 'velocity untouched');
    for (const t of [p, vel, g]) b.dispose(t);
  });

  for (const momentum of [0, 0.8]) {
    it(`rmsprop (not centered), momentum ${momentum}`, async () => {
      const b = backend();
      const h = { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum, weightDecay: 0.05 };
      const p = track(b, P0), sq = b.zeros([4]), buffer = b.zeros([4]);
      const ep = [...P0], ev = [0, 0, 0, 0], eb = [0, 0, 0, 0];
      for (let s = 0; s < GRADS.length; s++) {
        const g = track(b, GRADS[s]!);
        b.rmspropUpdate(p, g, sq, buffer, h);
        b.dispose(g);
        for (let k = 0; k < 4; k++) {
          const gk = GRADS[s]![k]! + h.weightDecay * ep[k]!;
          ev[k] = h.alpha * ev[k]! + (1 - h.alpha) * gk * gk;
          const avg = Math.sqrt(ev[k]!) + h.eps;
          if (momentum > 0) {
            eb[k] = momentum * eb[k]! + gk / avg;
            ep[k] = ep[k]! - h.lr * eb[k]!;
          } else {
            ep[k] = ep[k]! - (h.lr * gk) / avg;
          }
        }
      }
      expectClose(await b.read(p), ep, 'param', 1e-6);
      expectClose(await b.read(sq), ev, 'squareAvg', 1e-7);
      expectClose(await b.read(buffer), eb, 'buffer', 1e-5);
      for (const t of [p, sq, buffer]) b.dispose(t);
    });
  }
});
