// Shared by this package's tests: real PyTorch through Debian's python3-torch, and temp folders.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Debian's interpreter: the `python3` a pyenv puts first on PATH has no torch. */
export const PYTHON = '/usr/bin/python3';

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
}

/** A fresh folder removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs python3 with `args` in `cwd`; throws with its output on failure, returns stdout. */
export function python(args: readonly string[], cwd: string, input?: string): string {
  const r = spawnSync(PYTHON, args, {
    cwd,
    input,
    encoding: 'utf8',
    // Two small ranks on a shared two-core machine: one thread each.
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
