// The catalogue's cells through the model API on the backend under test, each as a user would
// build it with `layers.*`: stacked, bidirectional, lengths, a training step against the
// reference, state in/out over two halves, streaming, and a checkpoint round trip. The golden
// and layer tests prove the equations; this proves the layers around them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layers, Rng, Sequential, SequenceStream, sgd, type Backend, type Dataset, type HostTensor, type LayerSpec, type RecurrentSpec } from '@rnnkit/core';
import { readCheckpoint } from '@rnnkit/core/internal';
import { expectClose } from './compare.js';
import type { Suite } from './suite.js';
import { suiteTempDir } from './temp-dir.js';

const B = 3;
const T = 5;

function random(rng: Rng, shape: number[]): HostTensor<Float32Array> {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}

/** x[:, t0:t1] of a [B, T, ...] host tensor. */
function sliceTime(x: HostTensor<Float32Array>, t0: number, t1: number): HostTensor<Float32Array> {
  const [b, t] = x.shape as [number, number];
  const per = x.shape.slice(2).reduce((a, c) => a * c, 1);
  const out = new Float32Array(b * (t1 - t0) * per);
  for (let s = 0; s < b; s++) out.set(x.data.subarray((s * t + t0) * per, (s * t + t1) * per), s * (t1 - t0) * per);
  return { data: out, shape: [b, t1 - t0, ...x.shape.slice(2)] };
}

export interface CatalogueCase {
  readonly name: string;
  /** The recurrent layer, given its numLayers/bidirectional/returnSequences. */
  readonly layer: (o: { numLayers: number; bidirectional: boolean; returnSequences: boolean }) => RecurrentSpec;
  /** Frames [B, T, C, H, W] for ConvLSTM; [B, T, 3] otherwise. */
  readonly frames?: boolean;
}

/** The catalogue's layers, each as `layers.*` builds it (the state-gradient part reuses them). */
export const CASES: CatalogueCase[] = [
  { name: 'lstm({ projSize: 2 })', layer: (o) => layers.lstm({ inputSize: 3, hiddenSize: 4, projSize: 2, ...o }) },
  { name: 'lstm({ peephole: true })', layer: (o) => layers.lstm({ inputSize: 3, hiddenSize: 4, peephole: true, ...o }) },
  { name: 'lstm({ layerNorm: true })', layer: (o) => layers.lstm({ inputSize: 3, hiddenSize: 4, layerNorm: true, ...o }) },
  { name: 'jordan({ outputSize: 3 })', layer: (o) => layers.jordan({ inputSize: 3, hiddenSize: 4, outputSize: 3, ...o }) },
  { name: 'minGru', layer: (o) => layers.minGru({ inputSize: 3, hiddenSize: 4, ...o }) },
  { name: 'minLstm', layer: (o) => layers.minLstm({ inputSize: 3, hiddenSize: 4, ...o }) },
  { name: 'convLstm({ kernelSize: 3 })', layer: (o) => layers.convLstm({ inChannels: 2, hiddenChannels: 2, kernelSize: 3, ...o }), frames: true },
];

/** The whole model: the layer twice over (2 stacked, bidirectional when asked), then a head. */
function specs(c: CatalogueCase, bidirectional: boolean): LayerSpec[] {
  if (c.frames) {
    // Frames to frames: a one-channel ConvLSTM reads out the next frame.
    return [c.layer({ numLayers: 2, bidirectional, returnSequences: true }), layers.convLstm({ hiddenChannels: 1, kernelSize: 3, returnSequences: true })];
  }
  return [c.layer({ numLayers: 2, bidirectional, returnSequences: false }), layers.dense({ units: 2 })];
}

function data(c: CatalogueCase, rng: Rng): Dataset {
  if (c.frames) return { x: random(rng, [B, T, 2, 3, 4]), y: random(rng, [B, T, 1, 3, 4]), lengths: Int32Array.from([5, 2, 4]) };
  return { x: random(rng, [B, T, 3]), y: { data: Int32Array.from([1, 0, 1]), shape: [B] }, lengths: Int32Array.from([5, 2, 4]) };
}

