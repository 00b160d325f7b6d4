// Compiled with `tsc --noEmit --strict` (module NodeNext) in the packaging test's temporary project:
// proves the published declarations of every installed package type-check as a user meets them.
import { sequential, layers, adam, sgd, type Sequential, type EpochLog, type HostTensor } from '@rnnkit/backend-js';
import { createJsBackend, type JsBackendOptions } from '@rnnkit/backend-js';
import { createTfjsBackend, type TfjsBackendOptions } from '@rnnkit/backend-tfjs';
import { createOnnxBackend, exportOnnx, type OnnxBackendOptions } from '@rnnkit/backend-onnx';
import { createGpujsBackend, type GpujsBackendOptions } from '@rnnkit/backend-gpujs';
import { loadMnistSplit, loadImdb, type MnistOptions } from '@rnnkit/datasets';
import { describeConformance, toleranceFor, type ConformanceOptions, type Tolerance } from '@rnnkit/conformance';
import type { Backend, BackendFactory, Dataset, LayerSpec } from '@rnnkit/core';

const specs: LayerSpec[] = [layers.gru({ inputSize: 28, hiddenSize: 16, bidirectional: true }), layers.dense({ units: 10 })];
const factories: BackendFactory<never>[] = [];
const jsOptions: JsBackendOptions = { precision: 'float64' };
const tfOptions: TfjsBackendOptions = { engine: 'cpu' };
const onnxOptions: OnnxBackendOptions = { executionProvider: 'cpu' };
const glOptions: GpujsBackendOptions = { mode: 'cpu' };
const mnist: MnistOptions = { verify: false };
void factories;
void exportOnnx;
void loadImdb;

export function certify(): Tolerance {
  const options: ConformanceOptions = { leakSteps: 10, label: 'float64 reference' };
  describeConformance(() => createJsBackend(jsOptions), options);
  return toleranceFor('float32');
}

export async function train(): Promise<number> {
  const data: Dataset = await loadMnistSplit('test', mnist);
  const backends: Backend[] = [
    await createJsBackend(jsOptions),
    await createTfjsBackend(tfOptions),
    await createOnnxBackend(onnxOptions),
    await createGpujsBackend(glOptions),
  ];
  const model: Sequential = await sequential(specs, { seed: 1, backend: backends[0] });
  const history: EpochLog[] = await model.fit(data, { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 1e-3 }), batchSize: 32 });
  await model.trainStep(data, { loss: 'softmaxCrossEntropy', optimizer: sgd({ lr: 0.1, momentum: 0.9 }), clipNorm: 1 });
  const out: HostTensor<Float32Array> = await model.predict(data.x);
  model.dispose();
  for (const b of backends) b.close();
  const first: EpochLog | undefined = history[0];
  return (first?.loss ?? 0) + out.data.length;
}
