// Timing of the benchmark-sized layer (B=128, T=28, I=28, H=128), per cell, with 1 and 2 intra-op threads:
// inference forward (native op) and a training forward + backward. Medians, so that a shared machine's load
// spikes matter less; process CPU time too (all threads), which load from other processes disturbs less. Run with RNNKIT_ONNX_TIMING=1; skipped otherwise so the suite stays fast.

import { expect, it } from 'vitest';
import type { CellSpec } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { createOnnxBackend } from './index.js';
import { fusedKernel, recurrentParams } from './test-support.js';

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

it.skipIf(!process.env.RNNKIT_ONNX_TIMING)('layer timing (RNNKIT_ONNX_TIMING_SHAPE=B,T,I,H; default 128,28,28,128)', async () => {
  const [B, T, I, H] = (process.env.RNNKIT_ONNX_TIMING_SHAPE ?? "128,28,28,128").split(",").map(Number) as [number, number, number, number];
  const rounds = Number(process.env.RNNKIT_ONNX_TIMING_ROUNDS ?? 25);
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 0.2 - 0.1);
  const cells = ([{ kind: 'lstm', unitForgetBias: false }, { kind: 'gru', resetAfter: true }, { kind: 'rnn', nonlinearity: 'tanh' }] as CellSpec[]).filter(
    (c) => !process.env.RNNKIT_ONNX_TIMING_CELL || c.kind === process.env.RNNKIT_ONNX_TIMING_CELL,
  );
  const backends = [
    await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 }),
    await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 2 }),
  ];
  for (const cell of cells) {
    const GH = gateCount(cell.kind) * H;
    const setups = backends.map((bk) => ({
      bk,
      x: bk.tensor(rnd(B * T * I), [B, T, I], 'float32'),
      dhT: bk.tensor(rnd(B * H), [B, H], 'float32'),
      params: recurrentParams(
        bk.tensor(rnd(GH * I), [GH, I], 'float32'),
        bk.tensor(rnd(GH * H), [GH, H], 'float32'),
        bk.tensor(rnd(GH), [GH], 'float32'),
        bk.tensor(rnd(GH), [GH], 'float32'),
      ),
      inference: [] as number[],
      training: [] as number[],
      trainingCpu: [] as number[],
    }));
    for (let round = 0; round < rounds + 3; round++) {
      for (const s of setups) {
        const kernel = fusedKernel(s.bk, cell);
        const args = { cell, sizes: { inputSize: I, hiddenSize: H }, params: s.params, x: s.x, reverse: false };
        const t0 = performance.now();
        const f = await kernel.forward({ ...args, training: false });
        const t1 = performance.now();
        const cpu0 = process.cpuUsage();
        const ft = await kernel.forward({ ...args, training: true });
        const g = await kernel.backward({ saved: ft.saved!, dStates: [s.dhT] });
        const t2 = performance.now();
        const cpu = process.cpuUsage(cpu0);
        if (round >= 3) {
          s.inference.push(t1 - t0);
          s.training.push(t2 - t1);
          s.trainingCpu.push((cpu.user + cpu.system) / 1000);
        }
        s.bk.disposeSaved(ft.saved!);
        for (const t of [f.y, ...f.states, ft.y, ...ft.states, g.dx, ...g.dStates, ...g.grads.values()]) s.bk.dispose(t);
      }
    }
    setups.forEach((s, k) => {
      console.log(
        `${cell.kind} ${k + 1} thread(s): forward (native op) ${median(s.inference).toFixed(1)} ms, ` +
          `training forward + backward ${median(s.training).toFixed(1)} ms (process CPU time ${median(s.trainingCpu).toFixed(1)} ms)`,
      );
      expect(median(s.training)).toBeGreaterThan(0);
    });
  }
  for (const bk of backends) bk.close();
});
