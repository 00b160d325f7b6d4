// Benchmark configurations. The `full` profile is the standard configuration; `quick` runs
// the very same models and hyper-parameters on seeded subsets, so a default run stays short.
import { layers, type Initializer, type LayerSpec, type LossName } from '@rnnkit/core';

export type TaskName = 'mnist' | 'imdb';
export type ProfileName = 'quick' | 'full' | 'tiny';
export type InitName = Initializer;
export const INIT_NAMES: readonly InitName[] = ['pytorch', 'keras'];

export const TASK_NAMES: readonly TaskName[] = ['mnist', 'imdb'];
/** `tiny` is for tests and smoke checks: a handful of samples, same models. */
export const PROFILE_NAMES: readonly ProfileName[] = ['quick', 'full', 'tiny'];

export interface MnistModel {
  readonly kind: 'mnist';
  /** Features per step (one pixel row) and steps (rows). */
  readonly inputSize: 28;
  readonly steps: 28;
  readonly hiddenSize: number;
  readonly classes: 10;
  /**
   * Pixels standardised with the training set's mean and std (datasets' `normalize: true`), as in
   * PyTorch's MNIST examples. With pixels in [0, 1] the same model reached 96.7% after 3 epochs at
   * Adam 1e-3; standardised, 98.2% (README).
   */
  readonly normalize: boolean;
}

export interface ImdbModel {
  readonly kind: 'imdb';
  readonly numWords: number;
  readonly maxLen: number;
  readonly padding: 'pre';
  readonly truncating: 'pre';
  readonly embeddingSize: number;
  readonly hiddenSize: number;
}

export interface TaskConfig {
  readonly task: TaskName;
  readonly profile: ProfileName;
  readonly model: MnistModel | ImdbModel;
  readonly loss: LossName;
  readonly optimizer: { readonly type: 'adam'; readonly lr: number };
  readonly batchSize: number;
  readonly epochs: number;
  /** Training samples used (a seeded subset when smaller than the split). */
  readonly trainSamples: number;
  /** Test samples evaluated after every epoch (a seeded subset when smaller than the split). */
  readonly testSamples: number;
  /** Model initialisation, shuffling and subset selection. */
  readonly seed: number;
  /**
   * Initial weights: 'pytorch' = core's defaults (PyTorch's reset_parameters, LSTM forget bias 1);
   * 'keras' = Keras' defaults (glorot_uniform, orthogonal recurrent kernel, zero biases with forget bias 1,
   * embedding U(±0.05)), core's `initializer` option.
   */
  readonly init: InitName;
  /** Recurrent layers on each backend's fused kernels ('fused', the default) or on core's generic path ('generic'). */
  readonly path: PathName;
  /**
   * Wall-clock budget per backend and task in seconds (quick profile), so that one very slow backend
   * (gpujs on a software rasteriser) cannot hold up the run: training stops at the first batch past
   * 70% of it and testing at the first batch past 100% (at least one batch each, and the run is marked
   * as cut short); the parent stops a worker still running at twice the budget. undefined: no budget.
   */
  readonly budgetSeconds: number | undefined;
}

export const MNIST_TRAIN_SIZE = 60_000;
export const MNIST_TEST_SIZE = 10_000;
export const IMDB_TRAIN_SIZE = 25_000;
export const IMDB_TEST_SIZE = 25_000;

const MNIST_MODEL: MnistModel = { kind: 'mnist', inputSize: 28, steps: 28, hiddenSize: 128, classes: 10, normalize: true };
const IMDB_MODEL: ImdbModel = {
  kind: 'imdb',
  numWords: 10_000,
  maxLen: 200,
  padding: 'pre',
  truncating: 'pre',
  embeddingSize: 64,
  hiddenSize: 64,
};

// Subset sizes per profile. quick: sized so that js, tfjs and onnx finish both tasks within the
// budget on a 2-core machine and the whole default run takes about five minutes (README).
const SIZES: Record<ProfileName, Record<TaskName, { train: number; test: number; epochs: number }>> = {
  full: { mnist: { train: MNIST_TRAIN_SIZE, test: MNIST_TEST_SIZE, epochs: 3 }, imdb: { train: IMDB_TRAIN_SIZE, test: IMDB_TEST_SIZE, epochs: 2 } },
  quick: { mnist: { train: 2048, test: 1000, epochs: 1 }, imdb: { train: 512, test: 500, epochs: 1 } },
  tiny: { mnist: { train: 64, test: 32, epochs: 1 }, imdb: { train: 32, test: 16, epochs: 1 } },
};

