// Recurrent layer timings at the MNIST-row shape B=128, T=28, I=28, H=128, on every engine.
// Opt-in (`pnpm bench` sets RNNKIT_TFJS_TIMING=1) so the normal test run stays short; when it
// runs it also checks that the timed kernels return finite values.

import { expect, it } from 'vitest';
import type { CellSpec } from '@rnnkit/core';
import { describeEngines, recurrentParams } from './test-support.js';

const B = 128, T = 28, I = 28, H = 128;
const enabled = process.env.RNNKIT_TFJS_TIMING === '1';

function random(n: number, scale: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return a;
}

const cells: Record<string, CellSpec> = {
  lstm: { kind: 'lstm', unitForgetBias: false },
  'gru(resetAfter)': { kind: 'gru', resetAfter: true },
  'rnn(tanh)': { kind: 'rnn', nonlinearity: 'tanh' },
};

describeEngines('timing', (backend, engine) => {
  for (const [label, cell] of Object.entries(cells)) {
    it.skipIf(!enabled)(`${label} B=${B} T=${T} I=${I} H=${H}`, async () => {
      const b = backend();
      const G = cell.kind === 'lstm' ? 4 : cell.kind === 'gru' ? 3 : 1;
      const k = 1 / Math.sqrt(H);
      const params = recurrentParams(
        b.tensor(random(G * H * I, k, 1), [G * H, I], 'float32'),
        b.tensor(random(G * H * H, k, 2), [G * H, H], 'float32'),
        b.tensor(random(G * H, k, 3), [G * H], 'float32'),
        b.tensor(random(G * H, k, 4), [G * H], 'float32'),
      );
      const kernel = b.fused[cell.kind];
      const sizes = { inputSize: I, hiddenSize: H };
      const x = b.tensor(random(B * T * I, 1, 5), [B, T, I], 'float32');
      const dy = b.tensor(random(B * T * H, 1, 6), [B, T, H], 'float32');
      const runs = engine === 'cpu' ? 3 : 10;
      const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
      // Wall time, and this process's CPU time: the machine may be shared, and wasm and cpu both
      // run on one thread, so CPU time is close to what the kernels would take on an idle machine.
      const fwd: number[] = [], both: number[] = [], fwdCpu: number[] = [], bothCpu: number[] = [];
      const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
      for (let r = 0; r < runs + 1; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const f = kernel.forward({ cell, sizes, params, x, reverse: false, training: false });
        const hT = await b.read(f.states[0]!); // forces the engine to finish
        const t1 = performance.now();
        const c1 = process.cpuUsage(c0);
        for (const t of [f.y, ...f.states]) b.dispose(t);
        expect(hT.every(Number.isFinite)).toBe(true);

        const c2 = process.cpuUsage();
        const t2 = performance.now();
        const ft = kernel.forward({ cell, sizes, params, x, reverse: false, training: true });
        const g = kernel.backward({ saved: ft.saved!, dy });
        const dW = await b.read(g.grads.get('weight_hh')!);
        const t3 = performance.now();
        const c3 = process.cpuUsage(c2);
        expect(dW.every(Number.isFinite)).toBe(true);
        for (const t of [ft.y, ...ft.states, g.dx, ...g.dStates, ...g.grads.values()]) b.dispose(t);
        b.disposeSaved(ft.saved!);
        if (r > 0) {
          // the first run warms up
          fwd.push(t1 - t0);
          both.push(t3 - t2);
          fwdCpu.push(cpuMs(c1));
          bothCpu.push(cpuMs(c3));
        }
      }
      const min = (a: number[]): number => Math.min(...a);
      const show = (wall: number[], cpu: number[]): string =>
        `wall median ${median(wall).toFixed(1)} ms (min ${min(wall).toFixed(1)}), cpu median ${median(cpu).toFixed(1)} ms`;
      console.log(
        `${b.name} (${b.device}) ${label} B=${B} T=${T} I=${I} H=${H}, ${runs} runs: ` +
          `forward ${show(fwd, fwdCpu)}; forward+backward ${show(both, bothCpu)}`,
      );
      for (const t of [...params.values(), x, dy]) b.dispose(t);
    }, 600_000);
  }
});
