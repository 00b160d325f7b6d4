// results.md: one table per task, plus machine, versions and configuration.
import { baselineOf, deviceText, fmtBytes, fmtMse, fmtPercent, fmtRate, fmtSeconds, jsBaseline, peakMemory, PLAIN_GRAPH_LABEL, plainGraphNote, plainGraphOf, ratio, rowNote, runLabel, scoreHeader, scoreText, statusText, taskHeading, torchBaseline, torchNote } from './format.js';
import { PROFILE_DESCRIPTION } from './config.js';
import type { BenchResults, TaskResult } from './results.js';

/** A table cell: no pipes or newlines. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function taskTable(task: TaskResult): string {
  const js = jsBaseline(task);
  const torch = torchBaseline(task);
  const header = ['backend', 'device', 'status', 'train samples/s', 'vs js', ...(torch ? ['vs torch'] : []), 'inference samples/s', 'vs js', ...(torch ? ['vs torch'] : []), scoreHeader(task), 'peak RSS', 'wall time'];
  const rows = task.runs.map((r) => [
    runLabel(r),
    deviceText(r),
    `${statusText(r)}${rowNote(r) ? ' ¹' : ''}`,
    fmtRate(r.trainSamplesPerSec),
    r.status === 'ok' ? ratio(r.trainSamplesPerSec, js?.trainSamplesPerSec) : '–',
    ...(torch ? [r.status === 'ok' ? ratio(r.trainSamplesPerSec, torch.trainSamplesPerSec) : '–'] : []),
    fmtRate(r.inferSamplesPerSec),
    r.status === 'ok' ? ratio(r.inferSamplesPerSec, js?.inferSamplesPerSec) : '–',
    ...(torch ? [r.status === 'ok' ? ratio(r.inferSamplesPerSec, torch.inferSamplesPerSec) : '–'] : []),
    scoreText(r, task.config.testSamples),
    fmtBytes(peakMemory(r)),
    fmtSeconds(r.wallSeconds),
  ]);
  const plain = plainGraphOf(task);
  if (plain?.plain.status === 'ok') {
    const v = plain.plain.inferSamplesPerSec;
    const last = plain.run.epochs.at(-1);
    rows.splice(task.runs.indexOf(plain.run) + 1, 0, [
      PLAIN_GRAPH_LABEL,
      plain.plain.device ?? '–',
      'inference only ²',
      '–',
      '–',
      ...(torch ? ['–'] : []),
      fmtRate(v),
      ratio(v, js?.inferSamplesPerSec),
      ...(torch ? [ratio(v, torch.inferSamplesPerSec)] : []),
      last?.testAccuracy !== undefined ? `${fmtPercent(last.testAccuracy)} (${runLabel(plain.run)}'s logits)` : '–',
      '–',
      '–',
    ]);
  }
  const lines = [header, header.map(() => '---'), ...rows].map((cols) => `| ${cols.map(cell).join(' | ')} |`);
  const notes = task.runs.filter((r) => rowNote(r)).map((r) => `- ¹ ${runLabel(r)}: ${cell(rowNote(r)!)}`);
  const plainText = plainGraphNote(task);
  if (plainText) notes.push(`- ² ${cell(plainText)}`);
  const torchText = torchNote(task);
  if (torchText && torch) notes.push(`- ${cell(torchText)}`);
  const baseline = baselineOf(task);
  if (baseline) {
    notes.push(
      `- Copy-the-last-frame baseline (x̂ₜ₊₁ = xₜ): per-pixel MSE ${fmtMse(baseline.loss)} on ${baseline.samples} held-out sequences; ×r is a model's MSE over it on the same sequences (below 1 beats it).`,
    );
  }
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  const out: string[] = [
    '# rnnkit benchmark',
    '',
    `${results.startedAt} · ${results.options.profile} profile · seed ${results.options.seed} · total ${fmtSeconds(results.wallSeconds)}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cpuCount} logical CPUs, ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ${m.platform}/${m.arch}, Node ${m.node}${m.display ? `, DISPLAY ${m.display}` : ''}.`,
    '',
    `Versions: ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    'Every backend trains the same model from the same seed on the same samples in the same order; it is validated against backend-js float64 on one real batch before it is timed. ' +
      'Train samples/s covers the training batches only; inference samples/s is one forward pass over the test samples after the last epoch. Ratios are against js in this run ("vs torch": against the PyTorch row, with --peers torch).',
    '',
    PROFILE_DESCRIPTION[results.options.profile],
  ];
  for (const t of results.tasks) {
    const c = t.config;
    out.push(
      '',
      `## ${taskHeading(t)}`,
      '',
      `${t.modelDescription}. Adam lr ${c.optimizer.lr}, batch ${c.batchSize}, ${c.epochs} epoch(s), ${c.init} init, ${c.path} recurrent path, ${c.trainSamples} training / ${c.testSamples} test samples` +
        `${c.budgetSeconds !== undefined ? `, time budget ${c.budgetSeconds} s per backend` : ''}` +
        `${t.parameters !== undefined ? `, ${t.parameters.toLocaleString('en-US')} parameters` : ''}. Data prepared in ${fmtSeconds(t.dataSeconds)}.`,
      '',
      taskTable(t),
    );
  }
  return `${out.join('\n')}\n`;
}
