// Engine selection: names tell the truth, and tfjs's one global engine is never shared by two
// backends that asked for different engines.

import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createTfjsBackend } from './index.js';

it('defaults to wasm in Node and reports what runs', async () => {
  const b = await createTfjsBackend();
  expect(tf.getBackend()).toBe('wasm');
  expect(b.name).toBe('tfjs-wasm');
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  expect(b.device).toBe(`tfjs ${tf.version_core} wasm (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`);
  expect(b.precision).toBe('float32');
  b.close();
});

it('refuses a second backend on a different engine while the first is alive, then switches after close()', async () => {
  const wasm = await createTfjsBackend({ engine: 'wasm' });
  await expect(createTfjsBackend({ engine: 'cpu' })).rejects.toThrow(/engine 'cpu' requested while a TfjsBackend on 'wasm' is alive/);
  const again = await createTfjsBackend({ engine: 'auto' }); // the same engine is fine
  expect(again.name).toBe('tfjs-wasm');
  again.close();
  await expect(createTfjsBackend({ engine: 'cpu' })).rejects.toThrow(/alive/); // `wasm` still open
  wasm.close();
  const cpu = await createTfjsBackend({ engine: 'cpu' });
  expect(cpu.name).toBe('tfjs-cpu');
  expect(tf.getBackend()).toBe('cpu');
  cpu.close();
});

it('an engine that cannot load in Node says so instead of falling back', async () => {
  await expect(createTfjsBackend({ engine: 'webgl' })).rejects.toThrow(/engine 'webgl'.*tfjs-backend-webgl/);
  await expect(createTfjsBackend({ engine: 'gpu' as never })).rejects.toThrow(/engine: expected 'wasm', 'cpu', 'webgl' or 'auto', got 'gpu'/);
});

it('a closed backend refuses work', async () => {
  const b = await createTfjsBackend({ engine: 'wasm' });
  b.close();
  expect(() => b.zeros([1])).toThrow(/tfjs-wasm\.zeros: the backend was closed/);
});
