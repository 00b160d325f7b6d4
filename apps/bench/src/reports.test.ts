import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureResults, movingMnistFixture, peersFixture } from './fixture.test-data.js';
import { htmlReport } from './report-html.js';
import { markdownReport, taskTable } from './report-md.js';
import { taskConfig } from './config.js';
import { ticks } from './svg-charts.js';
import { writeReports } from './write-reports.js';

describe('Markdown report', () => {
  it('has one table per task with a row per backend, ratios against js measured in the same run', () => {
    const r = fixtureResults();
    const md = markdownReport(r);
    expect(md).toContain('## MNIST (lstm cell)');
    expect(md).toContain('## IMDB');
    const mnist = taskTable(r.tasks[0]!).split('\n');
    expect(mnist[0]).toBe('| backend | device | status | train samples/s | vs js | inference samples/s | vs js | test accuracy per epoch | peak RSS | wall time |');
    expect(mnist[2]).toBe('| js | cpu (pure TypeScript) | ok | 200.0 | ×1.00 | 1000 | ×1.00 | 90.00% | 310 MiB | 20.0 s |');
    expect(mnist[3]).toBe('| onnx (onnx-cpu) | onnxruntime 1.30 cpu | ok | 500.0 | ×2.50 | 5000 | ×5.00 | 91.00% | 400 MiB | 12.0 s |');
    // A failed row keeps its device and launcher, and its reason goes below the table (pipes escaped).
    expect(mnist[4]).toBe('| gpujs (gpujs-webgl) | webgl (ANGLE on llvmpipe), via xvfb-run -a | failed ¹ | – | – | – | – | – | – | 5.0 s |');
    expect(mnist).toContain('- ¹ gpujs (gpujs-webgl): validation against backend-js float64 failed: gradients rel. error 3e-2 \\| worst');
    const imdb = taskTable(r.tasks[1]!);
    expect(imdb).toContain('| js | cpu | ok | 50.00 | ×1.00 | 150.0 | ×1.00 | 70.00%, 80.00% |');
    // Cut short by the budget: still ok, but the row says so and which epoch was scored on fewer samples.
    expect(imdb).toContain('| peer:tfjs-layers (tf.layers.lstm) | tfjs cpu | ok, cut short ¹ | 25.00 | ×0.50 | 75.00 | ×0.50 | 65.00%, 75.00% (128 samples) |');
    expect(imdb).toContain('- ¹ peer:tfjs-layers (tf.layers.lstm): time budget (60 s per backend): tested 128 of 500 samples');
    expect(imdb).toContain('| gpujs | – | timeout ¹ | – | – | – | – | – | – | 2 min 0 s |');
    expect(imdb).toContain("- ¹ gpujs: stopped after 120 s (twice the time budget) during 'validate'");
    expect(imdb).toContain('- ¹ tfjs: @rnnkit/backend-tfjs: not built');
  });
});

describe('reference rows: PyTorch and the plain exported graph (issue #17)', () => {
  it('adds vs-torch ratio columns, a plain-graph row after onnx, and notes on both', () => {
    const task = peersFixture();
    const t = taskTable(task).split('\n');
    expect(t[0]).toBe('| backend | device | status | train samples/s | vs js | vs torch | inference samples/s | vs js | vs torch | test accuracy per epoch | peak RSS | wall time |');
    expect(t[2]).toBe('| js | cpu (pure TypeScript) | ok | 200.0 | ×1.00 | ×0.50 | 1000 | ×1.00 | ×0.40 | 90.00% | 310 MiB | 20.0 s |');
    expect(t[4]).toBe("| onnxruntime (plain exported graph) | onnxruntime-node 1.30.0 InferenceSession | inference only ² | – | – | – | 6250 | ×6.25 | ×2.50 | 91.00% (onnx (onnx-cpu)'s logits) | – | – |");
    expect(t[5]).toBe('| peer:torch (PyTorch nn.LSTM) | PyTorch 1.13.0a0 cpu | ok | 400.0 | ×2.00 | ×1.00 | 2500 | ×2.50 | ×1.00 | 90.50% | 280 MiB | 15.0 s |');
    const notes = t.join('\n');
    expect(notes).toContain("backend-onnx's predict on the same batches 6000 samples/s, ×0.96 of the plain graph (best of 3 alternating passes each; the row's own test pass, which also builds its inference graphs, ×0.80)");
    expect(notes).toContain('peer:torch ran with torch.set_num_threads(1), OpenBLAS default threads. Warm-up (6 training batches each, samples/s): torch.set_num_threads(1), OpenBLAS default threads 410.0; torch.set_num_threads(2), OpenBLAS default threads 300.0.');
    const html = htmlReport({ ...fixtureResults(), tasks: [task] });
    expect(html).toContain('<td>onnxruntime (plain exported graph)</td>');
    expect(html).toContain('<th>vs torch</th>');
    expect(html).toContain('6250 ×6.25 js, ×2.50 torch');
  });

  it('without a torch row there are no vs-torch columns', () => {
    expect(taskTable(fixtureResults().tasks[0]!)).not.toContain('vs torch');
  });
});

