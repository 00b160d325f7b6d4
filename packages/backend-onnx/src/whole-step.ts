// The whole-step programs of core's optional `compileTrainStep` / `compileInference` (core's
// whole-step.ts): one session run per training step or inference batch (whole-step-graph.ts).
//
// Per step the feeds are the batch, every parameter, the optimizer slots in use and a few scalars;
// the outputs are the loss, the model's output and the updated parameters and slots, whose arrays are
// swapped in behind the same handles (OnnxTensor.replace), so core's Optimizer and checkpoints read them
// as after a plain step. On the CPU provider feeds wrap the host arrays without a copy and each output is
// one fresh array (onnxruntime-node copies its outputs into JS memory; it has no pre-allocated outputs).

import type { InferencePlan, InferenceProgram, Tensor, TrainStepArgs, TrainStepPlan, TrainStepProgram, TrainStepResult } from '@rnnkit/core';
import { onnxSpecFromLayers } from './export-model.js';
import { exportOnnx } from './export-onnx.js';
import type { Handles } from './handles.js';
import type { SessionCache } from './session-cache.js';
import type { Feed, OrtSession } from './session.js';
import type { Data } from './tensor.js';
import { buildInferenceGraph, buildTrainStepGraph, modelShape, stepScalars, usedSlots, type ModelShape } from './whole-step-graph.js';

type Feeds = Record<string, readonly [Feed, readonly number[]]>;

const LOSSES: readonly string[] = ['softmaxCrossEntropy', 'sigmoidBinaryCrossEntropy', 'meanSquaredError'];

function key(kind: string, plan: object): string {
  return `${kind}:${JSON.stringify(plan)}`;
}

function inputFeeds(h: Handles, m: ModelShape, x: Tensor, lengths: Int32Array | undefined, params: ReadonlyMap<string, Tensor>): Feeds {
  const feeds: Feeds = {};
  if (m.embedding) feeds.ids = [h.ints(x, 'ids'), x.shape];
  else feeds.x = [h.floats(x, 'x'), x.shape];
  if (lengths) feeds.lengths = [lengths, [lengths.length]];
  for (const [name, p] of params) feeds[name] = [h.floats(p, name), p.shape];
  return feeds;
}

/** A training-step program for `plan`, or undefined when the whole-step graph does not compute it. */
export function compileTrainStep(h: Handles, sessions: SessionCache, plan: TrainStepPlan): TrainStepProgram | undefined {
  const m = modelShape(plan);
  if (!m || !LOSSES.includes(plan.loss) || plan.targetShape[0] !== m.B) return undefined;
  if (plan.loss === 'sigmoidBinaryCrossEntropy' && (m.outFeatures !== 1 || plan.targetShape.length !== 1)) return undefined;
  if (plan.loss === 'softmaxCrossEntropy' && plan.targetShape.length !== 1) return undefined;
  if (plan.loss === 'meanSquaredError' && plan.targetShape.slice(1).reduce((a, b) => a * b, 1) !== m.outFeatures) return undefined;
  // The graph is fixed by everything but the lr, which each step feeds.
  const graphKey = key('whole-train', { ...plan, layers: plan.layers, optimizer: { ...plan.optimizer, lr: 0 } });
  const slots = usedSlots(plan);
  return {
    async run(a: TrainStepArgs): Promise<TrainStepResult> {
      const feeds = inputFeeds(h, m, a.x, a.lengths, a.params);
      feeds.y = [a.y.dtype === 'int32' ? h.ints(a.y, 'y') : h.floats(a.y, 'y'), a.y.shape];
      for (const [name, s] of a.slots) {
        const shape = a.params.get(name)!.shape;
        if (slots.includes('m')) feeds[`m:${name}`] = [h.floats(s[0], `slots of ${name}`), shape];
        if (slots.includes('v')) feeds[`v:${name}`] = [h.floats(s[1], `slots of ${name}`), shape];
      }
      for (const [name, v] of Object.entries(stepScalars(plan, a.lr, a.step, a.first))) feeds[name] = [Float32Array.of(v), []];
      const out = await sessions.run(graphKey, () => buildTrainStepGraph(plan, m), feeds);
      // Swap the new values in only once the whole run succeeded: a failed step changes nothing.
      for (const [name, p] of a.params) {
        h.get(p, name).replace(out[`new:${name}`]!);
        const s = a.slots.get(name)!;
        if (slots.includes('m')) h.get(s[0], `slots of ${name}`).replace(out[`new_m:${name}`]!);
        if (slots.includes('v')) h.get(s[1], `slots of ${name}`).replace(out[`new_v:${name}`]!);
      }
      return { loss: out.loss![0]!, output: out.output as Float32Array, outputShape: [m.B, m.outFeatures] };
    },
  };
}

/**
 * An inference program for `plan`, or undefined when the whole-model graph does not compute it. While the
 * weights change between calls (predict during training) it runs the graph with weights as inputs; once
 * two calls in a row see the same weight arrays (arrays are never written, so the same array is the same
 * values) it builds the graph `exportModelOnnx` writes, weights baked in and pre-packed by ORT, and runs
 * that until they change.
 */
export function compileInference(h: Handles, sessions: SessionCache, plan: InferencePlan): InferenceProgram | undefined {
  const m = modelShape(plan, false);
  if (!m) return undefined;
  const graphKey = key('whole-infer', plan);
  let seen: readonly Data[] = [];
  let baked: { arrays: readonly Data[]; session: Promise<OrtSession> } | undefined;
  const same = (a: readonly Data[], b: readonly Data[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);
  return {
    async run(a) {
      const arrays = [...a.params].map(([name, p]) => h.get(p, name).data);
      if (baked && !same(baked.arrays, arrays)) {
        const old = baked.session;
        baked = undefined;
        void old.then((s) => sessions.release(s), () => undefined);
      }
      if (!baked && same(seen, arrays)) {
        const weights: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
        for (const [name, p] of a.params) weights[name] = { shape: p.shape, data: h.floats(p, name) };
        const spec = onnxSpecFromLayers(plan.layers, { lengths: plan.lengths, idsType: 'int32' });
        baked = { arrays, session: exportOnnx(spec, weights).then((bytes) => sessions.createOwned(bytes)) };
        baked.session.catch(() => undefined);
      }
      seen = arrays;
      let y: Float32Array;
      if (baked) {
        const feeds: Feeds = {};
        feeds[m.embedding ? 'ids' : 'x'] = [m.embedding ? h.ints(a.x, 'ids') : h.floats(a.x, 'x'), a.x.shape];
        if (a.lengths) feeds.lengths = [a.lengths, [a.lengths.length]];
        y = (await (await baked.session).run(feeds)).logits as Float32Array;
      } else {
        y = (await sessions.run(graphKey, () => buildInferenceGraph(m, plan.lengths), inputFeeds(h, m, a.x, a.lengths, a.params))).output as Float32Array;
      }
      return h.wrap(y, [m.B, m.outFeatures]);
    },
  };
}
