import { defineConfig } from 'vitest/config';
import { timeouts } from '../../vitest.shared.js';

// The browser test drives the built page (dist/, served as a browser gets it), not the sources.
export default defineConfig({ test: { ...timeouts, include: ['src/**/*.test.ts'] } });