describe('HTML report', () => {
  it('is self-contained: an svg per chart, no external URLs, scripts or stylesheets', () => {
    const html = htmlReport(fixtureResults());
    // Per task: loss curves, training throughput, inference throughput, accuracy.
    expect(html.match(/<svg /g)).toHaveLength(8);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html).toContain('aria-label="MNIST: training loss per batch"');
  });

  it('overlays one loss curve per successful backend and escapes text', () => {
    const r = fixtureResults();
    const html = htmlReport(r);
    const mnistSection = html.slice(html.indexOf('<h2>MNIST'), html.indexOf('<h2>IMDB'));
    expect(mnistSection.match(/<polyline /g)).toHaveLength(2);
    expect(mnistSection).toContain('onnx (onnx-cpu)');
    const evil = fixtureResults();
    (evil.tasks[0]!.runs[0] as { device: string }).device = '<b>&"x"</b>';
    expect(htmlReport(evil)).toContain('&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;');
    expect(htmlReport(evil)).not.toContain('<b>&"x"</b>');
  });

  it('chart ticks are round numbers covering the range', () => {
    expect(ticks(0, 2.3)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(ticks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});

describe('the cell and the ConvLSTM task in the reports', () => {
  it('names the MNIST cell in results.md and report.html', () => {
    const r = fixtureResults();
    const gru = { ...r, tasks: [{ ...r.tasks[0]!, config: taskConfig('mnist', 'quick', { cell: 'gru' }) }] };
    expect(markdownReport(gru)).toContain('## MNIST (gru cell)');
    expect(htmlReport(gru)).toContain('<h2>MNIST (gru cell)</h2>');
  });

  it('movingMnist: MSE per epoch with its ratio to the copy-last-frame baseline, which is stated', () => {
    const t = movingMnistFixture();
    const table = taskTable(t).split('\n');
    expect(table[0]).toContain('| test MSE per epoch (× copy-last-frame) |');
    expect(table[2]).toBe('| js | cpu | ok | 8.00 | ×1.00 | 40.00 | ×1.00 | 0.03000 (×0.600) | – | 50.0 s |');
    expect(table[3]).toContain('| 0.03120 (×0.624) |');
    expect(taskTable(t)).toContain('- Copy-the-last-frame baseline (x̂ₜ₊₁ = xₜ): per-pixel MSE 0.05000 on 64 held-out sequences');
    const r = { ...fixtureResults(), tasks: [t] };
    expect(markdownReport(r)).toContain('## Moving MNIST');
  });

  it('movingMnist HTML: MSE bars with the baseline bar, and the picture of input, true and predicted frames', () => {
    const html = htmlReport({ ...fixtureResults(), tasks: [movingMnistFixture()] });
    expect(html).toContain('aria-label="Moving MNIST: training loss per batch"');
    expect(html).toContain('Test MSE per pixel after the last epoch (lower is better)');
    expect(html).toContain('0.05000 (baseline)');
    expect(html).toContain('aria-label="Moving MNIST: next-frame predictions on held-out sequences after the last epoch"');
    // 2 sequences × (input, truth, js, onnx); the failed gpujs row has no prediction.
    expect(html.match(/<image /g)).toHaveLength(8);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
  });
});

describe('writeReports', () => {
  it('writes results.json (round-trips), results.md and report.html', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rnnkit-bench-'));
    const r = fixtureResults();
    const paths = await writeReports(r, join(dir, 'out'));
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(r)));
    expect(await readFile(paths.markdown, 'utf8')).toBe(markdownReport(r));
    expect((await readFile(paths.html, 'utf8')).startsWith('<!doctype html>')).toBe(true);
  });
});
