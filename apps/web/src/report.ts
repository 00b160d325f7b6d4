// The Node report's charts and table for the page's results: loss curves overlaid, throughput and
// accuracy bars. The SVG chart code is apps/bench's own (svg-charts.ts has no imports, so the page
// bundles that one file straight from its source) and the colours are the Node report's.
import { barChart, escapeHtml, lineChart, type Bar } from '../../bench/src/svg-charts.js';
import type { BackendResult } from './bench.js';

const PALETTE: Record<string, string> = { js: '#1f77b4', tfjs: '#ff7f0e', onnx: '#2ca02c', gpujs: '#d62728' };
const EXTRA = ['#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/** One colour per row: the family's for its first row, further rows of a family (tfjs-wasm) the extras. */
function colours(results: readonly BackendResult[]): string[] {
  const used = new Set<string>();
  let extra = 0;
  return results.map((r) => {
    const c = PALETTE[r.family];
    if (c && !used.has(c)) {
      used.add(c);
      return c;
    }
    return EXTRA[extra++ % EXTRA.length]!;
  });
}

export const fmtRate = (v: number | undefined) => (v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
export const fmtPercent = (v: number | undefined) => (v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

export function lossChart(results: readonly BackendResult[], title = 'Training loss per batch (same seed, same batches)'): string {
  const cs = colours(results);
  const series = results
    .map((r, i) => ({ label: r.id, color: cs[i]!, values: r.batchLosses }))
    .filter((s) => s.values.length > 0);
  return lineChart(title, series, { xLabel: 'batch', yLabel: 'loss' });
}

export function reportHtml(results: readonly BackendResult[]): string {
  const cs = colours(results);
  const bars = (value: (r: BackendResult) => number | undefined, text: (v: number) => string): Bar[] =>
    results.map((r, i) => {
      const v = r.status === 'ok' ? value(r) : undefined;
      return { label: r.id, color: cs[i]!, value: v, text: v === undefined ? r.status : text(v) };
    });
  const rows = results
    .map(
      (r) => `<tr data-backend="${escapeHtml(r.id)}" data-status="${r.status}">
  <td>${escapeHtml(r.id)}${r.name && r.name !== r.id ? ` <small>(${escapeHtml(r.name)})</small>` : ''}</td>
  <td>${escapeHtml(r.device ?? '–')}</td>
  <td class="status-${r.status}">${escapeHtml(r.status)}${r.reason ? `: ${escapeHtml(r.reason)}` : ''}</td>
  <td class="num">${fmtRate(r.trainSamplesPerSecond)}</td>
  <td class="num">${fmtRate(r.inferenceSamplesPerSecond)}</td>
  <td class="num">${fmtPercent(r.accuracy)}</td>
  <td class="num">${r.batchLosses.length ? r.batchLosses.at(-1)!.toFixed(4) : '–'}</td>
</tr>`,
    )
    .join('\n');
  return `${lossChart(results)}
<div class="bars">
${barChart('Training throughput', bars((r) => r.trainSamplesPerSecond, (v) => `${fmtRate(v)}/s`), { unit: 'samples/s' })}
${barChart('Inference throughput', bars((r) => r.inferenceSamplesPerSecond, (v) => `${fmtRate(v)}/s`), { unit: 'samples/s' })}
${barChart('Test accuracy', bars((r) => r.accuracy, fmtPercent), { unit: '', max: 1 })}
</div>
<table id="results"><thead><tr>${['backend', 'device', 'status', 'train samples/s', 'inference samples/s', 'test accuracy', 'last batch loss'].map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>`;
}
