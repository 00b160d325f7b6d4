// The whole benchmark: per task, prepare the data once (warming the loaders' disk caches), then run
// every backend in its own process, one after the other so timings never overlap.
import { datasetSize, type HostTensor } from '@rnnkit/core';
import type { BenchOptions } from './args.js';
import { BACKEND_IDS, backendEntry } from './backends.js';
import { describeModel, taskConfig, type TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { machineInfo, packageVersions } from './machine.js';
import { frameExamples } from './next-frame.js';
import { countParameters } from './parameters.js';
import { PEER_ID, peerUnsupported } from './peer.js';
import { TORCH_PEER_ID, torchUnsupported } from './torch-peer.js';
import type { ProgressSink } from './progress.js';
import { RESULTS_SCHEMA, type BackendRun, type BenchResults, type FrameExamples, type TaskResult } from './results.js';
import { hasXvfbRun, runWorker } from './spawn-worker.js';

export interface BenchHooks {
  /** Called with each worker's captured output (for log files). */
  onLog?(task: string, backend: string, log: string): void;
}

/**
 * Loads the task's data once in this process, so that IMDB's tokenisation (first run only) has a
 * progress bar and the workers find the disk cache; only the sizes are kept (the workers load their own copy),
 * and for movingMnist the held-out sequences the report draws.
 */
async function prepareData(config: TaskConfig, task: string, progress: ProgressSink): Promise<{ train: number; test: number; examples?: FrameExamples }> {
  let lastStage = '';
  const data = await loadTaskData(config, (stage, done, total) => {
    if (stage !== lastStage) {
      lastStage = stage;
      progress.phase(task, `prepare data: ${stage}`, total, stage === 'tokenize' ? 'reviews' : 'steps');
    }
    progress.tick(done);
  });
  progress.end();
  const sizes = { train: datasetSize(data.train), test: datasetSize(data.test) };
  if (config.model.kind !== 'movingMnist') return sizes;
  return { ...sizes, examples: frameExamples(data.test.x as HostTensor<Float32Array>, data.test.y as HostTensor<Float32Array>) };
}

export async function runBench(options: BenchOptions, progress: ProgressSink, hooks: BenchHooks = {}): Promise<BenchResults> {
  const startedAt = new Date();
  const t0 = performance.now();
  const explicit = options.backends !== undefined;
  const ids = options.backends ?? BACKEND_IDS;
  const tasks: TaskResult[] = [];

  for (const task of options.tasks) {
    const config = taskConfig(task, options.profile, { epochs: options.epochs, seed: options.seed, budgetSeconds: options.budget, init: options.init, path: options.path, cell: options.cell });
    // From the model core builds; a core without the task's layer has no count (the workers report why).
    const parameters = await countParameters(config).catch(() => undefined);
    progress.note(`${task}: ${describeModel(config.model)}${parameters !== undefined ? `, ${parameters.toLocaleString('en-US')} parameters` : ''}; Adam lr ${config.optimizer.lr}, batch ${config.batchSize}, ${config.epochs} epoch(s), ${config.init} init, ${config.trainSamples} train / ${config.testSamples} test samples (${config.profile} profile)${config.budgetSeconds !== undefined ? `; time budget ${config.budgetSeconds} s per backend` : ''}`);
    const d0 = performance.now();
    const sizes = await prepareData(config, task, progress);
    const dataSeconds = (performance.now() - d0) / 1000;
    progress.note(`data ready in ${dataSeconds.toFixed(1)} s: ${sizes.train} train, ${sizes.test} test samples`);

    const runs: BackendRun[] = [];
    const peerIds: string[] = [];
    for (const peer of options.peers) {
      const why = peer === 'torch' ? torchUnsupported(config) : peerUnsupported(config);
      if (why === undefined) peerIds.push(peer === 'torch' ? TORCH_PEER_ID : PEER_ID);
      else progress.note(`--peers: no ${peer} row for ${task}: ${why}`);
    }
    const order = [...ids, ...peerIds];
    for (const id of order) {
      const isPeer = id.startsWith('peer:');
      const needsDisplay = !isPeer && backendEntry(id).needsDisplay;
      const xvfb = needsDisplay && !process.env.DISPLAY && hasXvfbRun();
      const { run, log } = await runWorker(id, config, progress, `${task}/${isPeer ? id.slice('peer:'.length) : id}`, { xvfb, hardLimitSeconds: config.budgetSeconds === undefined ? undefined : 2 * config.budgetSeconds });
      hooks.onLog?.(task, id, log);
      const launched = xvfb ? { ...run, launcher: 'xvfb-run -a' } : run;
      // Not installed or not working here: by default that is a fact about the machine (row
      // "unavailable"); when the user named the backend, it is a failure.
      // A peer that is not installed (python3-torch) is always a fact about the machine: the row is skipped, with the reason.
      const final = explicit && !isPeer && run.status === 'unavailable' ? { ...launched, status: 'failed' as const } : launched;
      runs.push(final);
      if (final.status !== 'ok') progress.note(`${final.status}: ${final.reason}`);
    }
    tasks.push({ task, config, modelDescription: describeModel(config.model), parameters, examples: sizes.examples, dataSeconds, runs });
  }

  return {
    schema: RESULTS_SCHEMA,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: (performance.now() - t0) / 1000,
    machine: machineInfo(),
    versions: packageVersions(),
    options: { profile: options.profile, tasks: options.tasks, cell: options.cell, backends: ids, seed: options.seed, epochs: options.epochs, budgetSeconds: options.budget, peers: options.peers },
    tasks,
  };
}
