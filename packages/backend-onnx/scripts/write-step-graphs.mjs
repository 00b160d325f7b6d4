// Writes the whole-step graphs of the bench's MNIST and IMDB models (apps/bench/src/config.ts) as .onnx files,
// so they can be timed elsewhere (a GPU machine, Python onnxruntime) without rnnkit:
//   <task>-train-step.onnx  one training step (forward, loss, backward, Adam update)
//   <task>-inference.onnx   the whole model's forward with weights as inputs
//   <task>-feeds.json       every input's name, element type and shape (weights by state_dict name, Adam slots
//                           `m:<name>` / `v:<name>`, scalars `step_size` = lr / (1 − β1^t), `bc2_sqrt` = √(1 − β2^t),
//                           `decay` (AdamW only; 1 for Adam)); outputs `loss`, `output`, `new:<name>`, `new_m:<name>`, `new_v:<name>`
// Run after `pnpm -F @rnnkit/core -F @rnnkit/backend-onnx build`:
//   node packages/backend-onnx/scripts/write-step-graphs.mjs [out-dir]   (default ./step-graphs)
// In Python: sess = onnxruntime.InferenceSession('mnist-train-step.onnx', providers=['CUDAExecutionProvider']);
// feed zeros / random arrays of the listed shapes (int32 for ids and labels) and time sess.run(None, feeds),
// or with IO binding (sess.io_binding(), bind_ortvalue_input/output) to keep weights on the device.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adam, layers, Sequential } from '@rnnkit/core';
import { createOnnxBackend } from '@rnnkit/backend-onnx';
import { encodeModel } from '../dist/onnx-graph.js';
import { buildInferenceGraph, buildTrainStepGraph, modelShape } from '../dist/whole-step-graph.js';

const out = process.argv[2] ?? 'step-graphs';
mkdirSync(out, { recursive: true });
const backend = await createOnnxBackend({ executionProvider: 'cpu' });
const tasks = {
  mnist: { specs: [layers.lstm({ inputSize: 28, hiddenSize: 128 }), layers.dense({ units: 10 })], inputShape: [128, 28, 28], loss: 'softmaxCrossEntropy', targetShape: [128] },
  imdb: {
    specs: [layers.embedding({ inputDim: 10_000, outputDim: 64 }), layers.lstm({ hiddenSize: 64 }), layers.dense({ units: 1 })],
    inputShape: [64, 200],
    loss: 'sigmoidBinaryCrossEntropy',
    targetShape: [64],
  },
};
const ELEM = { 1: 'float32', 6: 'int32', 7: 'int64' };
for (const [name, t] of Object.entries(tasks)) {
  const model = Sequential.create(backend, t.specs, { seed: 42 });
  const plan = {
    layers: model.specs,
    params: [...model.parameterShapes()].map(([n, shape]) => ({ name: n, shape })),
    inputShape: t.inputShape,
    inputDtype: t.inputShape.length === 2 ? 'int32' : 'float32',
    lengths: false,
    loss: t.loss,
    targetShape: t.targetShape,
    optimizer: adam({ lr: 1e-3 }),
  };
  const m = modelShape(plan);
  const train = buildTrainStepGraph(plan, m);
  writeFileSync(join(out, `${name}-train-step.onnx`), encodeModel(train));
  writeFileSync(join(out, `${name}-inference.onnx`), encodeModel(buildInferenceGraph(m, false)));
  const io = (vs) => vs.map((v) => ({ name: v.name, type: ELEM[v.type.tensorType.elemType], shape: v.type.tensorType.shape.dim.map((d) => d.dimValue ?? d.dimParam) }));
  writeFileSync(join(out, `${name}-feeds.json`), JSON.stringify({ inputs: io(train.input), outputs: io(train.output) }, null, 1));
  console.log(`${name}: wrote ${name}-train-step.onnx (${train.node.length} nodes), ${name}-inference.onnx, ${name}-feeds.json to ${out}`);
  model.dispose();
}
backend.close();
