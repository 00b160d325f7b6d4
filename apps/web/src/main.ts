// The page: pick a profile, run every backend, show progress, then the report; the digit pad uses
// the model trained here. `?profile=quick&autorun=1` runs at once (what the browser test opens);
// the outcome is also left on window.rnnkitBench for it.
import type { Sequential } from '@rnnkit/core';
import { escapeHtml } from '../../bench/src/svg-charts.js';
import { runBenchmark, type BackendResult } from './bench.js';
import { BACKENDS } from './backends.js';
import { loadSplit } from './data.js';
import { setUpPad } from './digit.js';
import { describeProfile, PROFILES, type Profile } from './profiles.js';
import { lossChart, reportHtml } from './report.js';

interface PageState {
  state: 'idle' | 'running' | 'done' | 'error';
  profile?: string;
  results?: BackendResult[];
  error?: string;
  /** The model the digit pad uses, to try things on from the devtools console. */
  model?: Sequential;
}

declare global {
  interface Window {
    rnnkitBench: PageState;
  }
}

const params = new URLSearchParams(location.search);
const select = document.querySelector<HTMLSelectElement>('#profile')!;
const runButton = document.querySelector<HTMLButtonElement>('#run')!;
const profileText = document.querySelector<HTMLSpanElement>('#profile-text')!;
const progressBody = document.querySelector<HTMLTableSectionElement>('#progress tbody')!;
const liveChart = document.querySelector<HTMLDivElement>('#live-chart')!;
const report = document.querySelector<HTMLDivElement>('#report')!;
const digitModel = document.querySelector<HTMLParagraphElement>('#digit-model')!;

window.rnnkitBench = { state: 'idle' };
let model: Sequential | undefined;

for (const name of Object.keys(PROFILES)) select.add(new Option(name, name));
select.value = PROFILES[params.get('profile') ?? ''] ? params.get('profile')! : 'standard';
const chosen = (): Profile => PROFILES[select.value]!;
const showProfile = () => (profileText.textContent = describeProfile(chosen()));
select.addEventListener('change', showProfile);
showProfile();

function progressRows(results: readonly BackendResult[], done: Map<string, [number, number]>) {
  progressBody.innerHTML = results
    .map((r) => {
      const [d, t] = done.get(r.id) ?? [0, 1];
      const status = r.status + (r.reason ? `: ${r.reason}` : '');
      return `<tr data-backend="${escapeHtml(r.id)}"><td>${escapeHtml(r.id)}</td><td class="status-${r.status}">${escapeHtml(status)}</td>` +
        `<td><progress max="${t}" value="${d}"></progress> ${d}/${t}</td><td class="num">${r.batchLosses.length ? r.batchLosses.at(-1)!.toFixed(4) : '–'}</td></tr>`;
    })
    .join('');
}

async function run(): Promise<void> {
  const p = chosen();
  runButton.disabled = select.disabled = true;
  model?.dispose();
  model = undefined;
  report.innerHTML = '';
  window.rnnkitBench = { state: 'running', profile: p.name };
  const live: BackendResult[] = BACKENDS.map((b) => ({ id: b.id, family: b.family, status: 'pending', batchLosses: [] }));
  const done = new Map<string, [number, number]>();
  progressRows(live, done);
  try {
    const data = { train: await loadSplit('train', p.train), test: await loadSplit('test', p.test) };
    let lastPaint = 0;
    const out = await runBenchmark(p, data, ({ result, done: d, total }) => {
      live[live.findIndex((r) => r.id === result.id)] = result;
      done.set(result.id, [d, total]);
      const now = performance.now();
      if (now - lastPaint > 100 || d === total || result.status !== 'running') {
        lastPaint = now;
        progressRows(live, done);
        liveChart.innerHTML = lossChart(live, 'Training loss so far');
      }
    });
    progressRows(out.results, done);
    liveChart.innerHTML = '';
    report.innerHTML = reportHtml(out.results);
    model = out.model;
    const r = out.results.find((x) => x.status === 'ok' && x.family !== 'tfjs');
    digitModel.textContent = model && r
      ? `Classified by the row-LSTM trained above on ${r.id} (${r.device}), test accuracy ${((r.accuracy ?? 0) * 100).toFixed(1)}%. Draw a digit in the black square.`
      : 'No backend trained a model for the pad.';
    window.rnnkitBench = { state: 'done', profile: p.name, results: out.results, model };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    report.innerHTML = `<p class="status-failed">${escapeHtml(message)}</p>`;
    window.rnnkitBench = { state: 'error', profile: p.name, error: message };
    throw e;
  } finally {
    runButton.disabled = select.disabled = false;
  }
}

runButton.addEventListener('click', () => void run());
setUpPad(() => model);
if (params.get('autorun') === '1') void run();
