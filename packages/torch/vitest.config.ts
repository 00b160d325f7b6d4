import { defineConfig } from 'vitest/config';
import { timeouts, workspaceAliases } from '../../vitest.shared.js';

export default defineConfig({ resolve: { alias: workspaceAliases() }, test: { ...timeouts } });
