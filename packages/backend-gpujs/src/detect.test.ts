// What really runs: HeadlessGLKernel under Xvfb, a clear error without a display when WebGL is
// required, and a named fallback otherwise. The no-display cases run detect.ts in a child
// process (gpu.js caches its headless-gl support check per process).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import type { GpujsBackend } from './backend.js';
import { createGpujsBackend } from './index.js';
import { allowFallback, recurrentParams } from './test-support.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Transpile detect.ts next to node_modules (so `gpu.js` resolves) and run it without DISPLAY. */
function detectWithoutDisplay(mode: string, requireWebGL: boolean): { ok: boolean; text: string } {
  const dir = join(here, '../node_modules/.rnnkit-test');
  mkdirSync(dir, { recursive: true });
  const js = ts.transpileModule(readFileSync(join(here, 'detect.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  }).outputText;
  writeFileSync(join(dir, 'detect.mjs'), js);
  const script = `import { detectGpujs } from './detect.mjs';
    try { const d = detectGpujs(${JSON.stringify(mode)}, ${requireWebGL}); console.log('OK ' + d.kind + ' ' + d.kernelClass + ' | ' + d.device); d.gpu.destroy(); }
    catch (e) { console.log('ERR ' + e.message); }`;
  writeFileSync(join(dir, 'run.mjs'), script);
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.XAUTHORITY;
  const out = execFileSync(process.execPath, [join(dir, 'run.mjs')], { env, encoding: 'utf8' }).trim();
  const last = out.split('\n').pop() ?? '';
  return { ok: last.startsWith('OK '), text: last };
}

describe('engine detection', () => {
  test.skipIf(allowFallback)('under Xvfb the kernels are HeadlessGLKernel and the device names the GL renderer', async () => {
    const be = (await createGpujsBackend({ requireWebGL: true })) as GpujsBackend;
    try {
      expect(be.name).toBe('gpujs-webgl');
      expect(be.engine.kernelClass).toBe('HeadlessGLKernel');
      expect(be.device).toMatch(/^webgl \(HeadlessGLKernel, ANGLE/);
      // every compiled kernel is checked too: a dense layer compiles a matmul kernel
      const w = be.tensor(new Float32Array([1, 2]), [1, 2], 'float32');
      const b = be.zeros([1]);
      const { y } = await be.denseForward(w, b, be.tensor(new Float32Array([3, 4]), [1, 2], 'float32'), false);
      expect(Array.from(await be.read(y))).toEqual([11]);
    } finally {
      be.close();
    }
  });

  test('without a display, requireWebGL fails with a clear error instead of falling back', () => {
    const r = detectWithoutDisplay('auto', true);
    expect(r.ok, r.text).toBe(false);
    expect(r.text).toMatch(/gpujs: WebGL requested but gpu.js fell back to (WebAssemblyKernel|CPUKernel); in Node run under xvfb-run/);
    const w = detectWithoutDisplay('webgl', false);
    expect(w.ok, w.text).toBe(false);
    expect(w.text).toMatch(/WebGL requested but gpu.js fell back/);
  });

  test('without a display, auto mode reports the fallback it runs', () => {
    const r = detectWithoutDisplay('auto', false);
    expect(r.ok, r.text).toBe(true);
    expect(r.text).toMatch(/^OK (wasm WebAssemblyKernel|cpu CPUKernel) \| (wasm|cpu) \(\w+, gpu.js fallback\)$/);
  });

  test("mode 'cpu' runs gpu.js CPU kernels through the same code (host arrays instead of textures)", async () => {
    const be = await createGpujsBackend({ mode: 'cpu' });
    try {
      expect(be.name).toBe('gpujs-cpu');
      const w = be.tensor(new Float32Array([1, 2, 3, 4]), [2, 2], 'float32');
      const { y } = await be.denseForward(w, be.tensor(new Float32Array([1, -1]), [2], 'float32'), be.tensor(new Float32Array([1, 1]), [1, 2], 'float32'), false);
      expect(Array.from(await be.read(y))).toEqual([4, 6]);
      const cell = { kind: 'lstm', unitForgetBias: false };
      const z = (n: number, shape: number[]) => be.tensor(new Float32Array(n).fill(0.1), shape, 'float32');
      const fwd = await be.fused.lstm!.forward({
        cell, sizes: { inputSize: 1, hiddenSize: 2 }, params: recurrentParams(z(8, [8, 1]), z(16, [8, 2]), z(8, [8]), z(8, [8])),
        x: z(3, [1, 3, 1]), reverse: false, training: true,
      });
      const g = await be.fused.lstm!.backward({ saved: fwd.saved!, dStates: [z(2, [1, 2])] });
      expect((await be.read(g.grads.get('weight_hh')!)).every((v) => Number.isFinite(v) && v !== 0)).toBe(true);
      // the primitives run through the same kernels on host arrays
      const t = await be.slice(await be.activation('sigmoid', z(6, [2, 3])), 1, 1, 2);
      expect(Array.from(await be.read(t)).map((v) => v.toFixed(4))).toEqual(new Array(4).fill((1 / (1 + Math.exp(-0.1))).toFixed(4)));
    } finally {
      be.close();
    }
  });

  test('bad options are rejected', async () => {
    await expect(createGpujsBackend({ mode: 'gpu' as never })).rejects.toThrow(/options.mode must be 'webgl', 'auto' or 'cpu', got gpu/);
    await expect(createGpujsBackend({ mode: 'cpu', requireWebGL: true })).rejects.toThrow(/contradicts/);
  });
});
