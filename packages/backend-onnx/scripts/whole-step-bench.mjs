// Quick throughput check of the whole-step path against the layer-by-layer path and against the plain
// exported graph, on the bench's two models (apps/bench/src/config.ts): MNIST row-LSTM128 (x [128, 28, 28],
// dense 10, softmax cross-entropy) and IMDB (ids [64, 200], embedding 10000×64, LSTM 64, dense 1, sigmoid
// BCE), Adam. Random data of the right shapes: speed does not depend on the values.
// Run after `pnpm -F @rnnkit/core -F @rnnkit/backend-onnx build`:
//   node packages/backend-onnx/scripts/whole-step-bench.mjs [--steps 15] [--threads 0]
// Ratios measured in one run are what to compare on a shared machine; absolute figures move with its load.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { adam, layers, Sequential } from '@rnnkit/core';
import { createOnnxBackend, exportModelOnnx } from '@rnnkit/backend-onnx';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? d : Number(process.argv[i + 1]);
};
const STEPS = arg('steps', 15);
const THREADS = arg('threads', 0);

const models = {
  mnist: { B: 128, T: 28, layers: () => [layers.lstm({ inputSize: 28, hiddenSize: 128 }), layers.dense({ units: 10 })], loss: 'softmaxCrossEntropy' },
  imdb: {
    B: 64,
    T: 200,
    layers: () => [layers.embedding({ inputDim: 10_000, outputDim: 64 }), layers.lstm({ hiddenSize: 64 }), layers.dense({ units: 1 })],
    loss: 'sigmoidBinaryCrossEntropy',
  },
};

function batchOf(name) {
  const { B, T } = models[name];
  const x = name === 'imdb' ? { data: Int32Array.from({ length: B * T }, () => Math.floor(Math.random() * 10_000)), shape: [B, T] } : { data: new Float32Array(B * T * 28).map(() => Math.random()), shape: [B, T, 28] };
  const y = name === 'imdb' ? { data: Float32Array.from({ length: B }, () => Math.round(Math.random())), shape: [B] } : { data: Int32Array.from({ length: B }, () => Math.floor(Math.random() * 10)), shape: [B] };
  return { x, y };
}

async function time(n, f) {
  for (let i = 0; i < 3; i++) await f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  return (performance.now() - t0) / n;
}

for (const name of Object.keys(models)) {
  const { B, loss } = models[name];
  const batch = batchOf(name);
  const row = {};
  for (const wholeStep of [false, true]) {
    const backend = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: THREADS, wholeStep });
    const model = Sequential.create(backend, models[name].layers(), { seed: 1 });
    const opt = adam({ lr: 1e-3 });
    const train = await time(STEPS, () => model.trainStep(batch, { loss, optimizer: opt }));
    const predict = await time(STEPS, () => model.predict(batch.x, { batchSize: B }));
    row[wholeStep ? 'whole' : 'plain'] = { train: (1000 * B) / train, predict: (1000 * B) / predict };
    if (wholeStep) {
      const bytes = await exportModelOnnx(model, { idsType: 'int32' });
      const session = await InferenceSession.create(bytes, { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: { 'session.intra_op.allow_spinning': '0' } });
      const feeds = name === 'imdb' ? { ids: new Tensor('int32', batch.x.data, batch.x.shape) } : { x: new Tensor('float32', batch.x.data, batch.x.shape) };
      row.exported = (1000 * B) / (await time(STEPS, () => session.run(feeds)));
      await session.release();
    }
    model.dispose();
    backend.close();
  }
  const f = (v) => v.toFixed(0).padStart(6);
  console.log(
    `${name}: train samples/s plain ${f(row.plain.train)}  whole-step ${f(row.whole.train)}  (×${(row.whole.train / row.plain.train).toFixed(2)});  ` +
      `predict plain ${f(row.plain.predict)}  whole-model ${f(row.whole.predict)}  exported graph ${f(row.exported)}  (whole/exported ${(row.whole.predict / row.exported).toFixed(2)})`,
  );
}
