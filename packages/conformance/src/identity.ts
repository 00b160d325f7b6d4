// What a backend says about itself: the specification it implements, its name, what it runs
// on, its precision and its capabilities.
import { describe, expect, it } from 'vitest';
import { SPECIFICATION_VERSION } from '@rnnkit/core';
import type { Suite } from './suite.js';

export function describeIdentity(s: Suite): void {
  const b = s.backend;
  describe('identity', () => {
    it(`implements specification ${SPECIFICATION_VERSION}`, () => {
      expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
    });
    it('name, device and precision are non-empty strings', () => {
      for (const key of ['name', 'device', 'precision'] as const) {
        expect(typeof b[key], key).toBe('string');
        expect(b[key].trim().length, `${key} must not be empty`).toBeGreaterThan(0);
      }
      expect(['float32', 'float64']).toContain(b.precision);
    });
    it('capabilities are declared', () => {
      const c = b.capabilities;
      expect(typeof c.training).toBe('boolean');
      expect(typeof c.gruResetBefore).toBe('boolean');
      expect(typeof c.sequenceLengths).toBe('boolean');
      expect(c.cells.length).toBeGreaterThan(0);
      for (const cell of c.cells) expect(['rnn', 'lstm', 'gru']).toContain(cell);
    });
  });
}
