// Export with state in and out (`states: true`): a decoder runs step by step in a plain onnxruntime-node
// session, T = 1 per call with the final states fed back as the next initial states, and matches rnnkit's
// model.forward(x, { initialStates }) outputs and states.

import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { createOnnxBackend, exportModelOnnx, layers, Rng, Sequential, type LayerSpec } from './index.js';

const TOLERANCE = 1e-5;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(actual[k]! - expected[k]!));
  expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(TOLERANCE);
}

const B = 3;
const T = 5;
const I = 4;

async function modelOf(specs: LayerSpec[]): Promise<Sequential> {
  const be = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
  return Sequential.create(be, specs, { seed: 7 }, true);
}

function random(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Step t of x: [B, T, I] as [B, 1, I]. */
function stepOf(x: Float32Array, t: number): Float32Array {
  const out = new Float32Array(B * I);
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + t) * I, (b * T + t + 1) * I), b * I);
  return out;
}

describe('export with states in and out: step-by-step generation in a plain session', () => {
  for (const [name, specs, stateNames] of [
    ['lstm, 2 stacked, sequences → dense', [layers.lstm({ inputSize: I, hiddenSize: 6, numLayers: 2, returnSequences: true }), layers.dense({ units: 3 })], ['h', 'c']],
    ['gru (reset-before) → gru → dense', [layers.gru({ inputSize: I, hiddenSize: 5, resetAfter: false, returnSequences: true }), layers.gru({ hiddenSize: 4 }), layers.dense({ units: 2 })], ['h']],
    ['minGru (a Scan) → dense', [layers.minGru({ inputSize: I, hiddenSize: 5 }), layers.dense({ units: 2 })], ['h']],
  ] as [string, LayerSpec[], string[]][]) {
    it(name, async () => {
      const model = await modelOf(specs);
      const session = await InferenceSession.create(await exportModelOnnx(model, { states: true }));
      const recurrent = model.layers.flatMap((l, i) => (l.states ? [i] : []));
      const rng = new Rng(3);
      const x = random(rng, B * T * I);
      // random initial states for every recurrent layer, in forward's layout [L·D, B, ...]
      let states = model.layers.map((l) =>
        l.states ? Object.fromEntries(l.states.map((d) => [d.name, { data: random(rng, d.count * B * d.shape[0]!), shape: [d.count, B, ...d.shape] }])) : undefined,
      ) as Parameters<Sequential['forward']>[1] extends infer O ? (O extends { initialStates?: infer S } ? NonNullable<S> : never) : never;
      for (const i of recurrent) for (const s of stateNames) expect(session.inputNames).toContain(`${i}.${s}_0`);
      let feeds: Record<string, OrtTensor> = {};
      for (const i of recurrent) for (const s of stateNames) feeds[`${i}.${s}_0`] = new OrtTensor('float32', states[i]![s]!.data, states[i]![s]!.shape);
      for (let t = 0; t < T; t++) {
        const xt = { data: stepOf(x, t), shape: [B, 1, I] };
        const expected = await model.forward(xt, { initialStates: states });
        const out = await session.run({ x: new OrtTensor('float32', xt.data, xt.shape), ...feeds });
        expectClose(out.logits!.data as Float32Array, expected.output.data, `step ${t}: output`);
        const next: typeof feeds = {};
        recurrent.forEach((i, k) => {
          for (const s of stateNames) {
            const got = out[`${i}.${s}_n`]!;
            expectClose(got.data as Float32Array, expected.states[k]![s]!.data, `step ${t}: layer ${i} ${s}_n`);
            next[`${i}.${s}_0`] = got as OrtTensor;
          }
        });
        feeds = next;
        states = model.layers.map((_, i) => (recurrent.includes(i) ? expected.states[recurrent.indexOf(i)] : undefined)) as typeof states;
      }
      await session.release();
      model.dispose();
    });
  }

  it('bidirectional, lengths, the whole sequence in one call', async () => {
    const model = await modelOf([layers.lstm({ inputSize: I, hiddenSize: 4, bidirectional: true }), layers.dense({ units: 2 })]);
    const session = await InferenceSession.create(await exportModelOnnx(model, { states: true, lengths: true }));
    const rng = new Rng(9);
    const x = { data: random(rng, B * T * I), shape: [B, T, I] };
    const h = { data: random(rng, 2 * B * 4), shape: [2, B, 4] };
    const c = { data: random(rng, 2 * B * 4), shape: [2, B, 4] };
    const lengths = Int32Array.from([5, 2, 4]);
    const expected = await model.forward(x, { lengths, initialStates: [{ h, c }, undefined] });
    const out = await session.run({
      x: new OrtTensor('float32', x.data, x.shape),
      lengths: new OrtTensor('int32', lengths, [B]),
      '0.h_0': new OrtTensor('float32', h.data, h.shape),
      '0.c_0': new OrtTensor('float32', c.data, c.shape),
    });
    expectClose(out.logits!.data as Float32Array, expected.output.data, 'output');
    expectClose(out['0.h_n']!.data as Float32Array, expected.states[0]!.h.data, 'h_n');
    expectClose(out['0.c_n']!.data as Float32Array, expected.states[0]!.c!.data, 'c_n');
    await session.release();
    model.dispose();
  });
});
