// The README's example, verbatim.
import { sequential, layers, adam, takeFirst } from '@rnnkit/backend-js'; // or backend-tfjs, backend-onnx, backend-gpujs
import { loadMnist } from '@rnnkit/datasets';

const { train, test } = await loadMnist({ normalize: true }); // x: [N, 28, 28] (one pixel row per step), y: [N]
const model = await sequential(
  [layers.lstm({ inputSize: 28, hiddenSize: 64 }), layers.dense({ units: 10 })],
  { seed: 42 },
);
await model.fit(takeFirst(train, 8192), {
  epochs: 1,
  batchSize: 64,
  optimizer: adam({ lr: 1e-3 }),
  loss: 'softmaxCrossEntropy',
  callbacks: { onEpochEnd: (log) => console.log(`epoch ${log.epoch + 1}: loss ${log.loss.toFixed(4)}`) },
});
const { accuracy } = await model.evaluate(test, { batchSize: 256 });
console.log(`test accuracy ${(100 * (accuracy ?? 0)).toFixed(1)}% on ${model.backend.name} (${model.backend.device})`);
model.dispose();
