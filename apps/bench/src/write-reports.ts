// Writes results.json, results.md and report.html into the output folder.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { htmlReport } from './report-html.js';
import { markdownReport } from './report-md.js';
import type { BenchResults } from './results.js';

export interface ReportPaths {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
}

export async function writeReports(results: BenchResults, dir: string): Promise<ReportPaths> {
  await mkdir(dir, { recursive: true });
  const paths = { json: join(dir, 'results.json'), markdown: join(dir, 'results.md'), html: join(dir, 'report.html') };
  await writeFile(paths.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(paths.markdown, markdownReport(results));
  await writeFile(paths.html, htmlReport(results));
  return paths;
}
