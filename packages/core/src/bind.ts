// Binds the model API to one backend factory. Every backend package exports the result, so
// that switching backend is a one-line import change:
//   import { sequential, layers, adam } from '@rnnkit/backend-js'; // or -tfjs, -onnx, -gpujs
import type { Backend, BackendFactory } from './backend.js';
import { SPECIFICATION_VERSION } from './backend.js';
import { checkedBackend } from './checked-backend.js';
import { readCheckpoint } from './checkpoint.js';
import type { LayerSpec } from './layers/specs.js';
import { Sequential, type SequentialOptions } from './sequential.js';
import { SequenceStream } from './stream.js';

export interface ModelOptions<O> extends SequentialOptions {
  /** Options for the backend this package creates (an error when `backend` is also given). */
  backendOptions?: O;
  /** Use an existing backend instance instead of creating one; the model will not close it. */
  backend?: Backend;
}

export interface BoundApi<O> {
  /** Builds a model: `await sequential([layers.lstm({ inputSize: 28, hiddenSize: 128 }), layers.dense({ units: 10 })], { seed: 42 })`. */
  sequential(layers: readonly LayerSpec[], options?: ModelOptions<O>): Promise<Sequential>;
  /** Rebuilds a model from a checkpoint written by `model.save(path)`, on this backend. */
  loadModel(path: string, options?: Omit<ModelOptions<O>, 'seed'>): Promise<Sequential>;
  /** A step-by-step stream over a model: `stream(model).step(x_t)`. */
  stream(model: Sequential): SequenceStream;
  /** This package's backend factory. */
  createBackend: BackendFactory<O>;
}

/** The backend behind core's argument checks, after checking the specification version it implements. */
export function checkBackend(b: Backend): Backend {
  if (b.specificationVersion !== SPECIFICATION_VERSION) {
    throw new Error(`backend ${b.name}: implements specification ${b.specificationVersion}, but @rnnkit/core needs ${SPECIFICATION_VERSION}`);
  }
  return checkedBackend(b);
}

export function bindBackend<O>(createBackend: BackendFactory<O>): BoundApi<O> {
  const backendFor = async (options: ModelOptions<O> | undefined): Promise<{ backend: Backend; owns: boolean }> => {
    if (options?.backend && options.backendOptions !== undefined) throw new Error('backendOptions: given together with backend; options are for a backend this package creates');
    return options?.backend ? { backend: checkBackend(options.backend), owns: false } : { backend: checkBackend(await createBackend(options?.backendOptions)), owns: true };
  };
  return {
    async sequential(layers, options) {
      const { backend, owns } = await backendFor(options);
      try {
        return Sequential.create(backend, layers, options, owns);
      } catch (e) {
        if (owns) backend.close();
        throw e;
      }
    },
    async loadModel(path, options) {
      const contents = await readCheckpoint(path);
      const { backend, owns } = await backendFor(options);
      try {
        // Built from the checkpoint's weights directly: nothing random is drawn or uploaded first.
        return Sequential.fromCheckpoint(backend, contents, { fused: options?.fused }, owns);
      } catch (e) {
        if (owns) backend.close();
        throw e;
      }
    },
    stream: (model) => new SequenceStream(model),
    createBackend,
  };
}
