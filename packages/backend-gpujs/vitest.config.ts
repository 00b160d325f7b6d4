import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

export default defineConfig({ resolve: { alias: workspaceAliases() }, // Hooks build real data sets and engines: on a busy two-core machine they take longer than a test.
  test: { testTimeout: 60_000, hookTimeout: 300_000 } });
