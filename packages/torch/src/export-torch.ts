// Writes a runnable PyTorch training package for an rnnkit model and its data: model.py (an
// nn.Module equal to the model, same state_dict names), initial.safetensors (the model's weights
// now), data/*.npy, config.json (loss, optimizer, clipping, epochs, per-rank batch, seed, frozen
// layers) and train.py, which trains it data-parallel under torchrun (DDP + DistributedSampler).
// Anything rnnkit would do that train.py would not is an error naming it, never dropped.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adam, type Dataset, type LayerSpec, type LossName, type OptimizerSpec, type Sequential } from '@rnnkit/core';
import { checkLossName, checkOptimizerSpec, targetDtype } from '@rnnkit/core/internal';
import { torchModelSource } from './model-source.js';
import { encodeNpy } from './npy.js';
import { PYTHON_FILES, pythonDir } from './python-files.js';

export interface ExportTorchOptions {
  /** Folder to write; created if missing, and must be empty unless `overwrite`. */
  outDir: string;
  loss: LossName;
  /** As in fit: default adam() (lr 1e-3). torch.optim with the same hyper-parameters. */
  optimizer?: OptimizerSpec;
  /** Per rank (default 32): the global batch is batchSize × the world size torchrun starts. */
  batchSize?: number;
  /** Default 1. */
  epochs?: number;
  /** DistributedSampler's shuffle seed and, plus the rank, torch's (dropout); default the model's seed. */
  seed?: number;
  /** Shuffle each epoch (default true), with DistributedSampler's order, not rnnkit's. */
  shuffle?: boolean;
  /** torch.nn.utils.clip_grad_norm_ on the all-reduced gradients, as fit's clipNorm. */
  clipNorm?: number;
  /**
   * The model's own optimizer state (moments, step count) is not carried over: PyTorch's optimizer
   * starts fresh. A model that has such state is refused unless this is true.
   */
  freshOptimizer?: boolean;
  /** Replace the files of an earlier export in `outDir`. */
  overwrite?: boolean;
}

/** Training data, or training and test data (test: train.py evaluates on it at the end). */
export type ExportData = Dataset | { readonly train: Dataset; readonly test?: Dataset | undefined };

export interface TorchConfig {
  readonly format: 'rnnkit-torch';
  readonly version: 1;
  readonly loss: LossName;
  readonly optimizer: OptimizerSpec;
  readonly clipNorm: number | null;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  /** state_dict prefixes of frozen layers (`trainable: false`): requires_grad_(False), not given to the optimizer. */
  readonly frozen: readonly string[];
  readonly inputKind: string;
  /** The model's layer specs, so the trained weights can be loaded into a model built from this file alone. */
  readonly layers: readonly LayerSpec[];
  readonly data: { readonly train: { x: string; y: string; samples: number }; readonly test?: { x: string; y: string; samples: number } };
}

export interface ExportTorchResult {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly config: TorchConfig;
}

const OPTIONS = ['outDir', 'loss', 'optimizer', 'batchSize', 'epochs', 'seed', 'shuffle', 'clipNorm', 'freshOptimizer', 'overwrite'];
/** fit options train.py does not reproduce, with what to do instead. */
const NOT_EXPORTED: Readonly<Record<string, string>> = {
  schedule: 'learning-rate schedules are not exported; train.py keeps the optimizer\'s lr constant',
  callbacks: 'callbacks run in rnnkit\'s loop only',
  validationData: 'train.py evaluates the test split once at the end; pass it as data.test',
  validationSplit: 'split the data yourself and pass data.test',
  initialEpoch: 'train.py starts at epoch 0',
  initialStates: 'train.py starts every sequence from zero states',
};

/**
 * Core's own optimizer-spec check: train.py passes every field core's optimizers have to
 * torch.optim (their fields are torch.optim's arguments), so a spec core accepts is reproduced.
 */
