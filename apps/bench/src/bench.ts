// The whole benchmark: per task, prepare the data once (warming the loaders' disk caches), then run
// every backend in its own process, one after the other so timings never overlap.
import { datasetSize } from '@rnnkit/core';
import type { BenchOptions } from './args.js';
import { BACKEND_IDS, backendEntry } from './backends.js';
import { describeModel, parameterCount, taskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { machineInfo, packageVersions } from './machine.js';
import { PEER_ID } from './peer.js';
import type { ProgressSink } from './progress.js';
import { RESULTS_SCHEMA, type BackendRun, type BenchResults, type TaskResult } from './results.js';
import { hasXvfbRun, runWorker } from './spawn-worker.js';

export interface BenchHooks {
  /** Called with each worker's captured output (for log files). */
  onLog?(task: string, backend: string, log: string): void;
}

export async function runBench(options: BenchOptions, progress: ProgressSink, hooks: BenchHooks = {}): Promise<BenchResults> {
  const startedAt = new Date();
  const t0 = performance.now();
  const explicit = options.backends !== undefined;
  const ids = options.backends ?? BACKEND_IDS;
  const tasks: TaskResult[] = [];

  for (const task of options.tasks) {
    const config = taskConfig(task, options.profile, { epochs: options.epochs, seed: options.seed, budgetSeconds: options.budget });
    progress.note(`${task}: ${describeModel(config.model)}; Adam lr ${config.optimizer.lr}, batch ${config.batchSize}, ${config.epochs} epoch(s), ${config.trainSamples} train / ${config.testSamples} test samples (${config.profile} profile)${config.budgetSeconds !== undefined ? `; time budget ${config.budgetSeconds} s per backend` : ''}`);
    const d0 = performance.now();
    let lastStage = '';
    const data = await loadTaskData(config, (stage, done, total) => {
      if (stage !== lastStage) {
        lastStage = stage;
        progress.phase(task, `prepare data: ${stage}`, total, stage === 'tokenize' ? 'reviews' : 'steps');
      }
      progress.tick(done);
    });
    progress.end();
    const dataSeconds = (performance.now() - d0) / 1000;
    progress.note(`data ready in ${dataSeconds.toFixed(1)} s: ${datasetSize(data.train)} train, ${datasetSize(data.test)} test samples`);

    const runs: BackendRun[] = [];
    const order = [...ids, ...(options.peers ? [PEER_ID] : [])];
    for (const id of order) {
      const isPeer = id === PEER_ID;
      const needsDisplay = !isPeer && backendEntry(id).needsDisplay;
      const xvfb = needsDisplay && !process.env.DISPLAY && hasXvfbRun();
      const { run, log } = await runWorker(id, config, progress, `${task}/${isPeer ? 'peer' : id}`, { xvfb, hardLimitSeconds: config.budgetSeconds === undefined ? undefined : 2 * config.budgetSeconds });
      hooks.onLog?.(task, id, log);
      const launched = xvfb ? { ...run, launcher: 'xvfb-run -a' } : run;
      // A backend that is not installed is only worth a row when the user asked for it.
      if (run.status === 'unavailable' && !explicit && !isPeer) {
        progress.note(`not available: ${run.reason}`);
        runs.push(launched);
        continue;
      }
      runs.push(explicit && run.status === 'unavailable' ? { ...launched, status: 'failed' } : launched);
      if (run.status !== 'ok') progress.note(`${run.status}: ${run.reason}`);
    }
    tasks.push({ task, config, modelDescription: describeModel(config.model), parameters: parameterCount(config.model), dataSeconds, runs });
  }

  return {
    schema: RESULTS_SCHEMA,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: (performance.now() - t0) / 1000,
    machine: machineInfo(),
    versions: packageVersions(),
    options: { profile: options.profile, tasks: options.tasks, backends: ids, seed: options.seed, epochs: options.epochs, budgetSeconds: options.budget, peers: options.peers },
    tasks,
  };
}
