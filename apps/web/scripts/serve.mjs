// `pnpm web`: serve the built page (apps/web/dist) on http://127.0.0.1:5178/ (PORT to change it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.mjs';

const root = fileURLToPath(new URL('../dist/', import.meta.url));
if (!existsSync(root)) {
  console.error('apps/web/dist is missing: build the page first (pnpm web, or pnpm -F @rnnkit/web build)');
  process.exit(1);
}
const { url } = await serveStatic(root, { port: Number(process.env.PORT ?? 5178) });
console.log(`rnnkit benchmark page: ${url}  (quick profile: ${url}?profile=quick; Ctrl-C to stop)`);
