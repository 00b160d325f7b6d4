// Tests import sibling packages from their TypeScript sources, so a test run never depends on a stale dist/.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * `{ '@rnnkit/x': '<root>/packages/x/src/index.ts', ... }` for every workspace package with a src/index.ts,
 * and each subpath export `@rnnkit/x/sub` to `src/sub/index.ts` or `src/sub.ts` (listed first: an alias
 * matches by prefix, so the longer name must win).
 */
export function workspaceAliases() {
  const subpaths = [];
  const aliases = {};
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgFile = join(dir, name, 'package.json');
      const entry = join(dir, name, 'src', 'index.ts');
      if (!existsSync(pkgFile) || !existsSync(entry)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      aliases[pkg.name] = entry;
      for (const key of Object.keys(pkg.exports ?? {})) {
        const sub = key.replace(/^\.\//, '');
        if (key === '.' || sub === 'package.json') continue;
        const file = [join(dir, name, 'src', sub, 'index.ts'), join(dir, name, 'src', `${sub}.ts`)].find((f) => existsSync(f));
        if (file) subpaths.push({ find: `${pkg.name}/${sub}`, replacement: file });
      }
    }
  }
  return [...subpaths, ...Object.entries(aliases).map(([find, replacement]) => ({ find, replacement }))];
}

/**
 * Tests assert correctness, never speed, so no limit a slow or busy machine can reach: a limit
 * is only there to end a hang (30 min; CI's own limit covers the whole run).
 */
export const timeouts = { testTimeout: 1_800_000, hookTimeout: 1_800_000 };
