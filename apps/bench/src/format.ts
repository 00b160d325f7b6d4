// Number and text formatting shared by the Markdown and HTML reports.
import type { BackendRun, EpochResult, TaskResult } from './results.js';

export function fmtRate(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toPrecision(3);
}

export function fmtBytes(v: number | undefined): string {
  if (v === undefined) return '–';
  return v >= 1024 ** 3 ? `${(v / 1024 ** 3).toFixed(2)} GiB` : `${(v / 1024 ** 2).toFixed(0)} MiB`;
}

export function fmtSeconds(v: number): string {
  if (v < 60) return `${v.toFixed(1)} s`;
  const m = Math.floor(v / 60);
  return `${m} min ${Math.round(v - 60 * m)} s`;
}

export function fmtPercent(v: number): string {
  return `${(100 * v).toFixed(2)}%`;
}

/** "×1.00" style ratio against the js run of the same task (undefined when either side is missing). */
export function ratio(v: number | undefined, js: number | undefined): string {
  if (v === undefined || js === undefined || !(js > 0)) return '–';
  return `×${(v / js).toFixed(2)}`;
}

/** The js row of a task that ran successfully, the baseline for ratios. */
export function jsBaseline(task: TaskResult): BackendRun | undefined {
  return task.runs.find((r) => r.backend === 'js' && r.status === 'ok');
}

/** Peak memory: the larger of the sampled RSS and the kernel's maxRSS. */
export function peakMemory(run: BackendRun): number | undefined {
  const vs = [run.peakRssBytes, run.maxRssBytes].filter((v): v is number => v !== undefined);
  return vs.length ? Math.max(...vs) : undefined;
}

export function runLabel(run: BackendRun): string {
  return run.name && run.name !== run.backend ? `${run.backend} (${run.name})` : run.backend;
}

export function deviceText(run: BackendRun): string {
  const parts = [run.device ?? '–'];
  if (run.launcher) parts.push(`via ${run.launcher}`);
  return parts.join(', ');
}

/** Status cell text: ok, ok (cut short), failed, unavailable, timeout. */
export function statusText(run: BackendRun): string {
  if (run.status === 'ok') return run.cutShort ? 'ok, cut short' : 'ok';
  return run.status;
}

/** The task's name in headings and chart titles: MNIST, IMDB, Moving MNIST. */
export function taskName(task: TaskResult): string {
  return task.task === 'movingMnist' ? 'Moving MNIST' : task.task.toUpperCase();
}

/** The heading: the name, and for MNIST the cell (`--cell`), so every report says which cell ran. */
export function taskHeading(task: TaskResult): string {
  return task.config.model.kind === 'mnist' ? `${taskName(task)} (${task.config.model.cell} cell)` : taskName(task);
}

/** A per-pixel MSE: small numbers, four significant digits. */
export function fmtMse(v: number): string {
  return v.toPrecision(4);
}

/** "×0.612": a model's MSE over the copy-the-last-frame baseline's on the same samples (below 1 beats it). */
export function baselineRatio(e: EpochResult): string {
  return e.baselineLoss !== undefined && e.baselineLoss > 0 ? `×${(e.testLoss / e.baselineLoss).toFixed(3)}` : '–';
}

/** One epoch's test figure: accuracy (classification) or MSE with its baseline ratio (movingMnist). */
export function epochScore(e: EpochResult): string {
  return e.testAccuracy !== undefined ? fmtPercent(e.testAccuracy) : `${fmtMse(e.testLoss)} (${baselineRatio(e)})`;
}

/** Test figure per epoch; an epoch scored on fewer test samples than configured says on how many. */
export function scoreText(run: BackendRun, testSamples: number): string {
  if (run.epochs.length === 0) return '–';
  return run.epochs.map((e) => `${epochScore(e)}${e.testSamples < testSamples ? ` (${e.testSamples} samples)` : ''}`).join(', ');
}

/** The column header for scoreText. */
export function scoreHeader(task: TaskResult): string {
  return isRegression(task) ? 'test MSE per epoch (× copy-last-frame)' : 'test accuracy per epoch';
}

export function isRegression(task: TaskResult): boolean {
  return task.config.loss === 'meanSquaredError';
}

/** The copy-the-last-frame baseline of a regression task: the first successful run's, on the samples it scored. */
export function baselineOf(task: TaskResult): { loss: number; samples: number } | undefined {
  for (const r of task.runs) {
    const e = r.epochs.at(-1);
    if (r.status === 'ok' && e?.baselineLoss !== undefined) return { loss: e.baselineLoss, samples: e.testSamples };
  }
  return undefined;
}

/** Why a row is not a plain ok: the failure reason or what the budget cut. */
export function rowNote(run: BackendRun): string | undefined {
  return run.status === 'ok' ? run.cutShort : (run.reason ?? 'no reason given');
}

/** The torch peer's row of a task that ran successfully: the second baseline for ratios. */
export function torchBaseline(task: TaskResult): BackendRun | undefined {
  return task.runs.find((r) => r.backend === 'peer:torch' && r.status === 'ok');
}

/** The onnx row's plain exported-graph reference, when it ran. */
export function plainGraphOf(task: TaskResult): { run: BackendRun; plain: NonNullable<BackendRun['plainGraph']> } | undefined {
  const run = task.runs.find((r) => r.status === 'ok' && r.plainGraph);
  return run ? { run, plain: run.plainGraph! } : undefined;
}

export const PLAIN_GRAPH_LABEL = 'onnxruntime (plain exported graph)';

/** The sentence under a table about the plain exported-graph row. */
export function plainGraphNote(task: TaskResult): string | undefined {
  const p = plainGraphOf(task);
  if (!p) return undefined;
  if (p.plain.status !== 'ok') return `${PLAIN_GRAPH_LABEL}: failed: ${p.plain.reason ?? 'no reason given'}`;
  return (
    `${PLAIN_GRAPH_LABEL}: the trained ${runLabel(p.run)} model exported by exportModelOnnx and run in a plain InferenceSession on the same ${p.plain.samples} test samples at batch ${task.config.batchSize}: ` +
    `${fmtRate(p.plain.inferSamplesPerSec)} samples/s; backend-onnx's predict on the same batches ${fmtRate(p.plain.predictWarmSamplesPerSec)} samples/s, ${ratio(p.plain.predictWarmSamplesPerSec, p.plain.inferSamplesPerSec)} of the plain graph ` +
    `(best of ${p.plain.rounds ?? 1} alternating passes each; the row's own test pass, which also builds its inference graphs, ${ratio(p.run.inferSamplesPerSec, p.plain.inferSamplesPerSec)}); same logits (max |Δ| ${(p.plain.maxAbsDiff ?? 0).toExponential(1)}).`
  );
}

/** The sentence under a table about the torch peer's thread setting. */
export function torchNote(task: TaskResult): string | undefined {
  const t = task.runs.find((r) => r.backend === 'peer:torch');
  if (!t) return undefined;
  if (t.status !== 'ok') return `peer:torch: no PyTorch row: ${t.reason ?? 'no reason given'}`;
  const tuning = t.threadTuning;
  const trials = tuning?.trials.length ? ` Warm-up (${tuning.warmupBatches} training batches each, samples/s): ${tuning.trials.map((x) => `${x.setting} ${fmtRate(x.trainSamplesPerSec)}`).join('; ')}.` : '';
  return `peer:torch ran with ${tuning?.chosen ?? 'its default threads'}.${trials} Its peak RSS is the python process's (ru_maxrss). "vs torch" columns: throughput over PyTorch's in this run.`;
}
