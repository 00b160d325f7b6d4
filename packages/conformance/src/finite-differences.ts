// Finite differences of the float64 reference: central differences of the forward pass prove
// that every backward kernel is the derivative of its own forward (the golden cases then prove
// the forward is the right equation). Runs on the reference only: float32 is too coarse for it.
import { describe, expect, it } from 'vitest';
import { Rng, type Backend, type LossResult, type Tensor } from '@rnnkit/core';
import { expectClose } from './compare.js';
import { dot, randomArray, take } from './host.js';
import { layerLoss, randomProblem, runLayer, type LayerProblem } from './recurrent-harness.js';
import { ALL_CELLS, CATALOGUE_CELLS, describeConfig, frameFor, type Suite } from './suite.js';
import { FINITE_DIFFERENCE_EPS, FINITE_DIFFERENCE_TOLERANCE } from './tolerance.js';

const EPS = FINITE_DIFFERENCE_EPS;

/** Central differences of `f` with respect to every element of `v` (perturbed in place, restored). */
async function numericGradient(v: Float64Array, f: () => Promise<number>): Promise<Float64Array> {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i]!;
    v[i] = keep + EPS;
    const plus = await f();
    v[i] = keep - EPS;
    const minus = await f();
    v[i] = keep;
    g[i] = (plus - minus) / (2 * EPS);
  }
  return g;
}

async function checkLayer(ref: Backend, p: LayerProblem, what: string, fused = true): Promise<void> {
  const { grads } = await runLayer(ref, p, true, fused);
  const loss = async () => layerLoss(p, (await runLayer(ref, p, false, fused)).out);
  const check = async (name: string, v: Float64Array, analytic: Float64Array) =>
    expectClose(analytic, await numericGradient(v, loss), FINITE_DIFFERENCE_TOLERANCE, `${what}: d loss / d ${name} (analytic vs central differences)`);
  await check('x', p.x, grads!.dx);
  for (const [name, v] of p.params) await check(name, v, grads!.params.get(name)!);
  for (const [i, v] of (p.h0 ?? []).entries()) await check(`h0[${i}]`, v, grads!.dh0[i]!);
  for (const [i, v] of (p.c0 ?? []).entries()) await check(`c0[${i}]`, v, grads!.dc0![i]!);
}

async function checkLoss(
  ref: Backend,
  logits: Float64Array,
  shape: number[],
  run: (logits: Tensor) => Promise<LossResult>,
  what: string,
): Promise<void> {
  const value = async (): Promise<{ loss: number; grad: Float64Array }> => {
    const t = ref.tensor(logits, shape, 'float32');
    const r = await run(t);
    ref.dispose(t);
    return { loss: (await take(ref, r.loss))[0]!, grad: await take(ref, r.grad) };
  };
  const { grad } = await value();
  const numeric = await numericGradient(logits, async () => (await value()).loss);
  expectClose(grad, numeric, FINITE_DIFFERENCE_TOLERANCE, `${what}: d loss / d first argument`);
}

