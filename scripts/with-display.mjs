#!/usr/bin/env node
// Runs a command with an X display, so gpu.js' headless-gl gets a real WebGL context in Node.
// Uses the current DISPLAY when there is one, else wraps the command in `xvfb-run -a`.
// Without either, the command runs as is and the WebGL tests fail loudly (never silently fall back).
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: with-display.mjs <command> [args...]');
  process.exit(2);
}
const hasXvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
const [cmd, ...rest] =
  process.env.DISPLAY || !hasXvfb ? args : ['xvfb-run', '-a', '-s', '-screen 0 1280x1024x24', ...args];
if (!process.env.DISPLAY && !hasXvfb) {
  console.error('with-display: no DISPLAY and no xvfb-run; WebGL (gpu.js) tests will fail. Install xvfb and xauth.');
}
const r = spawnSync(cmd, rest, { stdio: 'inherit' });
process.exit(r.status ?? 1);
