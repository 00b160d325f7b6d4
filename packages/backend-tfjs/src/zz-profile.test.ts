import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { createTfjsBackend } from './index.js';

it('profile', async () => {
  const engine = (process.env.ENG ?? 'wasm') as 'wasm';
  const b = await createTfjsBackend({ engine });
  const B = 128, T = 28, I = 28, H = 128;
  const cell = { kind: (process.env.CELL ?? 'lstm') } as never;
  const G = process.env.CELL === 'gru' ? 3 : process.env.CELL === 'rnn' ? 1 : 4;
  if (process.env.CELL === 'gru') (cell as any).resetAfter = true;
  if (process.env.CELL === 'rnn') (cell as any).nonlinearity = 'tanh';
  const r = (n: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(k) * 0.1);
  const params = { wIh: b.tensor(r(G * H * I), [G * H, I], 'float32'), wHh: b.tensor(r(G * H * H), [G * H, H], 'float32'), bIh: b.tensor(r(G * H), [G * H], 'float32'), bHh: b.tensor(r(G * H), [G * H], 'float32') };
  const x = b.tensor(r(B * T * I), [B, T, I], 'float32');
  const dy = b.tensor(r(B * T * H), [B, T, H], 'float32');
  for (let k = 0; k < 2; k++) {
    const f = b.recurrentForward({ cell, params, x, reverse: false, training: true });
    const g = b.recurrentBackward({ saved: f.saved!, dy });
    await b.read(g.dWHh);
  }
  for (const phase of ['fwd', 'bwd']) {
    let saved: any;
    let f: any;
    if (phase === 'bwd') f = b.recurrentForward({ cell, params, x, reverse: false, training: true });
    const t0 = performance.now();
    const prof = await tf.profile(() => {
      if (phase === 'fwd') { b.recurrentForward({ cell, params, x, reverse: false, training: true }); }
      else b.recurrentBackward({ saved: f.saved!, dy });
      return tf.scalar(0);
    });
    const wall = performance.now() - t0;
    const agg = new Map<string, [number, number]>();
    for (const k of prof.kernels) { const e = agg.get(k.name) ?? [0, 0]; e[0] += 1; e[1] += (k.kernelTimeMs as number); agg.set(k.name, e); }
    const rows = [...agg.entries()].sort((a, c) => c[1][1] - a[1][1]);
    const total = rows.reduce((s, r) => s + r[1][1], 0);
    console.log(`${phase}: wall ${wall.toFixed(1)} ms, kernels ${total.toFixed(1)} ms, ${prof.kernels.length} kernels\n` + rows.map(([n, [c, ms]]) => `  ${n}: ${c} calls ${ms.toFixed(1)} ms`).join('\n'));
    void saved;
  }
  b.close();
}, 600000);