export function describeFiniteDifferences(s: Suite): void {
  describe('finite differences of the float64 reference', () => {
    for (const cell of [...ALL_CELLS, ...CATALOGUE_CELLS]) {
      const frame = frameFor(cell);
      it(`${describeConfig(cell)}: one layer, plain (fused where the reference has it, and generic)`, async () => {
        const p = randomProblem({ cell, B: 2, T: 3, inputSize: 3, hiddenSize: 3, frame, seed: 11 });
        await checkLayer(s.reference, p, `${describeConfig(cell)} plain`);
        await checkLayer(s.reference, p, `${describeConfig(cell)} plain (generic)`, false);
      });
      it(`${describeConfig(cell)}: 2 layers, bidirectional (reverse direction), lengths, initial states`, async () => {
        const p = randomProblem({
          cell,
          B: 2,
          T: 3,
          inputSize: 2,
          // projSize 2 needs a larger hidden size; ConvLSTM's kernels are large enough with 1 channel
          hiddenSize: cell.projSize !== undefined ? 3 : cell.kind === 'convLstm' ? 1 : 2,
          numLayers: 2,
          bidirectional: true,
          lengths: Int32Array.from([3, 2]),
          initialState: true,
          frame: frame && [2, 3],
          seed: 12,
        });
        await checkLayer(s.reference, p, `${describeConfig(cell)} stacked bidirectional lengths`);
        await checkLayer(s.reference, p, `${describeConfig(cell)} stacked bidirectional lengths (generic)`, false);
      });
    }

    it('dense: dx, dw, db', async () => {
      const ref = s.reference;
      const rng = new Rng(21);
      const [N, I, U] = [3, 4, 2];
      const x = randomArray(rng, N * I);
      const w = randomArray(rng, U * I);
      const bias = randomArray(rng, U);
      const dy = randomArray(rng, N * U);
      const run = async (training: boolean) => {
        const [wt, bt, xt] = [ref.tensor(w, [U, I], 'float32'), ref.tensor(bias, [U], 'float32'), ref.tensor(x, [N, I], 'float32')];
        const f = await ref.denseForward(wt, bt, xt, training);
        const y = await take(ref, f.y);
        let g: { dx: Float64Array; dw: Float64Array; db: Float64Array } | undefined;
        if (training) {
          const dyt = ref.tensor(dy, [N, U], 'float32');
          const r = await ref.denseBackward(f.saved!, dyt);
          ref.disposeSaved(f.saved!);
          ref.dispose(dyt);
          g = { dx: await take(ref, r.dx), dw: await take(ref, r.dw), db: await take(ref, r.db) };
        }
        [wt, bt, xt].forEach((t) => ref.dispose(t));
        return { loss: dot(y, dy), g };
      };
      const { g } = await run(true);
      const loss = async () => (await run(false)).loss;
      expectClose(g!.dx, await numericGradient(x, loss), FINITE_DIFFERENCE_TOLERANCE, 'dense dx');
      expectClose(g!.dw, await numericGradient(w, loss), FINITE_DIFFERENCE_TOLERANCE, 'dense dw');
      expectClose(g!.db, await numericGradient(bias, loss), FINITE_DIFFERENCE_TOLERANCE, 'dense db');
    });

    it('embedding: dWeight sums rows per token id (repeated ids included)', async () => {
      const ref = s.reference;
      const rng = new Rng(22);
      const [V, E, B, T] = [5, 3, 2, 4];
      const weight = randomArray(rng, V * E);
      const ids = Int32Array.from([1, 3, 1, 0, 4, 1, 3, 3]);
      const dy = randomArray(rng, B * T * E);
      const run = async (training: boolean) => {
        const wt = ref.tensor(weight, [V, E], 'float32');
        const it = ref.tensor(ids, [B, T], 'int32');
        const f = await ref.embeddingForward(wt, it, training);
        const y = await take(ref, f.y);
        let dW: Float64Array | undefined;
        if (training) {
          const dyt = ref.tensor(dy, [B, T, E], 'float32');
          const r = await ref.embeddingBackward(f.saved!, dyt);
          ref.disposeSaved(f.saved!);
          ref.dispose(dyt);
          dW = await take(ref, r.dWeight);
        }
        ref.dispose(wt);
        ref.dispose(it);
        return { loss: dot(y, dy), dW };
      };
      const { dW } = await run(true);
      const numeric = await numericGradient(weight, async () => (await run(false)).loss);
      expectClose(dW!, numeric, FINITE_DIFFERENCE_TOLERANCE, 'embedding dWeight');
      // Token 2 never occurs: its row's gradient is exactly zero.
      expect(Array.from(dW!.subarray(2 * E, 3 * E))).toEqual([0, 0, 0]);
    });

    it('softmaxCrossEntropy (with and without a weights mask)', async () => {
      const ref = s.reference;
      const rng = new Rng(23);
      const [N, C] = [4, 3];
      const logits = randomArray(rng, N * C, 2);
      const labels = ref.tensor(Int32Array.from([0, 2, 1, 2]), [N], 'int32');
      const weights = ref.tensor(Float64Array.from([1, 0, 1, 1]), [N], 'float32');
      await checkLoss(ref, logits, [N, C], async (t) => await ref.softmaxCrossEntropy(t, labels), 'softmaxCrossEntropy');
      await checkLoss(ref, logits, [N, C], async (t) => await ref.softmaxCrossEntropy(t, labels, weights), 'softmaxCrossEntropy with weights');
      ref.dispose(labels);
      ref.dispose(weights);
    });

    it('sigmoidBinaryCrossEntropy', async () => {
      const ref = s.reference;
      const rng = new Rng(24);
      const logits = randomArray(rng, 5, 3);
      const targets = ref.tensor(Float64Array.from([0, 1, 1, 0, 0.3]), [5], 'float32');
      await checkLoss(ref, logits, [5], async (t) => await ref.sigmoidBinaryCrossEntropy(t, targets), 'sigmoidBinaryCrossEntropy');
      ref.dispose(targets);
    });

    it('meanSquaredError', async () => {
      const ref = s.reference;
      const rng = new Rng(25);
      const pred = randomArray(rng, 6);
      const targets = ref.tensor(randomArray(rng, 6), [2, 3], 'float32');
      await checkLoss(ref, pred, [2, 3], async (t) => await ref.meanSquaredError(t, targets), 'meanSquaredError');
      ref.dispose(targets);
    });
  });
}
