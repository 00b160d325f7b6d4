// Timing of the LSTM layer, by default at B=128, T=28, I=28, H=128 (the sequential-MNIST shape).
// Opt-in: RNNKIT_GPUJS_BENCH=1 xvfb-run -a npx vitest run src/bench.test.ts
// Another shape: RNNKIT_GPUJS_BENCH_SHAPE=64,200,64,64 (B,T,I,H; the IMDB bench shape).
// RNNKIT_GPUJS_BENCH_GENERIC=1 also times core's generic path (the cell's step over the primitives).
// Reports forward and forward+backward wall time (after a warm-up that compiles the kernels, each
// timed run ends with a read-back so queued GL work is included), then a per-kernel profile
// (gl.finish after each kernel, which serialises the pipeline).
import { describe, expect, test } from 'vitest';
import { lstmCell, type Tensor } from '@rnnkit/core';
import { disposeGenericSaved, genericBackward, genericForward } from '@rnnkit/core/internal';
import { createTestBackend, recurrentParams } from './test-support.js';

describe.runIf(process.env.RNNKIT_GPUJS_BENCH === '1')('bench', () => {
  const [B, T, I, H] = (process.env.RNNKIT_GPUJS_BENCH_SHAPE ?? '128,28,28,128').split(',').map(Number) as [number, number, number, number];
  test(`LSTM B=${B} T=${T} I=${I} H=${H}`, async () => {
    const be = await createTestBackend();
    const G = 4;
    const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s) * 0.1);
    const t = (n: number, shape: number[], s: number): Tensor => be.tensor(rnd(n, s), shape, 'float32');
    const params = recurrentParams(t(G * H * I, [G * H, I], 1), t(G * H * H, [G * H, H], 2), t(G * H, [G * H], 3), t(G * H, [G * H], 4));
    const x = t(B * T * I, [B, T, I], 5);
    const dy = t(B * T * H, [B, T, H], 6);
    const cell = { kind: 'lstm', unitForgetBias: false } as const;
    const sizes = { inputSize: I, hiddenSize: H };
    const lstm = be.fused.lstm;
    const forward = async (training: boolean) => {
      const f = await lstm.forward({ cell, sizes, params, x, reverse: false, training });
      await be.read(f.states[0]!);
      return f;
    };
    const both = async () => {
      const f = await lstm.forward({ cell, sizes, params, x, reverse: false, training: true });
      const g = await lstm.backward({ saved: f.saved!, dy: f.y, dStates: [f.states[0]] });
      const w = await be.read(g.grads.get('weight_hh')!);
      be.disposeSaved(f.saved!);
      for (const r of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()]) be.dispose(r);
      return w;
    };
    const time = async (fn: () => Promise<unknown>, n: number) => {
      await fn();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      return (performance.now() - t0) / n;
    };
    const fwdMs = await time(async () => {
      const f = await forward(false);
      for (const r of [f.y, ...f.states]) be.dispose(r);
    }, 3);
    const bothMs = await time(both, 2);
    expect((await both()).every(Number.isFinite)).toBe(true);
    be.engine.profile = new Map();
    await both();
    const prof = [...be.engine.profile.entries()].sort((a, b) => b[1].ms - a[1].ms);
    be.engine.profile = undefined;
    console.log(`gpujs ${be.device}\nLSTM B=${B} T=${T} I=${I} H=${H}: forward ${fwdMs.toFixed(1)} ms, forward+backward ${bothMs.toFixed(1)} ms`);
    console.log('per-kernel (serialised, fwd+bwd):\n' + prof.map(([k, p]) => `  ${k.padEnd(14)} ${p.ms.toFixed(1).padStart(8)} ms  ${p.calls} calls`).join('\n'));
    if (process.env.RNNKIT_GPUJS_BENCH_GENERIC === '1') {
      const generic = async () => {
        const f = await genericForward(be, lstmCell, cell, sizes, params, { x, reverse: false, training: true });
        const g = await genericBackward(be, f.saved!, { dy: f.y, dStates: [f.states[0]] });
        const w = await be.read(g.grads.get('weight_hh')!);
        disposeGenericSaved(be, f.saved!);
        for (const r of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()]) be.dispose(r);
        return w;
      };
      const kernels = be.engine.kernelCount();
      const genericMs = await time(generic, 2);
      console.log(`generic path (core's loop over the primitives), forward+backward ${genericMs.toFixed(1)} ms; kernels compiled by it ${be.engine.kernelCount() - kernels}`);
    }
    be.close();
  }, 600_000);
});