// The standard configurations are the Keras classics, and so are the accuracies expected of them:
// with core's PyTorch defaults (embedding N(0, 1)) IMDB reached 84.5% after 2 epochs, with Keras'
// initialisers 87.2% (README).
export const DEFAULT_INIT: InitName = 'keras';

/** Default budget per backend and task, by profile (seconds). */
export const PROFILE_BUDGET: Record<ProfileName, number | undefined> = { quick: 60, full: undefined, tiny: undefined };

export interface ConfigOverrides {
  epochs?: number | undefined;
  seed?: number | undefined;
  /** Seconds; 0 removes the budget; undefined keeps the profile's. */
  budgetSeconds?: number | undefined;
  init?: InitName | undefined;
  path?: PathName | undefined;
}

export const PATH_NAMES = ['fused', 'generic'] as const;
export type PathName = (typeof PATH_NAMES)[number];

export function taskConfig(task: TaskName, profile: ProfileName, overrides: ConfigOverrides = {}): TaskConfig {
  if (!TASK_NAMES.includes(task)) throw new Error(`task: expected one of ${TASK_NAMES.join(', ')}, got ${JSON.stringify(task)}`);
  if (!PROFILE_NAMES.includes(profile)) throw new Error(`profile: expected one of ${PROFILE_NAMES.join(', ')}, got ${JSON.stringify(profile)}`);
  const size = SIZES[profile][task];
  const common = {
    task,
    profile,
    optimizer: { type: 'adam', lr: 0.001 } as const,
    epochs: overrides.epochs ?? size.epochs,
    trainSamples: size.train,
    testSamples: size.test,
    seed: overrides.seed ?? 42,
    init: overrides.init ?? DEFAULT_INIT,
    path: overrides.path ?? 'fused',
    budgetSeconds: overrides.budgetSeconds === 0 ? undefined : (overrides.budgetSeconds ?? PROFILE_BUDGET[profile]),
  };
  return task === 'mnist'
    ? { ...common, model: MNIST_MODEL, loss: 'softmaxCrossEntropy', batchSize: 128 }
    : { ...common, model: IMDB_MODEL, loss: 'sigmoidBinaryCrossEntropy', batchSize: 64 };
}

/** The rnnkit layers of a task's model (last hidden state → dense; logits out). */
export function modelLayers(model: MnistModel | ImdbModel): LayerSpec[] {
  if (model.kind === 'mnist') {
    return [layers.lstm({ inputSize: model.inputSize, hiddenSize: model.hiddenSize }), layers.dense({ units: model.classes })];
  }
  return [
    layers.embedding({ inputDim: model.numWords, outputDim: model.embeddingSize }),
    layers.lstm({ hiddenSize: model.hiddenSize }),
    layers.dense({ units: 1 }),
  ];
}

/** One line describing the model, for reports. */
export function describeModel(model: MnistModel | ImdbModel): string {
  return model.kind === 'mnist'
    ? `LSTM(${model.inputSize}→${model.hiddenSize}) over ${model.steps} rows${model.normalize ? ' (pixels standardised: mean 0.1307, std 0.3081)' : ''}, ` +
        `last hidden state, dense ${model.classes}, softmax cross-entropy`
    : `embedding ${model.numWords}×${model.embeddingSize}, LSTM ${model.hiddenSize}, last hidden state, dense 1, sigmoid binary cross-entropy; ` +
        `vocabulary ${model.numWords}, maxLen ${model.maxLen} (padding and truncating '${model.padding}')`;
}

/** Trainable parameters of the model (PyTorch counts: LSTM has both bias_ih and bias_hh). */
export function parameterCount(model: MnistModel | ImdbModel): number {
  const lstm = (input: number, hidden: number) => 4 * hidden * (input + hidden + 2);
  return model.kind === 'mnist'
    ? lstm(model.inputSize, model.hiddenSize) + model.hiddenSize * model.classes + model.classes
    : model.numWords * model.embeddingSize + lstm(model.embeddingSize, model.hiddenSize) + model.hiddenSize + 1;
}
