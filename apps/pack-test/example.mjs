// The packaging test's example, as a user would write it. The first line is the only
// backend-specific line: pack-test.mjs makes one copy per backend, changing just the package name.
import { sequential, layers, adam, takeFirst } from '@rnnkit/backend-js';
import { loadMnistSplit } from '@rnnkit/datasets';

// A few real MNIST rows: each image is 28 steps of 28 pixels.
const test = await loadMnistSplit('test');
const train = takeFirst(test, 64);
const probe = takeFirst(test, 8);

const model = await sequential([layers.lstm({ inputSize: 28, hiddenSize: 32 }), layers.dense({ units: 10 })], { seed: 42 });
const backend = { name: model.backend.name, device: model.backend.device };
const before = await model.predict(probe.x);
// 64 rows in batches of 16: four Adam steps, in the same seeded order on every backend.
const history = await model.fit(train, { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 1e-3 }), epochs: 1, batchSize: 16 });
const logits = await model.predict(probe.x);
model.dispose();

// How far training moved the logits: the packaging test checks that this is far above its tolerance.
let trainingEffect = 0;
for (let i = 0; i < logits.data.length; i++) trainingEffect = Math.max(trainingEffect, Math.abs(logits.data[i] - before.data[i]));
console.log(JSON.stringify({ ...backend, loss: history[0].loss, trainingEffect, shape: logits.shape, logits: Array.from(logits.data) }));
