// The README's example is examples/readme.mjs verbatim, and runs as written: a user who copies it
// gets a model that learns, on the backend it says it runs on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

it("README.md's example is readme.mjs, verbatim", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  const file = readFileSync(new URL('./readme.mjs', import.meta.url), 'utf8').replace(/^\/\/ The README's example, verbatim\.\n/, '');
  expect(block).toBe(file);
});

it('runs as written: one epoch on 8192 MNIST images reaches more than 60% test accuracy on js', () => {
  const out = execFileSync(process.execPath, ['readme.mjs'], { cwd: here, encoding: 'utf8' });
  expect(out).toMatch(/^epoch 1: loss \d+\.\d{4}$/m);
  const m = /^test accuracy (\d+\.\d)% on js \(cpu \(pure TypeScript, \d+ threads?\)\)$/m.exec(out);
  expect(m, out).not.toBeNull();
  expect(Number(m?.[1])).toBeGreaterThan(60);
}, 1_800_000);
