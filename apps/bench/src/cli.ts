#!/usr/bin/env node
// `pnpm bench [options]`: runs the benchmark and writes results.json, results.md and report.html.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { buildCommand, parseArgs, type BenchOptions } from './args.js';
import { runBench } from './bench.js';
import { ConsoleProgress } from './progress.js';
import { taskHeading } from './format.js';
import { taskTable } from './report-md.js';
import { writeReports } from './write-reports.js';

function options(): BenchOptions {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') {
        process.stdout.write(buildCommand().helpInformation());
        process.exit(0);
      }
      process.stderr.write(`rnnkit-bench: ${err.message.replace(/^error: /, '')}\n(see --help)\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const opts = options();
  const progress = new ConsoleProgress();
  const logDir = join(opts.out, 'logs');
  await mkdir(logDir, { recursive: true });
  const results = await runBench(opts, progress, {
    onLog: (task, backend, log) => void writeFile(join(logDir, `${task}-${backend.replace(/[^\w.-]/g, '_')}.log`), log),
  });
  const paths = await writeReports(results, opts.out);
  for (const t of results.tasks) process.stdout.write(`\n${taskHeading(t)}\n${taskTable(t)}\n`);
  process.stdout.write(`\nreports:\n  ${paths.json}\n  ${paths.markdown}\n  ${paths.html}\n`);
  if (opts.open) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [paths.html], { stdio: 'ignore', detached: true }).on('error', () => process.stderr.write(`could not run ${opener}; open ${paths.html} yourself\n`)).unref();
  }
  const anyFailed = results.tasks.some((t) => t.runs.some((r) => r.status === 'failed'));
  process.exitCode = anyFailed ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`rnnkit-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
