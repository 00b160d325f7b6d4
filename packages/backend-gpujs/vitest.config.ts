import { defineConfig } from 'vitest/config';
import { timeouts, workspaceAliases } from '../../vitest.shared.js';

// --expose-gc: leak.test.ts measures RSS after a full GC, so that JS garbage is not mistaken for a leak.
export default defineConfig({ resolve: { alias: workspaceAliases() }, test: { ...timeouts, execArgv: ['--expose-gc'] } });
