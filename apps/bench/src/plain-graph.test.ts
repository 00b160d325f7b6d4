// The plain exported-graph reference on real onnxruntime: it runs the model backend-onnx trained
// and gives predict's logits, for row (float32) and token-id (int32) inputs.
import { describe, expect, it } from 'vitest';
import { createBackend, backendEntry } from './backends.js';
import { taskConfig, type TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { createModel } from './model.js';
import { plainGraphInference } from './plain-graph.js';

async function check(config: TaskConfig) {
  const backend = await createBackend(backendEntry('onnx'));
  const model = createModel(backend, config);
  try {
    const { test } = await loadTaskData(config);
    const logits = await model.predict(test.x, { batchSize: config.batchSize });
    let passes = 0;
    const run = await plainGraphInference({
      model,
      x: test.x,
      samples: test.x.shape[0]!,
      batchSize: config.batchSize,
      logits: logits.data,
      provider: backend.name.replace(/^onnx-/, ''),
      predictPass: async () => void (passes++, await model.predict(test.x, { batchSize: config.batchSize })),
    });
    expect(run.status, run.reason).toBe('ok');
    expect(run.samples).toBe(test.x.shape[0]);
    expect(run.maxAbsDiff).toBeLessThan(1e-5);
    expect(passes).toBe(run.rounds);
    expect(run.inferSamplesPerSec).toBeGreaterThan(0);
    expect(run.predictWarmSamplesPerSec).toBeGreaterThan(0);
  } finally {
    model.dispose();
    backend.close();
  }
}

describe('plain exported graph (exportModelOnnx in an InferenceSession)', () => {
  it('MNIST rows: same logits as backend-onnx predict', { timeout: 60_000 }, () => check({ ...taskConfig('mnist', 'tiny'), batchSize: 8 }));
  it('IMDB token ids (int32): same logits as backend-onnx predict', { timeout: 60_000 }, () => check({ ...taskConfig('imdb', 'tiny'), batchSize: 8 }));
});
