// The built page in a real browser: Debian's Chromium, headless, on SwiftShader's WebGL2 (software,
// so it runs on any CI machine), driven by playwright-core (which downloads no browser). It runs
// the quick benchmark and checks what a person would: every backend ran or says why it cannot, the
// backends that ran agree, nothing went to the console as an error, and a screenshot exists.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error plain ESM helper shared with `pnpm web`, no declarations
import { serveStatic } from '../scripts/static-server.mjs';
import type { BackendResult } from './bench.js';
import { BACKEND_IDS } from './backend-ids.js';

const CHROMIUM = process.env.RNNKIT_CHROMIUM ?? '/usr/bin/chromium';
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outDir = fileURLToPath(new URL('../test-output/', import.meta.url));
// Hang guard only: a healthy quick run takes well under a minute on 2 cores.
const RUN_LIMIT_MS = 15 * 60 * 1000;

const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  // CI installs Debian's chromium (.ci/run): there a missing browser is a broken set-up, not a skip.
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set RNNKIT_CHROMIUM)`);
  console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install chromium, or set RNNKIT_CHROMIUM)`);
}

describe.skipIf(!haveBrowser)('the benchmark page in headless Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let results: BackendResult[] = [];

  beforeAll(async () => {
    if (!existsSync(`${dist}index.html`)) throw new Error(`${dist}index.html is missing: the test script builds the page first (pnpm -F @rnnkit/web test)`);
    server = await serveStatic(dist);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // SwiftShader: WebGL2 with float render targets on the CPU; --no-sandbox for root in CI containers.
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    await page.goto(`${server.url}?profile=quick&autorun=1`);
    await page.waitForFunction(() => window.rnnkitBench?.state === 'done' || window.rnnkitBench?.state === 'error', undefined, {
      timeout: RUN_LIMIT_MS,
      polling: 500,
    });
    const state = await page.evaluate(() => ({ ...window.rnnkitBench, model: undefined }));
    if (state.state === 'error') throw new Error(`the page's benchmark failed: ${state.error}`);
    results = state.results ?? [];
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: `${outDir}benchmark.png`, fullPage: true });
    // Print the table a person would read, so the CI log shows what ran where.
    console.log(
      results
        .map((r) => `${r.id.padEnd(11)} ${r.status.padEnd(11)} ${(r.device ?? r.reason ?? '').slice(0, 140)}  train ${r.trainSamplesPerSecond?.toFixed(0) ?? '–'}/s  infer ${r.inferenceSamplesPerSecond?.toFixed(0) ?? '–'}/s  acc ${r.accuracy === undefined ? '–' : (100 * r.accuracy).toFixed(1) + '%'}`)
        .join('\n'),
    );
  }, RUN_LIMIT_MS + 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs every backend, or reports it unsupported with the browser\'s reason', () => {
    expect(results.map((r) => r.id)).toEqual([...BACKEND_IDS]);
    for (const r of results) {
      expect(['ok', 'unsupported'], `${r.id}: ${r.status}: ${r.reason ?? ''}`).toContain(r.status);
      if (r.status === 'unsupported') expect(r.reason, r.id).toMatch(/\S/);
      else {
        expect(r.device, r.id).toMatch(/\S/);
        expect(r.accuracy, r.id).toBeGreaterThanOrEqual(0);
      }
    }
    // The pure TypeScript backend needs nothing from the browser: it must always run.
    expect(results.find((r) => r.id === 'js')?.status).toBe('ok');
  });

  it('names what really runs: the WebGL renderer for the WebGL backends', () => {
    for (const r of results.filter((x) => x.status === 'ok')) {
      if (r.id === 'tfjs-webgl' || r.id === 'gpujs') expect(r.device, r.id).toMatch(/SwiftShader/i);
    }
    expect(results.find((r) => r.id === 'js')?.device).toMatch(/browser build: worker threads off/);
  });

  it('gives the same loss curve on every backend that ran (same seed, float32 tolerance)', () => {
    const ran = results.filter((r) => r.status === 'ok');
    const ref = ran[0]!;
    expect(ref.batchLosses.length).toBeGreaterThan(0);
    for (const r of ran.slice(1)) {
      expect(r.batchLosses.length, r.id).toBe(ref.batchLosses.length);
      r.batchLosses.forEach((v, i) => {
        // Measured here: at most about 1e-6 apart after 8 Adam steps; 1e-4 leaves room for other GPUs.
        const tol = 1e-4 * Math.max(1, Math.abs(ref.batchLosses[i]!));
        expect(Math.abs(v - ref.batchLosses[i]!), `${r.id} batch ${i}: ${v} vs ${ref.id} ${ref.batchLosses[i]}`).toBeLessThanOrEqual(tol);
      });
    }
  });

  it('shows the report and logs no console errors', async () => {
    expect(await page.locator('#report svg.chart').count()).toBe(4);
    expect(await page.locator('#results tbody tr').count()).toBe(results.length);
    expect(consoleErrors).toEqual([]);
  });

  it('refuses to save to a file path in the browser, saying why', async () => {
    const message = await page.evaluate(async () => {
      try {
        await window.rnnkitBench.model!.save('digit-model.safetensors');
        return 'saved';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(message).toMatch(/writing digit-model\.safetensors: .*needs Node.*stateDict\(\)/);
  });

  it('classifies a digit drawn on the pad with the model trained on the page', async () => {
    const pad = page.locator('#pad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    // A "1": one vertical stroke down the middle.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.07 * k));
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#probs')?.dataset.prediction !== undefined, undefined, { timeout: 60_000 });
    const prediction = await page.locator('#probs').getAttribute('data-prediction');
    expect(prediction).toMatch(/^[0-9]$/);
    await page.locator('#digit').screenshot({ path: `${outDir}digit.png` });
    expect(statSync(`${outDir}benchmark.png`).size).toBeGreaterThan(10_000);
    expect(consoleErrors).toEqual([]);
  });
});
