// States that carry gradients, at model level (`model.gradients(batch, { initialStates })`, what
// an encoder's final states see through a decoder): for every cell, the gradient of the loss with
// respect to the initial states of a 2-layer bidirectional layer with lengths is (1) central
// differences of the float64 reference's loss and (2) on the backend under test, the reference's.
// Also: trainStep uses given initial states (the loss changes with them) and fit rejects them.
import { describe, expect, it } from 'vitest';
import { layers, Rng, Sequential, sgd, type Backend, type Dataset, type HostTensor, type LayerSpec, type LayerStates, type RecurrentSpec } from '@rnnkit/core';
import { CASES as CATALOGUE_CASES, type CatalogueCase } from './catalogue-models.js';
import { expectClose } from './compare.js';
import type { Suite } from './suite.js';

const B = 3;
const T = 4;
/** float32 host states: a perturbation much coarser than float32's spacing, divided by the exact step. */
const EPS = 1e-3;
/** Central differences at EPS (error O(EPS²)) against the float64 analytic gradient. */
const FD_TOLERANCE = 1e-4;

const CLASSIC_CASES: CatalogueCase[] = [
  { name: 'rnn', layer: (o) => layers.rnn({ inputSize: 3, hiddenSize: 4, ...o }) },
  { name: 'lstm', layer: (o) => layers.lstm({ inputSize: 3, hiddenSize: 4, ...o }) },
  { name: 'gru', layer: (o) => layers.gru({ inputSize: 3, hiddenSize: 4, ...o }) },
  { name: 'ctrnn', layer: (o) => layers.ctrnn({ inputSize: 3, hiddenSize: 4, ...o }) },
];

function random(rng: Rng, shape: readonly number[]): HostTensor<Float32Array> {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}

function specs(c: CatalogueCase): LayerSpec[] {
  const rec: RecurrentSpec = c.layer({ numLayers: 2, bidirectional: true, returnSequences: !!c.frames });
  return c.frames ? [rec, layers.convLstm({ hiddenChannels: 1, kernelSize: 3, returnSequences: true })] : [rec, layers.dense({ units: 2 })];
}

function problem(c: CatalogueCase, seed: number): { ds: Dataset; loss: 'softmaxCrossEntropy' | 'meanSquaredError' } {
  const rng = new Rng(seed);
  const lengths = Int32Array.from([4, 2, 3]);
  if (c.frames) return { ds: { x: random(rng, [B, T, 2, 3, 4]), y: random(rng, [B, T, 1, 3, 4]), lengths }, loss: 'meanSquaredError' };
  return { ds: { x: random(rng, [B, T, 3]), y: { data: Int32Array.from([1, 0, 1]), shape: [B] }, lengths }, loss: 'softmaxCrossEntropy' };
}

/** Random initial states for layer 0, every state the cell has, shaped as `forward` returns them. */
async function randomStates(model: Sequential, ds: Dataset, seed: number): Promise<LayerStates> {
  const zero = await model.forward(ds.x, { lengths: ds.lengths });
  const rng = new Rng(seed);
  const out: Record<string, HostTensor<Float32Array>> = {};
  for (const [name, t] of Object.entries(zero.states[0]!)) out[name] = random(rng, t!.shape);
  return out as LayerStates;
}

export function describeStateGradients(s: Suite): void {
  const { caps, tol } = s;
  describe('states that carry gradients (model.gradients with initialStates)', () => {
    for (const [ci, c] of [...CLASSIC_CASES, ...CATALOGUE_CASES].entries()) {
      it(`${c.name}: d loss / d initial states: reference = central differences; backend = reference`, async () => {
        const { ds, loss } = problem(c, 2000 + ci);
        const grads = async (b: Backend, states: LayerStates) => {
          const model = Sequential.create(b, specs(c), { seed: 9 });
          try {
            return await model.gradients(ds, { loss, initialStates: [states, undefined] });
          } finally {
            model.dispose();
          }
        };
        const probe = Sequential.create(s.reference, specs(c), { seed: 9 });
        const states = await randomStates(probe, ds, 2100 + ci).finally(() => probe.dispose());
        const ref = await grads(s.reference, states);
        const refStates = ref.initialStates[0]!;
        expect(Object.keys(refStates).sort()).toEqual(Object.keys(states).sort());
        expect(ref.initialStates[1]).toBeUndefined();

        if (s.backend.name === s.reference.name && s.backend.precision === 'float64') {
          // Central differences on the reference only: float32 is too coarse for them.
          for (const [name, st] of Object.entries(states)) {
            const v = st!.data;
            const numeric = new Float64Array(v.length);
            for (let i = 0; i < v.length; i++) {
              const keep = v[i]!;
              v[i] = Math.fround(keep + EPS);
              const up = v[i]!;
              const plus = (await grads(s.reference, states)).loss;
              v[i] = Math.fround(keep - EPS);
              const down = v[i]!;
              const minus = (await grads(s.reference, states)).loss;
              v[i] = keep;
              numeric[i] = (plus - minus) / (up - down);
            }
            expectClose(refStates[name]!.data, numeric, FD_TOLERANCE, `${c.name}: d loss / d ${name}_0 (analytic vs central differences)`);
          }
          // The gradient really reaches the states: not all zero.
          for (const [name, g] of Object.entries(refStates)) expect(g!.data.some((x) => x !== 0), `${c.name}: d loss / d ${name}_0 is all zero`).toBe(true);
          return;
        }
        if (!caps.training) return;
        const got = await grads(s.backend, states);
        const t = Math.max(tol.gradient, tol.host);
        expectClose([got.loss], [ref.loss], tol.host, `${c.name}: loss with initial states`);
        for (const [name, g] of Object.entries(refStates)) expectClose(got.initialStates[0]![name]!.data, g!.data, t, `${c.name}: d loss / d ${name}_0`);
        for (const [name, g] of ref.grads) expectClose(got.grads.get(name)!.data, g.data, t, `${c.name}: d loss / d ${name} (with initial states)`);
      });
    }

    it('trainStep uses the given initial states; fit rejects them with what to do instead', async () => {
      const c = CLASSIC_CASES[1]!;
      const { ds, loss } = problem(c, 2300);
      const make = () => Sequential.create(s.backend, specs(c), { seed: 9 });
      const probe = make();
      const states = await randomStates(probe, ds, 2301).finally(() => probe.dispose());
      if (caps.training) {
        const a = make();
        const b = make();
        try {
          const withStates = await a.trainStep(ds, { loss, optimizer: sgd({ lr: 0.1 }), initialStates: [states, undefined] });
          const without = await b.trainStep(ds, { loss, optimizer: sgd({ lr: 0.1 }) });
          expect(withStates).not.toBeCloseTo(without, 6);
          const ref = Sequential.create(s.reference, specs(c), { seed: 9 });
          try {
            expectClose([withStates], [(await ref.gradients(ds, { loss, initialStates: [states, undefined] })).loss], tol.host, 'trainStep loss with initial states');
          } finally {
            ref.dispose();
          }
        } finally {
          a.dispose();
          b.dispose();
        }
      }
      const m = make();
      try {
        await expect(m.fit(ds, { loss, initialStates: [states, undefined] } as never)).rejects.toThrow(/fit: unknown option 'initialStates': initial states are per batch: give them to trainStep, gradients or forward/);
        await expect(m.gradients(ds, { loss, initialStates: [{ h: states.h }, undefined] } as never)).rejects.toThrow(/initialStates\[0\]/);
      } finally {
        m.dispose();
      }
    });
  });
}
