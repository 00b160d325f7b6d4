// Timing of the LSTM layer the benchmarks use (B=128, T=28, I=28, H=128, 2 threads). Run with
// RNNKIT_ONNX_TIMING=1; skipped otherwise so the suite stays fast on a shared machine.

import { expect, it } from 'vitest';
import { createOnnxBackend } from './index.js';

it.skipIf(!process.env.RNNKIT_ONNX_TIMING)('LSTM B=128 T=28 I=28 H=128 timing (2 threads)', async () => {
  const bk = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 2 });
  const [B, T, I, H] = [128, 28, 28, 128];
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 0.2 - 0.1);
  const x = bk.tensor(rnd(B * T * I), [B, T, I], 'float32');
  const params = {
    wIh: bk.tensor(rnd(4 * H * I), [4 * H, I], 'float32'),
    wHh: bk.tensor(rnd(4 * H * H), [4 * H, H], 'float32'),
    bIh: bk.tensor(rnd(4 * H), [4 * H], 'float32'),
    bHh: bk.tensor(rnd(4 * H), [4 * H], 'float32'),
  };
  const dhT = bk.tensor(rnd(B * H), [B, H], 'float32');
  const time = (label: string, n: number, f: () => void): number => {
    for (let k = 0; k < 3; k++) f();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) f();
    const ms = (performance.now() - t0) / n;
    console.log(`${label}: ${ms.toFixed(2)} ms`);
    return ms;
  };
  const fwd = time('forward (native LSTM op)', 30, () => {
    const r = bk.recurrentForward({ cell: { kind: 'lstm' }, params, x, reverse: false, training: false });
    for (const t of [r.y, r.hT, r.cT!]) bk.dispose(t);
  });
  const fb = time('forward + backward (training)', 20, () => {
    const r = bk.recurrentForward({ cell: { kind: 'lstm' }, params, x, reverse: false, training: true });
    const g = bk.recurrentBackward({ saved: r.saved!, dhT });
    bk.disposeSaved(r.saved!);
    for (const t of [r.y, r.hT, r.cT!, g.dx, g.dh0, g.dc0!, g.dWIh, g.dWHh, g.dBIh, g.dBHh]) bk.dispose(t);
  });
  expect(fb).toBeGreaterThan(fwd);
  bk.close();
});
