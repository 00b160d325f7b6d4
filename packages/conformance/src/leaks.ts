// No leaks: every handle a backend returns is owned and disposed by the caller, and Saved
// releases what it keeps. liveTensors() must come back to where it was.
import { describe, expect, it } from 'vitest';
import { adam, layers, Rng, Sequential, SequenceStream, type Backend, type Capabilities } from '@rnnkit/core';
import { randomDirectionProblem, runDirection } from './recurrent-harness.js';
import { ALL_CELLS, declaredPaths, type Suite } from './suite.js';

/** Live-tensor counts around a model's life: before it, after step 1, after every use, after dispose. */
export interface LeakCounts {
  readonly start: number;
  readonly settled: number;
  readonly afterUse: number;
  readonly end: number;
}

/**
 * A tiny LSTM model: one training step (optimizer state appears), then `steps - 1` more with
 * clipping, evaluate, predict, forward with states in and out, and a 3-step stream.
 */
export async function modelLeakCounts(b: Backend, caps: Capabilities, steps: number): Promise<LeakCounts> {
  const start = b.liveTensors();
  const model = Sequential.create(b, [layers.lstm({ inputSize: 2, hiddenSize: 3 }), layers.dense({ units: 2 })], { seed: 1 });
  const rng = new Rng(1100);
  const x = new Float32Array(2 * 3 * 2).map(() => rng.uniform(-1, 1));
  const ds = {
    x: { data: x, shape: [2, 3, 2] },
    y: { data: Int32Array.from([0, 1]), shape: [2] },
    lengths: Int32Array.from([3, 2]),
  };
  const opts = { loss: 'softmaxCrossEntropy' as const, optimizer: adam({ lr: 0.001 }), clipNorm: 1 };
  let settled: number;
  let afterUse: number;
  try {
    if (caps.training) await model.trainStep(ds, opts);
    settled = b.liveTensors();
    if (caps.training) for (let i = 1; i < steps; i++) await model.trainStep(ds, opts);
    await model.evaluate(ds, { loss: 'softmaxCrossEntropy' });
    await model.predict(ds.x, { lengths: ds.lengths });
    const f = await model.forward(ds.x);
    await model.forward(ds.x, { initialStates: [{ h: f.states[0]!.h, c: f.states[0]!.c! }, undefined] });
    const stream = new SequenceStream(model);
    for (let t = 0; t < 3; t++) await stream.step({ data: x.subarray(0, 2 * 2), shape: [2, 2] });
    stream.dispose();
    afterUse = b.liveTensors();
  } finally {
    model.dispose();
  }
  return { start, settled, afterUse, end: b.liveTensors() };
}

export function describeLeaks(s: Suite): void {
  const { caps } = s;
  describe('no leaks', () => {
    it(
      `liveTensors() is unchanged after ${s.leakSteps} training steps (after the first) plus evaluate, predict, forward with states and a stream`,
      async () => {
        const c = await modelLeakCounts(s.backend, caps, s.leakSteps);
        expect(c.afterUse, `live tensors after ${s.leakSteps} steps and inference (settled after step 1 at ${c.settled})`).toBe(c.settled);
        expect(c.end, 'live tensors after disposing the model').toBe(c.start);
      },
      300_000,
    );

    it('every kernel (recurrent of each cell, dense, embedding, losses, helpers) leaves nothing behind', async () => {
      const b = s.backend;
      const start = b.liveTensors();
      for (const [i, cell] of ALL_CELLS.entries()) {
        for (const reverse of [false, true]) {
          const p = randomDirectionProblem({
            cell,
            B: 2,
            T: 3,
            I: 2,
            H: 3,
            lengths: Int32Array.from([3, 1]),
            reverse,
            initialState: reverse,
            seed: 1200 + i,
          });
          for (const path of declaredPaths(s, cell)) {
            await runDirection(b, p, caps.training, path);
            // Backward with only dhT (dy absent), as a many-to-one model sends it.
            if (caps.training) await runDirection(b, { ...p, dy: undefined, dcT: undefined }, true, path);
          }
        }
      }
      const w = b.tensor(new Float32Array(6).fill(0.5), [2, 3], 'float32');
      const bias = b.zeros([2]);
      const x = b.tensor(new Float32Array(12).fill(0.1), [4, 3], 'float32');
      const d = await b.denseForward(w, bias, x, caps.training);
      if (caps.training) {
        const g = await b.denseBackward(d.saved!, d.y);
        [g.dx, g.dw, g.db].forEach((t) => b.dispose(t));
        b.disposeSaved(d.saved!);
      }
      const sm = await b.softmax(d.y);
      const labels = b.tensor(Int32Array.from([0, 1, 1, 0]), [4], 'int32');
      const ce = await b.softmaxCrossEntropy(d.y, labels);
      [sm, ce.loss, ce.grad, d.y, labels, x, bias].forEach((t) => b.dispose(t));
      const ids = b.tensor(Int32Array.from([0, 1, 1, 0]), [2, 2], 'int32');
      const e = await b.embeddingForward(w, ids, caps.training);
      if (caps.training) {
        b.dispose((await b.embeddingBackward(e.saved!, e.y)).dWeight);
        b.disposeSaved(e.saved!);
      }
      const ss = await b.sumSquares([w, e.y]);
      [ss, e.y, ids, w].forEach((t) => b.dispose(t));
      expect(b.liveTensors()).toBe(start);
    });
  });
}
