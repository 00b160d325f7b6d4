#!/usr/bin/env node
// rnnkit export-torch: writes a PyTorch DDP training package for an rnnkit checkpoint (or the
// built-in MNIST model) and a data set. Run it from the repository as `pnpm rnnkit export-torch ...`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { adam, adamw, rmsprop, sgd, takeFirst, type LossName, type OptimizerSpec, type Sequential } from '@rnnkit/core';
import { LOSS_NAMES } from '@rnnkit/core';
import { loadModel, sequential } from '@rnnkit/backend-js';
import { loadMnist } from '@rnnkit/datasets';
import { MNIST_CELLS, mnistModel } from './builtin-models.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportTorch, type TorchConfig } from './export-torch.js';
import { decodeNpy } from './npy.js';
import { loadTorchResult } from './torch-result.js';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name}: expected a non-negative integer, got '${v}'`);
    return n;
  };
}
function num(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name}: expected a number, got '${v}'`);
    return n;
  };
}

interface Opts {
  checkpoint?: string;
  model: string;
  cell: string;
  hiddenSize: number;
  dataset: string;
  train?: number;
  test?: number;
  out: string;
  loss: LossName;
  optimizer: 'adam' | 'adamw' | 'sgd' | 'rmsprop';
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  batchSize: number;
  epochs: number;
  seed?: number;
  clipNorm?: number;
  shuffle: boolean;
  freshOptimizer?: boolean;
  overwrite?: boolean;
}

function optimizerSpec(o: Opts): OptimizerSpec {
  const given: Record<string, number> = {};
  if (o.lr !== undefined) given.lr = o.lr;
  if (o.weightDecay !== undefined) given.weightDecay = o.weightDecay;
  if (o.momentum !== undefined) {
    if (o.optimizer === 'adam' || o.optimizer === 'adamw') throw new Error(`--momentum: ${o.optimizer} has no momentum (sgd and rmsprop do)`);
    given.momentum = o.momentum;
  }
  switch (o.optimizer) {
    case 'adam':
      return adam(given);
    case 'adamw':
      return adamw(given);
    case 'sgd':
      if (given.lr === undefined) throw new Error('--lr: sgd has no default learning rate (as in PyTorch); give --lr');
      return sgd(given as { lr: number });
    case 'rmsprop':
      return rmsprop(given);
  }
}

async function exportCommand(o: Opts): Promise<void> {
  if (o.dataset !== 'mnist') throw new Error(`--dataset: expected 'mnist', got '${o.dataset}'`);
  let model: Sequential;
  if (o.checkpoint) {
    model = await loadModel(o.checkpoint);
  } else {
    if (o.model !== 'mnist') throw new Error(`--model: expected 'mnist' (or give --checkpoint), got '${o.model}'`);
    model = await sequential(mnistModel(o.cell, o.hiddenSize), { seed: o.seed ?? 42 });
  }
  try {
    const { train, test } = await loadMnist({ normalize: true });
    const data = { train: o.train ? takeFirst(train, o.train) : train, test: o.test === 0 ? undefined : o.test ? takeFirst(test, o.test) : test };
    const r = await exportTorch(model, data, {
      outDir: o.out,
      loss: o.loss,
      optimizer: optimizerSpec(o),
      batchSize: o.batchSize,
      epochs: o.epochs,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.clipNorm !== undefined ? { clipNorm: o.clipNorm } : {}),
      shuffle: o.shuffle,
      ...(o.freshOptimizer ? { freshOptimizer: true } : {}),
      ...(o.overwrite ? { overwrite: true } : {}),
    });
    console.log(`wrote ${r.files.length} files to ${r.outDir}: ${r.files.join(', ')}`);
    console.log(`train: cd ${r.outDir} && python3 -m torch.distributed.run --standalone --nproc_per_node=2 train.py`);
    console.log(`       (torch 1.13 on Python 3.11, as Debian 12 ships it: add --redirects 1 --tee 1 after torch.distributed.run; see the @rnnkit/torch README)`);
    console.log(`back:  pnpm rnnkit import-torch ${r.outDir}`);
    console.log(`(per-rank batch ${r.config.batchSize}; global batch = ${r.config.batchSize} × the number of ranks)`);
  } finally {
    model.dispose();
  }
}

