// A results object as `runBench` produces it, for report tests (two tasks, ok/failed/unavailable rows).
import { taskConfig } from './config.js';
import { encodeFrames } from './next-frame.js';
import { RESULTS_SCHEMA, type BenchResults, type TaskResult } from './results.js';

export function fixtureResults(): BenchResults {
  const mnist = taskConfig('mnist', 'quick');
  const imdb = taskConfig('imdb', 'quick');
  const epochs = (accs: number[]) => accs.map((a, i) => ({ epoch: i, trainLoss: 1 - a / 2, trainSamples: 2048, testSamples: 1000, testLoss: 1 - a, testAccuracy: a, trainSeconds: 10, evalSeconds: 1 }));
  return {
    schema: RESULTS_SCHEMA,
    startedAt: '2026-11-24T06:00:00.000Z',
    finishedAt: '2026-11-24T06:05:00.000Z',
    wallSeconds: 300,
    machine: { hostname: 'box', platform: 'linux', arch: 'x64', cpuModel: 'Test CPU', cpuCount: 2, memoryBytes: 24 * 1024 ** 3, node: 'v20.20.0', display: undefined },
    versions: { '@rnnkit/core': '0.1.0', '@tensorflow/tfjs-core': '4.22.0' },
    options: { profile: 'quick', tasks: ['mnist', 'imdb'], backends: ['js', 'tfjs', 'onnx', 'gpujs'], seed: 42, epochs: undefined, peers: [] },
    tasks: [
      {
        task: 'mnist',
        config: mnist,
        modelDescription: 'LSTM(28→128)',
        parameters: 82_186,
        dataSeconds: 0.4,
        runs: [
          { backend: 'js', kind: 'rnnkit', status: 'ok', name: 'js', device: 'cpu (pure TypeScript)', precision: 'float32', trainSamplesPerSec: 200, inferSamplesPerSec: 1000, epochs: epochs([0.9]), lossCurve: [2.3, 1.5, 0.9, 0.6], peakRssBytes: 300 * 1024 ** 2, maxRssBytes: 310 * 1024 ** 2, wallSeconds: 20 },
          { backend: 'onnx', kind: 'rnnkit', status: 'ok', name: 'onnx-cpu', device: 'onnxruntime 1.30 cpu', precision: 'float32', trainSamplesPerSec: 500, inferSamplesPerSec: 5000, epochs: epochs([0.91]), lossCurve: [2.3, 1.4, 0.8, 0.5], peakRssBytes: 400 * 1024 ** 2, wallSeconds: 12 },
          { backend: 'gpujs', kind: 'rnnkit', status: 'failed', name: 'gpujs-webgl', device: 'webgl (ANGLE on llvmpipe)', launcher: 'xvfb-run -a', reason: 'validation against backend-js float64 failed: gradients rel. error 3e-2 | worst', epochs: [], lossCurve: [], wallSeconds: 5 },
        ],
      },
      {
        task: 'imdb',
        config: imdb,
        modelDescription: 'embedding, LSTM 64',
        dataSeconds: 4,
        runs: [
          { backend: 'js', kind: 'rnnkit', status: 'ok', name: 'js', device: 'cpu', trainSamplesPerSec: 50, inferSamplesPerSec: 150, epochs: epochs([0.7, 0.8]), lossCurve: [0.69, 0.6, 0.5], wallSeconds: 30 },
          { backend: 'tfjs', kind: 'rnnkit', status: 'unavailable', reason: '@rnnkit/backend-tfjs: not built', epochs: [], lossCurve: [], wallSeconds: 0.2 },
          { backend: 'gpujs', kind: 'rnnkit', status: 'timeout', reason: "stopped after 120 s (twice the time budget) during 'validate'", epochs: [], lossCurve: [], wallSeconds: 120 },
          {
            backend: 'peer:tfjs-layers', kind: 'peer', status: 'ok', name: 'tf.layers.lstm', device: 'tfjs cpu', trainSamplesPerSec: 25, inferSamplesPerSec: 75,
            epochs: [...epochs([0.65]), { ...epochs([0, 0.75])[1]!, testSamples: 128 }], lossCurve: [0.69, 0.65, 0.6], wallSeconds: 40,
            cutShort: 'time budget (60 s per backend): tested 128 of 500 samples',
          },
        ],
      },
    ],
  };
}