function checkOptimizer(spec: OptimizerSpec): OptimizerSpec {
  return checkOptimizerSpec(spec, 'exportTorch: optimizer');
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`exportTorch: ${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function checkData(model: Sequential, ds: Dataset, loss: LossName, where: string): number {
  if (!ds || typeof ds !== 'object' || !ds.x || !ds.y) throw new Error(`exportTorch: ${where}: expected a data set { x, y }, got ${JSON.stringify(ds)?.slice(0, 80)}`);
  if (ds.lengths !== undefined) {
    throw new Error(`exportTorch: ${where}.lengths: per-sample sequence lengths are not exported (train.py runs every step of every sequence); pad-free data only`);
  }
  const ids = model.input.kind === 'ids';
  const want = ids ? Int32Array : Float32Array;
  if (!(ds.x.data instanceof want)) throw new Error(`exportTorch: ${where}.x: expected ${ids ? 'int32 token ids' : 'float32 features'} (${want.name}), got ${ds.x.data.constructor.name}`);
  const wantY = targetDtype(loss) === 'int32' ? Int32Array : Float32Array;
  if (!(ds.y.data instanceof wantY)) throw new Error(`exportTorch: ${where}.y: ${loss} takes ${wantY.name} targets, got ${ds.y.data.constructor.name}`);
  const n = ds.x.shape[0] ?? 0;
  if (n < 1 || ds.y.shape[0] !== n) throw new Error(`exportTorch: ${where}: expected x and y with the same number of samples (≥ 1), got x [${ds.x.shape.join(', ')}], y [${ds.y.shape.join(', ')}]`);
  return n;
}

export async function exportTorch(model: Sequential, data: ExportData, options: ExportTorchOptions): Promise<ExportTorchResult> {
  if (!options || typeof options !== 'object') throw new Error(`exportTorch: options: expected an object with outDir and loss, got ${JSON.stringify(options)}`);
  for (const key of Object.keys(options)) {
    if (NOT_EXPORTED[key] !== undefined) throw new Error(`exportTorch: ${key}: not reproduced by the PyTorch export (${NOT_EXPORTED[key]})`);
    if (!OPTIONS.includes(key)) throw new Error(`exportTorch: unknown option '${key}' (it takes ${OPTIONS.join(', ')})`);
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new Error(`exportTorch: outDir: expected a folder path, got ${JSON.stringify(options.outDir)}`);
  checkLossName(options.loss);
  const optimizer = checkOptimizer(options.optimizer ?? adam());
  const batchSize = positiveInt('batchSize', options.batchSize ?? 32);
  const epochs = positiveInt('epochs', options.epochs ?? 1);
  const seed = options.seed ?? model.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`exportTorch: seed: expected a non-negative integer, got ${JSON.stringify(seed)}`);
  if (options.clipNorm !== undefined && !(typeof options.clipNorm === 'number' && options.clipNorm > 0)) throw new Error(`exportTorch: clipNorm: expected a number > 0, got ${options.clipNorm}`);
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new Error(`exportTorch: shuffle: expected true or false, got ${JSON.stringify(options.shuffle)}`);

  const split = 'x' in data ? { train: data as Dataset, test: undefined } : (data as { train: Dataset; test?: Dataset });
  checkData(model, split.train, options.loss, 'data.train');
  if (split.test) checkData(model, split.test, options.loss, 'data.test');

  const state = await model.optimizerState();
  if (state && state.step > 0 && !options.freshOptimizer) {
    throw new Error(`exportTorch: the model has ${state.spec.type} optimizer state (${state.step} steps) that PyTorch's optimizer would not start from; pass freshOptimizer: true to start it fresh`);
  }

  // Written before anything else, so a model the exporter cannot reproduce leaves no files.
  const source = torchModelSource(model);

  await mkdir(join(options.outDir, 'data'), { recursive: true });
  const existing = (await readdir(options.outDir)).filter((f) => f !== 'data');
  if (existing.length > 0 && !options.overwrite) throw new Error(`exportTorch: outDir: ${options.outDir} is not empty (${existing.slice(0, 5).join(', ')}); pass overwrite: true to replace an earlier export`);

  const files: string[] = [];
  const write = async (name: string, bytes: Uint8Array | string) => {
    await writeFile(join(options.outDir, name), bytes);
    files.push(name);
  };
  const dataFiles: Record<string, { x: string; y: string; samples: number }> = {};
  for (const [name, ds] of Object.entries(split)) {
    if (!ds) continue;
    const entry = { x: `data/${name}-x.npy`, y: `data/${name}-y.npy`, samples: ds.x.shape[0]! };
    await write(entry.x, encodeNpy(ds.x));
    await write(entry.y, encodeNpy(ds.y));
    dataFiles[name] = entry;
  }
  const config: TorchConfig = {
    format: 'rnnkit-torch',
    version: 1,
    loss: options.loss,
    optimizer,
    clipNorm: options.clipNorm ?? null,
    epochs,
    batchSize,
    seed,
    shuffle: options.shuffle ?? true,
    frozen: model.specs.flatMap((s, i) => (s.trainable === false ? [`${i}.`] : [])),
    inputKind: model.input.kind,
    layers: model.specs,
    data: dataFiles as TorchConfig['data'],
  };
  await model.saveStateDict(join(options.outDir, 'initial.safetensors'));
  files.push('initial.safetensors');
  await write('model.py', source);
  await write('config.json', `${JSON.stringify(config, null, 2)}\n`);
  for (const f of PYTHON_FILES) {
    await copyFile(join(pythonDir(), f), join(options.outDir, f));
    files.push(f);
  }
  return { outDir: options.outDir, files, config };
}
