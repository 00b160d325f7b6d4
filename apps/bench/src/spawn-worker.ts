// Runs one backend (or the peer) on one task in a child process and relays its progress.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TaskConfig } from './config.js';
import type { WorkerMessage, WorkerRequest } from './messages.js';
import type { ProgressSink } from './progress.js';
import type { BackendRun } from './results.js';

export interface SpawnOptions {
  /** Run the child under `xvfb-run -a` (a backend that needs a display, and none is set). */
  readonly xvfb: boolean;
  /** Extra environment for the child. */
  readonly env?: NodeJS.ProcessEnv;
  /** Stop the worker (its whole process group) after this many seconds and report a timeout. */
  readonly hardLimitSeconds?: number | undefined;
}

export const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

let xvfbRunAvailable: boolean | undefined;
export function hasXvfbRun(): boolean {
  xvfbRunAvailable ??= spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
  return xvfbRunAvailable;
}

/** Keeps the last `max` characters of a stream (for failure reasons and logs). */
function tail(max: number): { push(s: string): void; text(): string } {
  let buf = '';
  return {
    push(s) {
      buf = (buf + s).slice(-max);
    },
    text: () => buf,
  };
}

export function runWorker(backend: string, config: TaskConfig, progress: ProgressSink, prefix: string, opts: SpawnOptions): Promise<{ run: BackendRun; log: string }> {
  const started = performance.now();
  const env = { ...process.env, ...opts.env };
  let child: ChildProcess;
  // Its own process group (detached), so that a timeout or Ctrl+C can end the worker together with
  // what it started (xvfb-run's X server), by the group's id.
  if (opts.xvfb) {
    // xvfb-run starts an X server, runs node as its child with our IPC fd inherited, and tears it down.
    child = spawn('xvfb-run', ['-a', process.execPath, ...process.execArgv, WORKER_PATH], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env, detached: true });
  } else {
    child = fork(WORKER_PATH, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env, detached: true });
  }
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup('SIGTERM');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const output = tail(64 * 1024);
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));

  return new Promise((resolve) => {
    let result: BackendRun | undefined;
    let phase = 'start';
    let timedOut = false;
    const limit = opts.hardLimitSeconds;
    const timer =
      limit === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup('SIGTERM');
            setTimeout(() => killGroup('SIGKILL'), 3000).unref();
          }, limit * 1000);
    const fail = (reason: string): BackendRun => ({
      backend,
      kind: backend.startsWith('peer:') ? 'peer' : 'rnnkit',
      status: 'failed',
      reason,
      epochs: [],
      lossCurve: [],
      wallSeconds: (performance.now() - started) / 1000,
    });
    child.on('message', (raw) => {
      const m = raw as WorkerMessage;
      switch (m.type) {
        case 'phase':
          phase = m.label;
          progress.phase(prefix, m.label, m.total, m.unit);
          break;
        case 'tick':
          progress.tick(m.done, m.loss);
          break;
        case 'note':
          progress.note(m.text);
          break;
        case 'result':
          result = m.run;
          break;
      }
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress.end();
      resolve({ run: fail(`could not start the worker process: ${err.message}`), log: output.text() });
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress.end();
      if (result) return resolve({ run: result, log: output.text() });
      if (timedOut) {
        const run = fail(`stopped after ${limit} s (twice the time budget) during '${phase}'; run it with a larger --budget or --budget 0`);
        return resolve({ run: { ...run, status: 'timeout' }, log: output.text() });
      }
      const last = output.text().trim().split('\n').slice(-6).join(' | ');
      resolve({ run: fail(`worker process exited (${signal ?? `code ${code}`}) without a result${last ? `: ${last}` : ''}`), log: output.text() });
    });
    const req: WorkerRequest = { type: 'run', backend, config };
    child.send(req);
  });
}