export function describeCatalogueModels(s: Suite): void {
  const { caps, tol } = s;
  const hostTrace = Math.max(tol.trace, tol.host);
  describe('the catalogue at model level (layers.*)', () => {
    const dir = suiteTempDir('rnnkit-catalogue-');

    for (const [ci, c] of CASES.entries()) {
      const loss = c.frames ? 'meanSquaredError' : 'softmaxCrossEntropy';
      it(`${c.name}: 2 layers bidirectional with lengths: predictions${caps.training ? ', a training step and the weights after it' : ''} match the reference`, async () => {
        const ds = data(c, new Rng(1000 + ci));
        const run = async (b: Backend) => {
          const model = Sequential.create(b, specs(c, true), { seed: 5 });
          try {
            const before = await model.predict(ds.x, { lengths: ds.lengths });
            if (!caps.training) return { before };
            const l = await model.trainStep(ds, { loss, optimizer: sgd({ lr: 0.1 }) });
            return { before, loss: l, after: await model.predict(ds.x, { lengths: ds.lengths }), weights: await model.getWeights() };
          } finally {
            model.dispose();
          }
        };
        const ref = await run(s.reference);
        const got = await run(s.backend);
        expectClose(got.before.data, ref.before.data, tol.host, `${c.name}: predictions`, ref.before.shape);
        if (!caps.training) return;
        expectClose([got.loss!], [ref.loss!], tol.host, `${c.name}: loss`);
        for (const [name, w] of ref.weights!) expectClose(got.weights!.get(name)!, w, hostTrace, `${c.name}: ${name} after one SGD step`);
        expectClose(got.after!.data, ref.after!.data, hostTrace, `${c.name}: predictions after one step`, ref.after!.shape);
      });

      it(`${c.name}: state in/out over two halves equals one forward; a stream equals forward on each prefix`, async () => {
        const model = Sequential.create(s.backend, specs(c, false), { seed: 6 });
        const stream = new SequenceStream(model);
        try {
          const x = data(c, new Rng(1100 + ci)).x as HostTensor<Float32Array>;
          const whole = await model.forward(x);
          const first = await model.forward(sliceTime(x, 0, 3));
          const second = await model.forward(sliceTime(x, 3, T), { initialStates: c.frames ? first.states : [first.states[0], undefined] });
          for (const [name, v] of Object.entries(whole.states[0]!)) {
            expectClose(second.states[0]![name]!.data, v!.data, tol.host, `${c.name}: final ${name} after two halves`);
          }
          if (c.frames) expectClose(second.output.data, sliceTime(whole.output, 3, T).data, tol.host, `${c.name}: second half output`);
          else expectClose(second.output.data, whole.output.data, tol.host, `${c.name}: output after two halves`);
          for (let t = 0; t < T; t++) {
            const xt = sliceTime(x, t, t + 1);
            const out = await stream.step({ data: xt.data, shape: [B, ...x.shape.slice(2)] });
            const want = c.frames ? sliceTime(whole.output, t, t + 1).data : (await model.forward(sliceTime(x, 0, t + 1))).output.data;
            expectClose(out.data, want, tol.host, `${c.name}: stream step ${t}`);
          }
        } finally {
          stream.dispose();
          model.dispose();
        }
      });

      it(`${c.name}: save, then the checkpoint rebuilt (what loadModel runs) gives the same predictions`, async () => {
        const ds = data(c, new Rng(1200 + ci));
        const a = Sequential.create(s.backend, specs(c, true), { seed: 7 });
        try {
          if (caps.training) await a.trainStep(ds, { loss, optimizer: sgd({ lr: 0.1 }) });
          const path = join(dir(), `${ci}.safetensors`);
          await a.save(path);
          const b = Sequential.fromCheckpoint(s.backend, await readCheckpoint(path));
          try {
            expect(b.parameterShapes()).toEqual(a.parameterShapes());
            expectClose((await b.predict(ds.x, { lengths: ds.lengths })).data, (await a.predict(ds.x, { lengths: ds.lengths })).data, tol.host, `${c.name}: loaded predictions (weights cross the float32 file)`);
          } finally {
            b.dispose();
          }
        } finally {
          a.dispose();
        }
      });
    }

    it('option checks name the option: unknown, mutually exclusive, out of range', () => {
      const build = (spec: LayerSpec) => Sequential.create(s.reference, [spec, layers.dense({ units: 1 })], { seed: 1 }).dispose();
      expect(() => build(layers.lstm({ inputSize: 2, hiddenSize: 4, projSize: 2, peephole: true }))).toThrow(/projSize and peephole: true cannot be combined/);
      expect(() => build(layers.lstm({ inputSize: 2, hiddenSize: 4, projSize: 4 }))).toThrow(/projSize: expected 0 < projSize < hiddenSize \(4\)/);
      expect(() => build(layers.gru({ inputSize: 2, hiddenSize: 4, projSize: 2 } as never))).toThrow(/unknown option 'projSize'/);
      expect(() => build(layers.jordan({ inputSize: 2, hiddenSize: 4 } as never))).toThrow(/outputSize: expected a positive integer/);
      expect(() => build(layers.minGru({ inputSize: 2, hiddenSize: 4, nonlinearity: 'relu' } as never))).toThrow(/unknown option 'nonlinearity'/);
      expect(() => Sequential.create(s.reference, [layers.convLstm({ inChannels: 1, hiddenChannels: 2, kernelSize: 2 })], { seed: 1 })).toThrow(/kernelSize: expected an odd positive integer/);
      expect(() => Sequential.create(s.reference, [layers.convLstm({ inChannels: 1, hiddenChannels: 2, kernelSize: 3 }), layers.dense({ units: 1 })], { seed: 1 })).toThrow(/dense.*takes features on the last axis/);
      expect(() => Sequential.create(s.reference, [layers.convLstm({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, hiddenSize: 2 } as never)], { seed: 1 })).toThrow(/unknown option 'hiddenSize' \(use hiddenChannels\)/);
    });
  });
}
