// What a backend says about itself: the specification it implements, its name, what it runs
// on, its precision and its capabilities.
import { describe, expect, it } from 'vitest';
import { SPECIFICATION_VERSION } from '@rnnkit/core';
import type { Suite } from './suite.js';

export function describeIdentity(s: Suite): void {
  describe('identity', () => {
    it(`implements specification ${SPECIFICATION_VERSION}`, () => {
      const b = s.backend;
      expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
    });
    it('name, device and precision are non-empty strings, and the same as the first instance declared', () => {
      const b = s.backend;
      for (const key of ['name', 'device', 'precision'] as const) {
        expect(typeof b[key], key).toBe('string');
        expect(b[key].trim().length, `${key} must not be empty`).toBeGreaterThan(0);
      }
      expect(['float32', 'float64']).toContain(b.precision);
      expect(b.capabilities).toEqual(s.caps);
    });
    it('capabilities are declared', () => {
      const c = s.backend.capabilities;
      expect(typeof c.training).toBe('boolean');
      expect(Object.keys(c).sort()).toEqual(['training']);
      // Fused kernels are optional; each one declared is a forward/backward pair.
      for (const [kind, k] of Object.entries(s.backend.fused)) {
        expect(typeof k?.forward, `fused.${kind}.forward`).toBe('function');
        expect(typeof k?.backward, `fused.${kind}.backward`).toBe('function');
      }
      expect(s.backend.specificationVersion).toBe(SPECIFICATION_VERSION);
    });
    it('read() returns floats in the declared precision and int32 as Int32Array, with the values uploaded', async () => {
      const b = s.backend;
      const f = b.tensor(Float64Array.from([0.5, -2, 3.25]), [3], 'float32');
      const i = b.tensor(Int32Array.from([7, -1]), [2], 'int32');
      const z = b.zeros([2, 2]);
      try {
        const fv = await b.read(f);
        expect(fv).toBeInstanceOf(b.precision === 'float64' ? Float64Array : Float32Array);
        expect(Array.from(fv)).toEqual([0.5, -2, 3.25]);
        const iv = await b.read(i);
        expect(iv).toBeInstanceOf(Int32Array);
        expect(Array.from(iv)).toEqual([7, -1]);
        expect(Array.from(await b.read(z))).toEqual([0, 0, 0, 0]);
        expect(f.shape).toEqual([3]);
        expect(f.dtype).toBe('float32');
        expect(i.dtype).toBe('int32');
      } finally {
        [f, i, z].forEach((t) => b.dispose(t));
      }
    });
  });
}
