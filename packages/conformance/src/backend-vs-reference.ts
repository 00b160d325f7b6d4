// The backend under test against the float64 reference on random (seeded) problems: every cell
// in every variant, forward values and every gradient; dense, embedding, losses, predictions,
// tensor helpers and optimizer updates. Inputs are rounded to float32 first, so both backends
// receive the same numbers and only the arithmetic differs.
import { describe, it } from 'vitest';
import { Rng, type Backend, type Tensor } from '@rnnkit/core';
import { expectClose } from './compare.js';
import { randomArray, roundF32, take } from './host.js';
import { checkShape, randomDirectionProblem, randomProblem, runDirection, runLayer, type DirectionProblem } from './recurrent-harness.js';
import { ALL_CELLS, CATALOGUE_CELLS, declaredPaths, describeConfig, frameFor, type Suite } from './suite.js';

type Results = Record<string, Float64Array | undefined>;

/**
 * Runs `fn` on the backend and on the reference and compares every named result: with `tol`
 * when it is a number, else forward results (y, hT, cT and their indexed forms) with the forward
 * tolerance and everything else (gradients) with the gradient tolerance.
 */
async function againstReference(s: Suite, what: string, tol: number | 'by name', fn: (b: Backend) => Promise<Results>): Promise<void> {
  const expected = await fn(s.reference);
  const actual = await fn(s.backend);
  for (const [name, e] of Object.entries(expected)) {
    if (!e) continue;
    const a = actual[name];
    if (!a) throw new Error(`${what}: ${name}: the backend returned nothing, the reference returned ${e.length} values`);
    const t = typeof tol === 'number' ? tol : /^(y|hT|cT)(\[|$)/.test(name) ? s.tol.forward : s.tol.gradient;
    expectClose(a, e, t, `${what}: ${name}`);
  }
}

const VARIANTS = [
  { name: 'plain', lengths: false, reverse: false, initialState: false },
  { name: 'lengths', lengths: true, reverse: false, initialState: false },
  { name: 'reverse', lengths: false, reverse: true, initialState: false },
  { name: 'reverse with lengths', lengths: true, reverse: true, initialState: false },
  { name: 'initial state given', lengths: false, reverse: false, initialState: true },
  { name: 'only dhT/dcT upstream (dy absent)', lengths: true, reverse: true, initialState: true, upstream: 'states' },
  { name: 'only dy upstream (dhT/dcT absent)', lengths: false, reverse: false, initialState: true, upstream: 'y' },
] as const;

function r32(rng: Rng, n: number, scale = 1): Float64Array {
  return roundF32(randomArray(rng, n, scale));
}

export function describeBackendVsReference(s: Suite): void {
  const { tol, caps } = s;
  describe('backend vs float64 reference', () => {
    for (const [ci, cell] of [...ALL_CELLS, ...CATALOGUE_CELLS].entries()) {
      // One direction with the classic parameter layout; every cell runs in the composed layer below.
      if (ALL_CELLS.includes(cell)) for (const [vi, v] of VARIANTS.entries()) {
        for (const path of declaredPaths(s, cell))
        it(`${describeConfig(cell)} one direction (${path}), ${v.name}: y, hT, cT${caps.training ? ', dx, dh0, dc0, dWIh, dWHh, dBIh, dBHh' : ''}`, async () => {
          const random = randomDirectionProblem({
            cell,
            B: 3,
            T: 6,
            I: 4,
            H: 5,
            lengths: v.lengths ? Int32Array.from([6, 1, 4]) : undefined,
            reverse: v.reverse,
            initialState: v.initialState,
            seed: 100 + ci * 10 + vi,
          });
          // Absent upstream gradients mean zero (a many-to-one model sends only dhT).
          const upstream = 'upstream' in v ? v.upstream : 'all';
          const p: DirectionProblem =
            upstream === 'states' ? { ...random, dy: undefined } : upstream === 'y' ? { ...random, dhT: undefined, dcT: undefined } : random;
          // The reference runs its fused kernel where it has one: both paths are checked against it.
          await againstReference(s, `${describeConfig(cell)} (${path}) ${v.name}`, 'by name', async (b) => ({ ...(await runDirection(b, p, caps.training, b === s.backend ? path : declaredPaths({ fusedKinds: Object.keys(b.fused) }, cell)[0])) }) as Results);
        });
      }
      for (const path of declaredPaths(s, cell))
      it(`${describeConfig(cell)} 2 stacked bidirectional layers with lengths and initial states (core composition, ${path})`, async () => {
        const p = randomProblem({
          cell,
          B: 3,
          T: 5,
          inputSize: 3,
          hiddenSize: 4,
          numLayers: 2,
          bidirectional: true,
          lengths: Int32Array.from([5, 2, 3]),
          initialState: true,
          frame: frameFor(cell),
          seed: 200 + ci,
        });
        await againstReference(s, `${describeConfig(cell)} stacked bidirectional (${path})`, 'by name', async (b) => {
          const { out, grads } = await runLayer(b, p, caps.training, b === s.reference || path === 'fused');
          const r: Results = { y: out.y };
          out.hT.forEach((h, i) => (r[`hT[${i}]`] = h));
          out.cT?.forEach((c, i) => (r[`cT[${i}]`] = c));
          if (grads) {
            r.dx = grads.dx;
            grads.dh0.forEach((h, i) => (r[`dh0[${i}]`] = h));
            grads.dc0?.forEach((c, i) => (r[`dc0[${i}]`] = c));
            for (const [name, g] of grads.params) r[name] = g;
          }
          return r;
        });
      });
    }

    for (const cell of [{ kind: 'lstm', unitForgetBias: false }, { kind: 'gru', resetAfter: true }, { kind: 'rnn', nonlinearity: 'tanh' }, { kind: 'ctrnn', alpha: 0.3, nonlinearity: 'relu' }]) {
      // Sizes that are not multiples of any block or vector width, larger than one block, so
      // the remainder paths of blocked or vectorised kernels run.
      for (const path of declaredPaths(s, cell))
      it(`${describeConfig(cell)} at odd, larger sizes (B 5, T 7, I 37, H 67, lengths, reverse; ${path})`, async () => {
        for (const reverse of [false, true]) {
          const p = randomDirectionProblem({ cell, B: 5, T: 7, I: 37, H: 67, lengths: Int32Array.from([7, 3, 1, 6, 7]), reverse, initialState: true, seed: 250 });
          await againstReference(s, `${describeConfig(cell)} large${reverse ? ' reverse' : ''} (${path})`, 'by name', async (b) => ({ ...(await runDirection(b, p, caps.training, b === s.backend ? path : declaredPaths({ fusedKinds: Object.keys(b.fused) }, cell)[0])) }) as Results);
        }
      });
    }

    it('dense at odd, larger sizes (N 130, I 70, U 33)', async () => {
      const rng = new Rng(301);
      const [N, I, U] = [130, 70, 33];
      const w = r32(rng, U * I, 0.2);
      const bias = r32(rng, U);
      const x = r32(rng, N * I);
      const dy = r32(rng, N * U);
      await againstReference(s, 'dense large', 'by name', async (b) => {
        const [wt, bt, xt] = [b.tensor(w, [U, I], 'float32'), b.tensor(bias, [U], 'float32'), b.tensor(x, [N, I], 'float32')];
        const f = await b.denseForward(wt, bt, xt, caps.training);
        b.dispose(xt);
        const out: Results = { y: await take(b, f.y) };
        if (caps.training) {
          const dyt = b.tensor(dy, [N, U], 'float32');
          const g = await b.denseBackward(f.saved!, dyt);
          b.disposeSaved(f.saved!);
          b.dispose(dyt);
          Object.assign(out, { dx: await take(b, g.dx), dw: await take(b, g.dw), db: await take(b, g.db) });
        }
        b.dispose(wt);
        b.dispose(bt);
        return out;
      });
    });

    it(`dense forward${caps.training ? ' and backward' : ''}`, async () => {
      const rng = new Rng(300);
      const [N, I, U] = [7, 9, 5];
      const w = r32(rng, U * I);
      const bias = r32(rng, U);
      const x = r32(rng, N * I);
      const dy = r32(rng, N * U);
      await againstReference(s, 'dense', 'by name', async (b) => {
        const [wt, bt, xt] = [b.tensor(w, [U, I], 'float32'), b.tensor(bias, [U], 'float32'), b.tensor(x, [N, I], 'float32')];
        const f = await b.denseForward(wt, bt, xt, caps.training);
        b.dispose(xt);
        const out: Results = { y: await take(b, f.y) };
        if (caps.training) {
          const dyt = b.tensor(dy, [N, U], 'float32');
          const g = await b.denseBackward(f.saved!, dyt);
          b.disposeSaved(f.saved!);
          b.dispose(dyt);
          Object.assign(out, { dx: await take(b, g.dx), dw: await take(b, g.dw), db: await take(b, g.db) });
        }
        b.dispose(wt);
        b.dispose(bt);
        return out;
      });
    });

    it(`dense over a sequence [B, T, I], as core's dense layer passes it after returnSequences${caps.training ? ', forward and backward' : ''}`, async () => {
      // backend.ts documents x: [N, I], but layers/dense.ts hands the backend [B, T, I] unchanged;
      // every sequence-output model depends on this.
      const rng = new Rng(304);
      const [B, T, I, U] = [2, 3, 4, 5];
      const w = r32(rng, U * I);
      const bias = r32(rng, U);
      const x = r32(rng, B * T * I);
      const dy = r32(rng, B * T * U);
      await againstReference(s, 'dense over [B, T, I]', 'by name', async (b) => {
        const [wt, bt, xt] = [b.tensor(w, [U, I], 'float32'), b.tensor(bias, [U], 'float32'), b.tensor(x, [B, T, I], 'float32')];
        const f = await b.denseForward(wt, bt, xt, caps.training);
        b.dispose(xt);
        checkShape('denseForward', 'y', f.y, [B, T, U]);
        const out: Results = { y: await take(b, f.y) };
        if (caps.training) {
          const dyt = b.tensor(dy, [B, T, U], 'float32');
          const g = await b.denseBackward(f.saved!, dyt);
          b.disposeSaved(f.saved!);
          b.dispose(dyt);
          checkShape('denseBackward', 'dx', g.dx, [B, T, I]);
          Object.assign(out, { dx: await take(b, g.dx), dw: await take(b, g.dw), db: await take(b, g.db) });
        }
        b.dispose(wt);
        b.dispose(bt);
        return out;
      });
    });

    it(`embedding forward${caps.training ? ' and backward (repeated ids)' : ''}`, async () => {
      const rng = new Rng(301);
      const [V, E, B, T] = [11, 4, 3, 5];
      const w = r32(rng, V * E);
      const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
      ids[0] = ids[1] = ids[7] = 3;
      const dy = r32(rng, B * T * E);
      await againstReference(s, 'embedding', 'by name', async (b) => {
        const wt = b.tensor(w, [V, E], 'float32');
        const idt = b.tensor(ids, [B, T], 'int32');
        const f = await b.embeddingForward(wt, idt, caps.training);
        b.dispose(idt);
        const out: Results = { y: await take(b, f.y) };
        if (caps.training) {
          const dyt = b.tensor(dy, [B, T, E], 'float32');
          out.dWeight = await take(b, (await b.embeddingBackward(f.saved!, dyt)).dWeight);
          b.disposeSaved(f.saved!);
          b.dispose(dyt);
        }
        b.dispose(wt);
        return out;
      });
    });

    it('losses: softmaxCrossEntropy (plain and with a weights mask), sigmoidBinaryCrossEntropy, meanSquaredError', async () => {
      const rng = new Rng(302);
      const [N, C] = [6, 4];
      const logits = r32(rng, N * C, 3);
      const labels = Int32Array.from([0, 3, 2, 1, 1, 3]);
      const mask = Float64Array.from([1, 1, 0, 1, 0, 1]);
      const targets = Float64Array.from([0, 1, 1, 0, 0.25, 1]);
      const pred = r32(rng, N * 2);
      const goal = r32(rng, N * 2);
      await againstReference(s, 'losses', tol.forward, async (b) => {
        const lt = b.tensor(logits, [N, C], 'float32');
        const lab = b.tensor(labels, [N], 'int32');
        const w = b.tensor(mask, [N], 'float32');
        const bl = b.tensor(logits.subarray(0, N), [N], 'float32');
        const tg = b.tensor(targets, [N], 'float32');
        const pt = b.tensor(pred, [N, 2], 'float32');
        const gt = b.tensor(goal, [N, 2], 'float32');
        const out: Results = {};
        const keep = async (name: string, r: { loss: Tensor; grad: Tensor }) => {
          if (r.loss.shape.length !== 0) throw new Error(`${name}: loss: expected shape [], got [${r.loss.shape.join(', ')}]`);
          out[`${name} loss`] = await take(b, r.loss);
          out[`${name} grad`] = await take(b, r.grad);
        };
        await keep('softmaxCrossEntropy', await b.softmaxCrossEntropy(lt, lab));
        await keep('softmaxCrossEntropy(weights)', await b.softmaxCrossEntropy(lt, lab, w));
        await keep('sigmoidBinaryCrossEntropy', await b.sigmoidBinaryCrossEntropy(bl, tg));
        await keep('meanSquaredError', await b.meanSquaredError(pt, gt));
        [lt, lab, w, bl, tg, pt, gt].forEach((t) => b.dispose(t));
        return out;
      });
    });

    it('softmax, every primitive (matmul in all transposes, add, sub, mul, affine, addRow, sumRows, activations and their gradients, slice, concat, reshape), sumSquares, scaleInPlace', async () => {
      const rng = new Rng(303);
      const a = r32(rng, 2 * 3 * 4, 4);
      const c = r32(rng, 2 * 3 * 2, 4);
      const m = r32(rng, 2 * 3 * 4);
      await againstReference(s, 'helpers', tol.forward, async (b) => {
        const at = b.tensor(a, [2, 3, 4], 'float32');
        const ct = b.tensor(c, [2, 3, 2], 'float32');
        const mt = b.tensor(m, [2, 3, 4], 'float32');
        const flat = await b.reshape(at, [6, 4]);
        const shapeOf = (t: { shape: readonly number[] }) => Float64Array.from(t.shape);
        const out: Results = {};
        const put = async (name: string, t: Tensor) => {
          out[`${name} shape`] = shapeOf(t);
          out[name] = await take(b, t);
        };
        await put('softmax', await b.softmax(flat));
        for (const f of ['sigmoid', 'tanh', 'relu'] as const) {
          const y = await b.activation(f, at);
          await put(`activationGrad ${f}`, await b.activationGrad(f, y, mt));
          await put(f, y);
        }
        await put('concat axis 2', await b.concat([at, ct], 2));
        const a2 = await b.slice(at, 2, 1, 2);
        await put('concat axis 0', await b.concat([a2, ct], 0));
        await put('concat axis 1', await b.concat([a2, ct, a2], 1));
        for (let axis = 0; axis < 3; axis++) await put(`slice axis ${axis}`, await b.slice(at, axis, 1, 1));
        await put('slice axis 2 (1, 2)', a2);
        await put('sub', await b.sub(at, mt));
        await put('affine', await b.affine(at, -0.5, 0.25));
        const m64 = await b.reshape(mt, [6, 4]);
        const c62 = await b.reshape(ct, [6, 2]);
        const w42 = await b.slice(m64, 0, 0, 4);
        await put('matmul', await b.matmul(flat, w42, false, false));
        await put('matmul transposeA', await b.matmul(m64, c62, true, false));
        await put('matmul transposeB', await b.matmul(flat, m64, false, true));
        const m46 = await b.reshape(mt, [4, 6]);
        await put('matmul transposeA transposeB', await b.matmul(c62, m46, true, true));
        b.dispose(m46);
        const row = await b.slice(await b.reshape(await b.slice(mt, 0, 0, 1), [3, 4]), 0, 0, 1);
        const row4 = await b.reshape(row, [4]);
        await put('addRow', await b.addRow(flat, row4));
        await put('sumRows', await b.sumRows(m64));
        [m64, c62, w42, row, row4].forEach((t) => b.dispose(t));
        await put('add', await b.add(at, mt));
        await put('mul', await b.mul(at, mt));
        await put('sumSquares', await b.sumSquares([at, ct]));
        const zero = b.zeros([2, 3, 4]);
        const scaled = await b.add(at, zero);
        b.dispose(zero);
        await b.scaleInPlace(scaled, -0.37);
        await put('scaleInPlace', scaled);
        await put('reshape', flat);
        // reshape must not alias: the source is still intact and usable after the reshape is disposed.
        out['source after reshape'] = await take(b, at);
        [ct, mt].forEach((t) => b.dispose(t));
        return out;
      });
    });

    const optimizerCases: { name: string; run: (b: Backend, p: OptState) => Promise<void> }[] = [
      {
        name: 'adam (weight decay, 3 steps for bias correction)',
        run: async (b, t) => {
          for (let step = 1; step <= 3; step++) await b.adamUpdate(t.param, t.grad, t.s1, t.s2, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step });
        },
      },
      {
        name: 'sgd plain (momentum 0)',
        run: async (b, t) => await b.sgdUpdate(t.param, t.grad, t.s1, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, first: true }),
      },
      {
        name: 'sgd momentum 0.9, dampening 0.1, weight decay (2 steps)',
        run: async (b, t) => {
          for (const first of [true, false]) await b.sgdUpdate(t.param, t.grad, t.s1, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01, first });
        },
      },
      {
        name: 'sgd nesterov momentum 0.9 (2 steps)',
        run: async (b, t) => {
          for (const first of [true, false]) await b.sgdUpdate(t.param, t.grad, t.s1, { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, first });
        },
      },
      {
        name: 'rmsprop without momentum (2 steps)',
        run: async (b, t) => {
          for (let i = 0; i < 2; i++) await b.rmspropUpdate(t.param, t.grad, t.s1, t.s2, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0.01 });
        },
      },
      {
        name: 'rmsprop with momentum 0.9 (2 steps)',
        run: async (b, t) => {
          for (let i = 0; i < 2; i++) await b.rmspropUpdate(t.param, t.grad, t.s1, t.s2, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0.9, weightDecay: 0 });
        },
      },
    ];
    for (const [oi, o] of optimizerCases.entries()) {
      it.skipIf(!caps.training)(`optimizer update in place: ${o.name}`, async () => {
        const rng = new Rng(400 + oi);
        const n = 12;
        const param = r32(rng, n);
        const grad = r32(rng, n);
        await againstReference(s, o.name, tol.update, async (b) => {
          const t: OptState = {
            param: b.tensor(param, [3, 4], 'float32'),
            grad: b.tensor(grad, [3, 4], 'float32'),
            s1: b.zeros([3, 4]),
            s2: b.zeros([3, 4]),
          };
          await o.run(b, t);
          const out: Results = { param: await take(b, t.param), grad: await take(b, t.grad) };
          out.slot1 = await take(b, t.s1);
          out.slot2 = await take(b, t.s2);
          // The slots a momentum-free SGD ignores may hold anything; compare only what is defined.
          if (o.name.startsWith('sgd plain')) out.slot1 = out.slot2 = undefined;
          if (o.name.startsWith('sgd')) out.slot2 = undefined;
          if (o.name.startsWith('rmsprop without')) out.slot2 = undefined;
          return out;
        });
      });
    }
  });
}

interface OptState {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly s1: Tensor;
  readonly s2: Tensor;
}
