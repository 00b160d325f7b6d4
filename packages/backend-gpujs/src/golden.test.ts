// The PyTorch golden cases (packages/conformance/golden/recurrent.json), one layer at a time:
// every single-layer case, unidirectional ones directly and bidirectional ones as a forward and a
// reverse recurrentForward/Backward (which exercises `reverse`). Tolerance: |a−e| / (1+|e|) ≤ 1e-4
// (float32 on a GL fragment pipeline, reference float64).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CellSpec, Tensor } from '@rnnkit/core';
import type { GpujsBackend } from './backend.js';
import { allowFallback, createTestBackend, maxRelErr, TOL } from './test-support.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  mode: 'RNN' | 'LSTM' | 'GRU';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  lengths: number[] | null;
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
  params: Record<string, Arr>;
  inputs: Record<string, Arr>;
  upstream: Record<string, Arr>;
  outputs: Record<string, Arr>;
  grads: Record<string, Arr>;
}

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(join(here, '../../conformance/golden/recurrent.json'), 'utf8')) as { cases: Case[] };
const cases = golden.cases.filter((c) => c.numLayers === 1);

function cellOf(c: Case): CellSpec {
  if (c.mode === 'RNN') return { kind: 'rnn', nonlinearity: c.nonlinearity ?? 'tanh' };
  if (c.mode === 'LSTM') return { kind: 'lstm' };
  return { kind: 'gru', resetAfter: c.resetAfter ?? true };
}

let be: GpujsBackend;
beforeAll(async () => {
  be = await createTestBackend();
});
afterAll(() => be?.close());

test('runs on WebGL (HeadlessGLKernel) unless RNNKIT_GPUJS_ALLOW_FALLBACK=1', () => {
  if (!allowFallback) {
    expect(be.name).toBe('gpujs-webgl');
    expect(be.engine.kernelClass).toBe('HeadlessGLKernel');
  }
});

describe.each(cases.map((c) => [c.name, c] as const))('golden %s', (_name, c) => {
  test('forward outputs and every gradient match PyTorch', async () => {
    const H = c.hiddenSize;
    const [B, T] = c.inputs.x!.shape as [number, number, number];
    const D = c.bidirectional ? 2 : 1;
    const owned: Tensor[] = [];
    const t = (a: Arr, shape = a.shape): Tensor => {
      const x = be.tensor(Float64Array.from(a.data), shape, 'float32');
      owned.push(x);
      return x;
    };
    const sliceDir = (a: Arr | undefined, d: number): Tensor | undefined =>
      a ? t({ shape: [B, H], data: a.data.slice(d * B * H, (d + 1) * B * H) }) : undefined;
    const lengths = c.lengths ? Int32Array.from(c.lengths) : undefined;
    const x = t(c.inputs.x!);
    // y: [B, T, D·H] from per-direction [B, T, H]
    const yExp = c.outputs.output!.data;
    const dOut = c.upstream.dOutput!.data;
    const pick = (src: number[], d: number): number[] => {
      const out: number[] = [];
      for (let r = 0; r < B * T; r++) for (let j = 0; j < H; j++) out.push(src[r * D * H + d * H + j]!);
      return out;
    };
    const dxSum = new Float64Array(B * T * c.inputSize);
    const before = be.liveTensors();
    for (let d = 0; d < D; d++) {
      const sfx = `_l0${d === 1 ? '_reverse' : ''}`;
      const params = {
        wIh: t(c.params[`weight_ih${sfx}`]!),
        wHh: t(c.params[`weight_hh${sfx}`]!),
        bIh: t(c.params[`bias_ih${sfx}`]!),
        bHh: t(c.params[`bias_hh${sfx}`]!),
      };
      const fwd = be.recurrentForward({
        cell: cellOf(c), params, x, h0: sliceDir(c.inputs.h0, d), c0: sliceDir(c.inputs.c0, d),
        lengths, reverse: d === 1, training: true,
      });
      const check = async (what: string, got: Tensor | undefined, exp: ArrayLike<number>): Promise<void> => {
        expect(got, what).toBeDefined();
        const err = maxRelErr(await be.read(got!), exp);
        expect(err, `${c.name} dir ${d} ${what}: max rel err ${err}`).toBeLessThanOrEqual(TOL);
      };
      await check('y', fwd.y, pick(yExp, d));
      await check('hT', fwd.hT, c.outputs.h!.data.slice(d * B * H, (d + 1) * B * H));
      if (c.mode === 'LSTM') await check('cT', fwd.cT, c.outputs.c!.data.slice(d * B * H, (d + 1) * B * H));
      const dy = t({ shape: [B, T, H], data: pick(dOut, d) });
      const dhT = sliceDir(c.upstream.dH, d);
      const dcT = sliceDir(c.upstream.dC, d);
      const g = be.recurrentBackward({ saved: fwd.saved!, dy, dhT, dcT });
      await check('dWIh', g.dWIh, c.grads[`weight_ih${sfx}`]!.data);
      await check('dWHh', g.dWHh, c.grads[`weight_hh${sfx}`]!.data);
      await check('dBIh', g.dBIh, c.grads[`bias_ih${sfx}`]!.data);
      await check('dBHh', g.dBHh, c.grads[`bias_hh${sfx}`]!.data);
      if (c.grads.h0) await check('dh0', g.dh0, c.grads.h0.data.slice(d * B * H, (d + 1) * B * H));
      if (c.grads.c0) await check('dc0', g.dc0, c.grads.c0.data.slice(d * B * H, (d + 1) * B * H));
      const dx = await be.read(g.dx);
      dx.forEach((v, i) => (dxSum[i]! += v));
      be.disposeSaved(fwd.saved!);
      for (const r of [fwd.y, fwd.hT, fwd.cT, g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh]) if (r) be.dispose(r);
    }
    const errDx = maxRelErr(dxSum, c.grads.x!.data);
    expect(errDx, `${c.name} dx: max rel err ${errDx}`).toBeLessThanOrEqual(TOL);
    expect(be.liveTensors() - before).toBe(owned.length - owned.indexOf(x) - 1);
    for (const o of owned) be.dispose(o);
  });
});
