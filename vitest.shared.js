// Tests import sibling packages from their TypeScript sources, so a test run never depends on a stale dist/.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** `{ '@rnnkit/x': '<root>/packages/x/src/index.ts', ... }` for every workspace package with a src/index.ts. */
export function workspaceAliases() {
  const aliases = {};
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgFile = join(dir, name, 'package.json');
      const entry = join(dir, name, 'src', 'index.ts');
      if (!existsSync(pkgFile) || !existsSync(entry)) continue;
      aliases[JSON.parse(readFileSync(pkgFile, 'utf8')).name] = entry;
    }
  }
  return aliases;
}
