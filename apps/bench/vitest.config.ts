import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

// Hooks build real data sets and engines: on a busy two-core machine they take longer than a test.
export default defineConfig({ resolve: { alias: workspaceAliases() }, test: { testTimeout: 60_000, hookTimeout: 300_000 } });
