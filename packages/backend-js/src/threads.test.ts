// The float32 recurrent kernels split across worker threads. The workers run the compiled
// dist/fast/recurrent-worker.js, so this file tests the built package (turbo builds it before
// running its tests; `pnpm --filter @rnnkit/backend-js build` does by hand).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Backend, CellSpec, Tensor } from '@rnnkit/core';

const distIndex = new URL('../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(distIndex))) {
  throw new Error(`threads.test.ts tests the built package: ${fileURLToPath(distIndex)} is missing; run \`pnpm --filter @rnnkit/backend-js build\``);
}
const dist = (await import(distIndex.href)) as typeof import('./index.js');
const parallel = (await import(new URL('../dist/fast/parallel.js', import.meta.url).href)) as typeof import('./fast/parallel.js');
// JsBackend is internal (not in the package's exports), so it comes from its own module.
const { JsBackend } = (await import(new URL('../dist/backend.js', import.meta.url).href)) as typeof import('./backend.js');

// The conformance suite on 2 threads runs in packages/conformance (src/backend-js.test.ts).

function lstmInputs(be: Backend, B: number, T: number, I: number, H: number) {
  const G = 4 * H;
  const rnd = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s) * 0.3);
  const t = (n: number, shape: number[], s: number): Tensor => be.tensor(rnd(n, s), shape, 'float32');
  return {
    params: new Map([['weight_ih', t(G * I, [G, I], 1)], ['weight_hh', t(G * H, [G, H], 2)], ['bias_ih', t(G, [G], 3)], ['bias_hh', t(G, [G], 4)]]),
    x: t(B * T * I, [B, T, I], 5),
    lengths: Int32Array.from({ length: B }, (_, b) => 1 + ((b * 5) % T)),
  };
}

async function lstmRun(be: Backend, reverse: boolean) {
  const { params, x, lengths } = lstmInputs(be, 7, 6, 5, 4);
  const lstm = be.fused.lstm!;
  const f = await lstm.forward({ cell: { kind: 'lstm', unitForgetBias: true }, sizes: { inputSize: 5, hiddenSize: 4 }, params, x, lengths, reverse, training: true });
  const g = await lstm.backward({ saved: f.saved!, dy: f.y, dStates: f.states });
  const read = async (ts: (Tensor | undefined)[]) => Promise.all(ts.map(async (t) => Array.from(await be.read(t!))));
  const grads = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => g.grads.get(n));
  const out = { fwd: await read([f.y, ...f.states]), bwd: await read([g.dx, ...g.dStates, ...grads]) };
  be.disposeSaved(f.saved!);
  return out;
}

describe('worker threads', () => {
  it('say so in the device string', async () => {
    const be = await dist.createJsBackend({ threads: 3 });
    expect(be.device).toBe('cpu (pure TypeScript, 3 threads)');
    be.close();
    const one = await dist.createJsBackend({ threads: 1 });
    expect(one.device).toBe('cpu (pure TypeScript, 1 thread)');
    one.close();
  });

  it.each([false, true])('give the same forward values as one thread and the same gradients to float32 rounding (reverse %s, uneven blocks, lengths)', async (reverse) => {
    const one = await dist.createJsBackend({ threads: 1 });
    const three = await dist.createJsBackend({ threads: 3, parallelMinWork: 0 });
    const a = await lstmRun(one, reverse);
    const b = await lstmRun(three, reverse);
    // samples never mix in a layer: the forward pass is bit-for-bit the same
    expect(b.fwd).toEqual(a.fwd);
    a.bwd.forEach((want, k) => {
      const got = b.bwd[k]!;
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => expect(Math.abs(v - want[i]!), `gradient ${k}, element ${i}`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i]!))));
    });
    one.close();
    three.close();
  });

  it('report a worker failure as an error instead of hanging, and free worker state on release', async () => {
    const t = await parallel.startRecurrentThreads(2, 0);
    const cell: CellSpec = { kind: 'rnn', nonlinearity: 'tanh' };
    const d = { B: 4, T: 3, I: 2, H: 2 };
    const w = { wIh: new Float32Array(4).fill(0.1), wHh: new Float32Array(4).fill(0.2), bIh: new Float32Array(2), bHh: new Float32Array(2) };
    const inp = { x: new Float32Array(24).fill(1), h0: new Float32Array(8), c0: new Float32Array(8), lengths: Int32Array.of(3, 3, 3, 3), reverse: false };
    expect(t.splits(cell, d)).toBe(true);
    const f = t.forward(cell, d, w, inp, true);
    const up = { dy: f.y, dhT: undefined, dcT: undefined };
    expect(t.backward(cell, d, w, f.cache!, up).dWIh.every(Number.isFinite)).toBe(true);
    t.release(f.cache!);
    expect(() => t.backward(cell, d, w, f.cache!, up)).toThrow(/worker thread 1 failed: recurrent backward: no saved forward state with id \d+ \(freed or never trained\)/);
    // the failure left no job behind: the next call gets its own answers
    const again = t.forward(cell, d, w, inp, true);
    expect(Array.from(again.y)).toEqual(Array.from(f.y));
    t.close();
    expect(t.splits(cell, d)).toBe(false);
    expect(() => t.backward(cell, d, w, again.cache!, up)).toThrow(/worker threads holding this forward pass were stopped/);
  });

  it('reject bad thread options, naming them', async () => {
    await expect(dist.createJsBackend({ threads: 0 })).rejects.toThrow("createJsBackend: options.threads: expected a positive integer or 'auto', got 0");
    await expect(dist.createJsBackend({ threads: 1.5 })).rejects.toThrow('got 1.5');
    await expect(dist.createJsBackend({ precision: 'float64', threads: 2 })).rejects.toThrow('the float64 reference path runs on 1 thread, got 2');
    await expect(dist.createJsBackend({ threads: 2, parallelMinWork: -1 })).rejects.toThrow('options.parallelMinWork: expected a number ≥ 0, got -1');
    expect(() => new JsBackend({ threads: 2 })).toThrow('2 threads need createJsBackend()');
  });
});