/** A movingMnist task as runBench produces it: two ok backends with predicted frames, one failed. */
export function movingMnistFixture(): TaskResult {
  const config = taskConfig('movingMnist', 'quick');
  const T = 9;
  const S = 20;
  const frames = (v: number) => encodeFrames(new Float32Array(T * S * S).fill(v), T, S);
  const epoch = (testLoss: number) => ({ epoch: 0, trainLoss: 0.03, trainSamples: 256, testSamples: 64, testLoss, baselineLoss: 0.05, trainSeconds: 30, evalSeconds: 2 });
  return {
    task: 'movingMnist',
    config,
    modelDescription: 'ConvLSTM(1→8, 3×3) → ConvLSTM(8→1, 3×3)',
    parameters: 2_996,
    examples: { indices: [0, 1], inputs: [frames(0.2), frames(0.3)], targets: [frames(0.4), frames(0.5)] },
    dataSeconds: 1.5,
    runs: [
      { backend: 'js', kind: 'rnnkit', status: 'ok', name: 'js', device: 'cpu', trainSamplesPerSec: 8, inferSamplesPerSec: 40, epochs: [epoch(0.03)], lossCurve: [0.06, 0.04, 0.03], predictedExamples: [frames(0.1), frames(0.1)], wallSeconds: 50 },
      { backend: 'onnx', kind: 'rnnkit', status: 'ok', name: 'onnx-cpu', device: 'cpu', trainSamplesPerSec: 16, inferSamplesPerSec: 80, epochs: [epoch(0.0312)], lossCurve: [0.06, 0.04, 0.031], predictedExamples: [frames(0.1), frames(0.1)], wallSeconds: 30 },
      { backend: 'gpujs', kind: 'rnnkit', status: 'failed', reason: 'no conv2d', epochs: [], lossCurve: [], wallSeconds: 3 },
    ],
  };
}

/** The MNIST task with the torch peer and onnx's plain exported-graph reference (issue #17). */
export function peersFixture(): TaskResult {
  const mnist = fixtureResults().tasks[0]!;
  const [js, onnx] = mnist.runs;
  return {
    ...mnist,
    runs: [
      js!,
      { ...onnx!, plainGraph: { status: 'ok', device: 'onnxruntime-node 1.30.0 InferenceSession', inferSamplesPerSec: 6250, samples: 1000, maxAbsDiff: 0, predictWarmSamplesPerSec: 6000, rounds: 3 } },
      {
        backend: 'peer:torch', kind: 'peer', status: 'ok', name: 'PyTorch nn.LSTM', device: 'PyTorch 1.13.0a0 cpu', precision: 'float32', trainSamplesPerSec: 400, inferSamplesPerSec: 2500,
        epochs: [{ epoch: 0, trainLoss: 0.5, trainSamples: 2048, testSamples: 1000, testLoss: 0.2, testAccuracy: 0.905, trainSeconds: 5, evalSeconds: 0.4 }], lossCurve: [2.3, 1.4, 0.8, 0.5], peakRssBytes: 280 * 1024 ** 2, wallSeconds: 15,
        threadTuning: { chosen: 'torch.set_num_threads(1), OpenBLAS default threads', warmupBatches: 6, trials: [{ setting: 'torch.set_num_threads(1), OpenBLAS default threads', threads: 1, env: {}, trainSamplesPerSec: 410 }, { setting: 'torch.set_num_threads(2), OpenBLAS default threads', threads: 2, env: {}, trainSamplesPerSec: 300 }] },
      },
    ],
  };
}