const program = new Command('rnnkit').description('rnnkit command-line tools');
program
  .command('export-torch')
  .description('write a PyTorch DDP training package (model.py, train.py, initial state_dict, data) for an rnnkit model')
  .requiredOption('--out <dir>', 'folder to write')
  .option('--checkpoint <file>', 'an rnnkit checkpoint written by model.save(path)')
  .addOption(new Option('--model <name>', 'built-in model when no checkpoint is given: the MNIST row classifier').choices(['mnist']).default('mnist'))
  .addOption(new Option('--cell <name>', 'cell of the built-in model').choices([...MNIST_CELLS]).default('lstm'))
  .option('--hidden-size <n>', 'hidden size of the built-in model', int('--hidden-size'), 64)
  .addOption(new Option('--dataset <name>', 'data set').choices(['mnist']).default('mnist'))
  .option('--train <n>', 'first n training samples (default all 60000)', int('--train'))
  .option('--test <n>', 'first n test samples (default all 10000; 0: none)', int('--test'))
  .addOption(new Option('--loss <name>', 'loss').choices([...LOSS_NAMES]).default('softmaxCrossEntropy'))
  .addOption(new Option('--optimizer <type>', 'optimizer (torch.optim semantics)').choices(['adam', 'adamw', 'sgd', 'rmsprop']).default('adam'))
  .option('--lr <x>', 'learning rate (default: the optimizer\'s)', num('--lr'))
  .option('--momentum <x>', 'sgd / rmsprop momentum', num('--momentum'))
  .option('--weight-decay <x>', 'weight decay (L2 for adam, sgd, rmsprop; decoupled for adamw)', num('--weight-decay'))
  .option('--batch-size <n>', 'per-rank batch; the global batch is this × the world size', int('--batch-size'), 64)
  .option('--epochs <n>', 'epochs', int('--epochs'), 1)
  .option('--seed <n>', 'sampler seed (default: the model\'s seed; the built-in model is built with it, default 42)', int('--seed'))
  .option('--clip-norm <x>', 'clip the global gradient norm (clip_grad_norm_)', num('--clip-norm'))
  .option('--no-shuffle', 'keep the data order')
  .option('--fresh-optimizer', 'accept that the checkpoint\'s optimizer state is not carried over')
  .option('--overwrite', 'replace an earlier export in --out')
  .action(async (o: Opts) => {
    try {
      await exportCommand(o);
    } catch (e) {
      console.error(`rnnkit export-torch: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  });

async function importCommand(exportDir: string, o: { run?: string; save?: string }): Promise<void> {
  const config = JSON.parse(await readFile(join(exportDir, 'config.json'), 'utf8')) as TorchConfig;
  if (config.format !== 'rnnkit-torch') throw new Error(`${exportDir}/config.json: format: expected 'rnnkit-torch', got ${JSON.stringify(config.format)}`);
  const model = await sequential(config.layers);
  try {
    const runDir = o.run ?? join(exportDir, 'trained');
    const { report, metrics } = await loadTorchResult(model, runDir);
    console.log(`loaded ${report.loaded.length} tensors from ${runDir}/trained.safetensors (strict); PyTorch trained ${metrics.steps} steps on ${metrics.worldSize} rank(s), global batch ${metrics.globalBatch}`);
    if (config.data.test) {
      const read = async (f: string) => decodeNpy(new Uint8Array(await readFile(join(exportDir, f))), f);
      const test = { x: await read(config.data.test.x), y: await read(config.data.test.y) };
      const r = await model.evaluate(test, { loss: config.loss });
      console.log(`test loss: rnnkit ${r.loss.toFixed(6)}, PyTorch ${metrics.test?.loss.toFixed(6)}`);
      if (r.accuracy !== undefined) console.log(`test accuracy: rnnkit ${(100 * r.accuracy).toFixed(2)}%, PyTorch ${(100 * (metrics.test?.accuracy ?? NaN)).toFixed(2)}%`);
    }
    if (o.save) {
      await model.save(o.save);
      console.log(`saved the rnnkit checkpoint ${o.save}`);
    }
  } finally {
    model.dispose();
  }
}

program
  .command('import-torch <exportDir>')
  .description('load what train.py wrote back into rnnkit (strict), evaluate it on the export\'s test data, optionally save an rnnkit checkpoint')
  .option('--run <dir>', 'the folder train.py wrote (its --out; default <exportDir>/trained)')
  .option('--save <file>', 'write the trained model as an rnnkit checkpoint')
  .action(async (exportDir: string, o: { run?: string; save?: string }) => {
    try {
      await importCommand(exportDir, o);
    } catch (e) {
      console.error(`rnnkit import-torch: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  });

await program.parseAsync(process.argv);
