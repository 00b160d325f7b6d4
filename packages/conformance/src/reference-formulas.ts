// Pins the reference's non-recurrent kernels to their definitions, written out here from
// PyTorch's documentation (nn.Linear, nn.Embedding, CrossEntropyLoss, BCEWithLogitsLoss,
// MSELoss, torch.optim.Adam/SGD/RMSprop). Finite differences only show that a gradient matches
// its own forward; these show the forward and the updates are the right formulas.
import { describe, it } from 'vitest';
import { Rng, type Backend, type Tensor } from '@rnnkit/core';
import { expectClose } from './compare.js';
import { randomArray, take } from './host.js';
import type { Suite } from './suite.js';

const TOL = 1e-12;

function up(b: Backend, v: Float64Array | Int32Array, shape: number[]): Tensor {
  return b.tensor(v, shape, v instanceof Int32Array ? 'int32' : 'float32');
}

export function describeReferenceFormulas(s: Suite): void {
  describe('float64 reference equals the written-out formulas', () => {
    it('dense y = x wᵀ + b, embedding rows, softmax, sigmoid', async () => {
      const r = s.reference;
      const rng = new Rng(1300);
      const [N, I, U] = [3, 4, 2];
      const x = randomArray(rng, N * I);
      const w = randomArray(rng, U * I);
      const bias = randomArray(rng, U);
      const ts = [up(r, w, [U, I]), up(r, bias, [U]), up(r, x, [N, I])] as const;
      const y = await take(r, (await r.denseForward(ts[0], ts[1], ts[2], false)).y);
      const expected = new Float64Array(N * U);
      for (let n = 0; n < N; n++) for (let u = 0; u < U; u++) {
        let acc = bias[u]!;
        for (let i = 0; i < I; i++) acc += x[n * I + i]! * w[u * I + i]!;
        expected[n * U + u] = acc;
      }
      expectClose(y, expected, TOL, 'dense');

      const ids = Int32Array.from([2, 0, 1, 2]);
      const idt = up(r, ids, [2, 2]);
      const emb = await take(r, (await r.embeddingForward(ts[2], idt, false)).y);
      expectClose(emb, Float64Array.from([...ids].flatMap((id) => [...x.subarray(id * I, (id + 1) * I)])), TOL, 'embedding');

      const sm = await take(r, await r.softmax(ts[2]));
      const smExpected = new Float64Array(N * I);
      for (let n = 0; n < N; n++) {
        const row = x.subarray(n * I, (n + 1) * I);
        const z = row.reduce((a, v) => a + Math.exp(v), 0);
        row.forEach((v, i) => (smExpected[n * I + i] = Math.exp(v) / z));
      }
      expectClose(sm, smExpected, TOL, 'softmax');
      expectClose(await take(r, await r.activation('sigmoid', ts[2])), x.map((v) => 1 / (1 + Math.exp(-v))), TOL, 'sigmoid');
      [...ts, idt].forEach((t) => r.dispose(t));
    });

    it('losses: softmaxCrossEntropy (mean over weighted samples), sigmoidBinaryCrossEntropy, meanSquaredError', async () => {
      const r = s.reference;
      const rng = new Rng(1301);
      const [N, C] = [5, 3];
      const logits = randomArray(rng, N * C, 3);
      const labels = Int32Array.from([0, 2, 1, 1, 2]);
      const mask = Float64Array.from([1, 0, 1, 1, 0]);
      const nll = (n: number) => {
        const row = logits.subarray(n * C, (n + 1) * C);
        const max = Math.max(...row);
        return -(row[labels[n]!]! - max - Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)));
      };
      const lt = up(r, logits, [N, C]);
      const lab = up(r, labels, [N]);
      const wt = up(r, mask, [N]);
      const all = await r.softmaxCrossEntropy(lt, lab);
      r.dispose(all.grad);
      expectClose(await take(r, all.loss), [Array.from({ length: N }, (_, n) => nll(n)).reduce((a, v) => a + v) / N], TOL, 'softmaxCrossEntropy');
      const masked = await r.softmaxCrossEntropy(lt, lab, wt);
      r.dispose(masked.grad);
      expectClose(await take(r, masked.loss), [(nll(0) + nll(2) + nll(3)) / 3], TOL, 'softmaxCrossEntropy with weights [1, 0, 1, 1, 0]');

      const z = logits.subarray(0, N);
      const t = Float64Array.from([1, 0, 0.5, 1, 0]);
      const zt = up(r, z.slice(), [N]);
      const tt = up(r, t, [N]);
      const bce = await r.sigmoidBinaryCrossEntropy(zt, tt);
      r.dispose(bce.grad);
      const bceExpected = Array.from(z, (v, i) => Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v)))).reduce((a, v) => a + v) / N;
      expectClose(await take(r, bce.loss), [bceExpected], TOL, 'sigmoidBinaryCrossEntropy');

      const goal = randomArray(rng, N * C);
      const gt = up(r, goal, [N, C]);
      const mse = await r.meanSquaredError(lt, gt);
      r.dispose(mse.grad);
      expectClose(await take(r, mse.loss), [Array.from(logits, (v, i) => (v - goal[i]!) ** 2).reduce((a, v) => a + v) / (N * C)], TOL, 'meanSquaredError');
      [lt, lab, wt, zt, tt, gt].forEach((x) => r.dispose(x));
    });

    it('optimizers follow torch.optim: Adam (L2 decay in the gradient), SGD (momentum, dampening, nesterov), RMSprop', async () => {
      const r = s.reference;
      const rng = new Rng(1302);
      const n = 6;
      const p0 = randomArray(rng, n);
      const grads = [randomArray(rng, n), randomArray(rng, n), randomArray(rng, n)];
      const run = async (update: (p: Tensor, g: Tensor, s1: Tensor, s2: Tensor, step: number) => Promise<void>) => {
        const p = up(r, p0, [n]);
        const s1 = r.zeros([n]);
        const s2 = r.zeros([n]);
        for (const [k, g] of grads.entries()) {
          const gt = up(r, g, [n]);
          await update(p, gt, s1, s2, k + 1);
          r.dispose(gt);
        }
        r.dispose(s1);
        r.dispose(s2);
        return take(r, p);
      };

      const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.05];
      const adamExpected = (() => {
        const p = Float64Array.from(p0);
        const m = new Float64Array(n);
        const v = new Float64Array(n);
        grads.forEach((g0, k) => {
          const t = k + 1;
          for (let i = 0; i < n; i++) {
            const g = g0[i]! + wd * p[i]!;
            m[i] = b1 * m[i]! + (1 - b1) * g;
            v[i] = b2 * v[i]! + (1 - b2) * g * g;
            p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps));
          }
        });
        return p;
      })();
      expectClose(await run(async (p, g, m, v, step) => await r.adamUpdate(p, g, m, v, { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, step })), adamExpected, TOL, 'adam');

      for (const [momentum, dampening, nesterov] of [[0, 0, false], [0.9, 0.1, false], [0.9, 0, true]] as const) {
        const expected = Float64Array.from(p0);
        const buf = new Float64Array(n);
        grads.forEach((g0, k) => {
          for (let i = 0; i < n; i++) {
            let g = g0[i]! + wd * expected[i]!;
            if (momentum > 0) {
              buf[i] = k === 0 ? g : momentum * buf[i]! + (1 - dampening) * g;
              g = nesterov ? g + momentum * buf[i]! : buf[i]!;
            }
            expected[i] = expected[i]! - lr * g;
          }
        });
        const got = await run(async (p, g, vel, _s2, step) => await r.sgdUpdate(p, g, vel, { lr, momentum, dampening, nesterov, weightDecay: wd, first: step === 1 }));
        expectClose(got, expected, TOL, `sgd momentum ${momentum} dampening ${dampening} nesterov ${nesterov}`);
      }

      for (const momentum of [0, 0.9]) {
        const alpha = 0.99;
        const expected = Float64Array.from(p0);
        const sq = new Float64Array(n);
        const buf = new Float64Array(n);
        grads.forEach((g0) => {
          for (let i = 0; i < n; i++) {
            const g = g0[i]! + wd * expected[i]!;
            sq[i] = alpha * sq[i]! + (1 - alpha) * g * g;
            const avg = Math.sqrt(sq[i]!) + eps;
            if (momentum > 0) {
              buf[i] = momentum * buf[i]! + g / avg;
              expected[i] = expected[i]! - lr * buf[i]!;
            } else {
              expected[i] = expected[i]! - (lr * g) / avg;
            }
          }
        });
        const got = await run(async (p, g, sqa, b, _step) => await r.rmspropUpdate(p, g, sqa, b, { lr, alpha, eps, momentum, weightDecay: wd }));
        expectClose(got, expected, TOL, `rmsprop momentum ${momentum}`);
      }
    });
  });
}
