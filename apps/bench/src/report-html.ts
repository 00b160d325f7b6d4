// report.html: self-contained (inline CSS and SVG, no scripts, no network): per task, the loss
// curves of every backend overlaid, then throughput and accuracy bars side by side, then the table.
import { baselineOf, baselineRatio, deviceText, fmtBytes, fmtMse, fmtPercent, fmtRate, fmtSeconds, isRegression, jsBaseline, peakMemory, PLAIN_GRAPH_LABEL, plainGraphNote, plainGraphOf, ratio, rowNote, runLabel, scoreHeader, scoreText, statusText, taskHeading, taskName, torchBaseline, torchNote } from './format.js';
import { PROFILE_DESCRIPTION } from './config.js';
import { framesPicture } from './frames-picture.js';
import type { BackendRun, BenchResults, TaskResult } from './results.js';
import { barChart, escapeHtml, lineChart, type Bar } from './svg-charts.js';

const PALETTE: Record<string, string> = { js: '#1f77b4', tfjs: '#ff7f0e', onnx: '#2ca02c', gpujs: '#d62728', 'peer:tfjs-layers': '#7f7f7f', 'peer:torch': '#ee4c2c', plain: '#98df8a' };
const EXTRA = ['#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

export function colorFor(backend: string, index: number): string {
  return PALETTE[backend] ?? EXTRA[index % EXTRA.length]!;
}

function bars(task: TaskResult, value: (r: BackendRun) => number | undefined, text: (r: BackendRun) => string) {
  return task.runs.map((r, i) => ({
    label: runLabel(r),
    color: colorFor(r.backend, i),
    value: r.status === 'ok' ? value(r) : undefined,
    text: r.status === 'ok' ? text(r) : r.status,
  }));
}

/** Classification: accuracy bars. Regression: MSE bars, with the copy-the-last-frame baseline as the last bar. */
function qualityChart(task: TaskResult): string {
  if (!isRegression(task)) {
    return barChart(
      'Test accuracy after the last epoch',
      bars(task, (r) => r.epochs.at(-1)?.testAccuracy, (r) => {
        const last = r.epochs.at(-1);
        if (!last || last.testAccuracy === undefined) return '–';
        return `${fmtPercent(last.testAccuracy)}${last.testSamples < task.config.testSamples ? ` (${last.testSamples} samples)` : ''}`;
      }),
      { unit: '', max: 1 },
    );
  }
  const baseline = baselineOf(task);
  const rows: Bar[] = bars(task, (r) => r.epochs.at(-1)?.testLoss, (r) => {
    const last = r.epochs.at(-1);
    return last ? `${fmtMse(last.testLoss)} ${baselineRatio(last)}` : '–';
  });
  if (baseline) rows.push({ label: 'copy last frame', color: '#bbbbbb', value: baseline.loss, text: `${fmtMse(baseline.loss)} (baseline)` });
  return barChart('Test MSE per pixel after the last epoch (lower is better)', rows, { unit: '' });
}

/** movingMnist: input, true and predicted next frames of the example sequences. */
function picture(task: TaskResult): string {
  if (!task.examples) return '';
  const predictions = task.runs
    .filter((r) => r.status === 'ok' && r.predictedExamples?.length)
    .map((r) => ({ label: runLabel(r), frames: r.predictedExamples! }));
  const svg = framesPicture(`${taskName(task)}: next-frame predictions on held-out sequences after the last epoch`, task.examples, predictions);
  return `<div class="row">${svg}</div>
<p class="meta">Column t: the input frame xₜ, the true next frame xₜ₊₁ and each backend's prediction of it (pixels clamped to [0, 1]). The copy-the-last-frame baseline predicts the input row itself.</p>`;
}

function taskSection(task: TaskResult): string {
  const js = jsBaseline(task);
  const ok = task.runs.filter((r) => r.status === 'ok');
  const loss = lineChart(
    `${taskName(task)}: training loss per batch`,
    ok.map((r) => ({ label: runLabel(r), color: colorFor(r.backend, task.runs.indexOf(r)), values: r.lossCurve })),
    { xLabel: 'batch', yLabel: 'loss' },
  );
  const torch = torchBaseline(task);
  // "×a js, ×b torch" beside each bar.
  const ratios = (v: number | undefined, pick: (r: BackendRun) => number | undefined) =>
    [js ? `${ratio(v, pick(js))} js` : '', torch ? `${ratio(v, pick(torch))} torch` : ''].filter((x) => x !== '').join(', ');
  const train = barChart('Training samples/s', bars(task, (r) => r.trainSamplesPerSec, (r) => `${fmtRate(r.trainSamplesPerSec)} ${ratios(r.trainSamplesPerSec, (b) => b.trainSamplesPerSec)}`), { unit: 'samples/s' });
  const plain = plainGraphOf(task);
  const inferBars: Bar[] = bars(task, (r) => r.inferSamplesPerSec, (r) => `${fmtRate(r.inferSamplesPerSec)} ${ratios(r.inferSamplesPerSec, (b) => b.inferSamplesPerSec)}`);
  if (plain?.plain.status === 'ok') {
    const v = plain.plain.inferSamplesPerSec;
    inferBars.splice(task.runs.indexOf(plain.run) + 1, 0, { label: PLAIN_GRAPH_LABEL, color: PALETTE.plain!, value: v, text: `${fmtRate(v)} ${ratios(v, (b) => b.inferSamplesPerSec)}` });
  }
  const infer = barChart('Inference samples/s', inferBars, { unit: 'samples/s' });
  const acc = qualityChart(task);
  const c = task.config;
  const rows = task.runs
    .map((r) => {
      const cells = [
        runLabel(r),
        deviceText(r),
        rowNote(r) ? `${statusText(r)}: ${rowNote(r)}` : statusText(r),
        fmtRate(r.trainSamplesPerSec),
        r.status === 'ok' ? ratio(r.trainSamplesPerSec, js?.trainSamplesPerSec) : '–',
        ...(torch ? [r.status === 'ok' ? ratio(r.trainSamplesPerSec, torch.trainSamplesPerSec) : '–'] : []),
        fmtRate(r.inferSamplesPerSec),
        r.status === 'ok' ? ratio(r.inferSamplesPerSec, js?.inferSamplesPerSec) : '–',
        ...(torch ? [r.status === 'ok' ? ratio(r.inferSamplesPerSec, torch.inferSamplesPerSec) : '–'] : []),
        scoreText(r, c.testSamples),
        r.validation ? `loss ${r.validation.lossError.toExponential(1)}, grad ${r.validation.gradientError.toExponential(1)}` : '–',
        fmtBytes(peakMemory(r)),
        fmtSeconds(r.wallSeconds),
      ];
      const tr = `<tr class="${r.status}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
      if (r !== plain?.run || plain.plain.status !== 'ok') return tr;
      const v = plain.plain.inferSamplesPerSec;
      const last = r.epochs.at(-1);
      const extra = [PLAIN_GRAPH_LABEL, plain.plain.device ?? '–', 'inference only (see below)', '–', '–', ...(torch ? ['–'] : []), fmtRate(v), ratio(v, js?.inferSamplesPerSec), ...(torch ? [ratio(v, torch.inferSamplesPerSec)] : []), last?.testAccuracy !== undefined ? `${fmtPercent(last.testAccuracy)} (${runLabel(r)}'s logits)` : '–', '–', '–', '–'];
      return `${tr}\n<tr class="reference">${extra.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const notes = [plainGraphNote(task), torch ? torchNote(task) : undefined].filter((n): n is string => n !== undefined).map((n) => `<p class="meta">${escapeHtml(n)}</p>`).join('\n');
  return `<section>
<h2>${escapeHtml(taskHeading(task))}</h2>
<p>${escapeHtml(`${task.modelDescription}. Adam lr ${c.optimizer.lr}, batch ${c.batchSize}, ${c.epochs} epoch(s), ${c.init} init, recurrent layers on the ${c.path === 'generic' ? 'generic path (core cell definitions over backend primitives)' : 'fused kernels'}, ${c.trainSamples} training / ${c.testSamples} test samples, seed ${c.seed}${c.budgetSeconds !== undefined ? `, time budget ${c.budgetSeconds} s per backend` : ''}${task.parameters !== undefined ? `, ${task.parameters.toLocaleString('en-US')} parameters` : ''}.`)}</p>
<div class="row">${loss}</div>
<p class="meta">Backends that compute the same numbers draw the same curve: earlier rows are drawn wider underneath, so coinciding curves show as nested lines.</p>
<div class="row">${train}${infer}${acc}</div>
${picture(task)}
<table><thead><tr>${['backend', 'device', 'status', 'train samples/s', 'vs js', ...(torch ? ['vs torch'] : []), 'inference samples/s', 'vs js', ...(torch ? ['vs torch'] : []), scoreHeader(task), 'validation rel. error', 'peak RSS', 'wall time'].map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
${notes}
</section>`;
}

export function htmlReport(results: BenchResults): string {
  const m = results.machine;
  const versions = Object.entries(results.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rnnkit benchmark ${escapeHtml(results.startedAt)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
.row { display: flex; flex-wrap: wrap; gap: 16px; margin: 12px 0; }
.chart { background: #fafafa; border: 1px solid #ddd; }
.chart .title { font-weight: 600; font-size: 13px; } .chart .tick, .chart .legend { font-size: 11px; } .chart .label { font-size: 12px; }
.chart .grid { stroke: #e4e4e4; } .chart .axis { stroke: #888; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
tr.failed td, tr.unavailable td, tr.timeout td { color: #a00; } tr.reference td { color: #555; font-style: italic; }
.meta { color: #555; }
</style>
</head>
<body>
<h1>rnnkit benchmark</h1>
<p class="meta">${escapeHtml(`${results.startedAt} · ${results.options.profile} profile · seed ${results.options.seed} · total ${fmtSeconds(results.wallSeconds)}`)}<br>
${escapeHtml(`${m.cpuModel}, ${m.cpuCount} logical CPUs, ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ${m.platform}/${m.arch}, Node ${m.node}`)}<br>
${escapeHtml(versions)}</p>
<p>Same seed, same samples, same order and hyper-parameters on every backend; each backend is validated against backend-js float64 on one real batch before it is timed, and runs in its own process.</p>
<p>${escapeHtml(PROFILE_DESCRIPTION[results.options.profile])}</p>
${results.tasks.map(taskSection).join('\n')}
</body>
</html>
`;
}
