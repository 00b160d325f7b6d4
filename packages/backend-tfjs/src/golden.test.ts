// PyTorch golden cases (packages/conformance/golden/recurrent.json, float64) on both engines:
// every single-layer case, unidirectional and bidirectional (a bidirectional layer is our
// forward direction plus our reverse direction, outputs concatenated on the feature axis).
// loss = Σ output·dOutput + Σ h·dH + Σ c·dC, so dy = dOutput, dhT = dH[d], dcT = dC[d].

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import type { Backend, CellSpec, RecurrentBackwardResult, Tensor } from '@rnnkit/core';
import { describeEngines, expectClose, f32 } from './test-support.js';

interface GoldenTensor { shape: number[]; data: number[] }
interface GoldenCase {
  name: string;
  mode: 'RNN' | 'LSTM' | 'GRU';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
  lengths: number[] | null;
  params: Record<string, GoldenTensor>;
  inputs: Record<string, GoldenTensor>;
  upstream: Record<string, GoldenTensor>;
  outputs: Record<string, GoldenTensor>;
  grads: Record<string, GoldenTensor>;
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../conformance/golden/recurrent.json', import.meta.url)), 'utf8')) as {
  cases: GoldenCase[];
};
const cases = golden.cases.filter((c) => c.numLayers === 1);

function cellOf(c: GoldenCase): CellSpec {
  if (c.mode === 'LSTM') return { kind: 'lstm' };
  if (c.mode === 'GRU') return { kind: 'gru', resetAfter: c.resetAfter ?? true };
  return { kind: 'rnn', nonlinearity: c.nonlinearity ?? 'tanh' };
}

/** Rows [B, T, D·H] → the d-th H-wide block of the last axis: [B, T, H]. */
function block(t: GoldenTensor, d: number, D: number): number[] {
  const H = t.shape[t.shape.length - 1]! / D;
  const out: number[] = [];
  for (let r = 0; r < t.data.length / (D * H); r++) out.push(...t.data.slice(r * D * H + d * H, r * D * H + (d + 1) * H));
  return out;
}

/** [D, B, H] → the d-th [B, H] slab. */
function slab(t: GoldenTensor, d: number): number[] {
  const n = t.data.length / t.shape[0]!;
  return t.data.slice(d * n, (d + 1) * n);
}

async function runCase(b: Backend, c: GoldenCase): Promise<void> {
  const D = c.bidirectional ? 2 : 1;
  const [B = 0, T = 0] = c.inputs.x!.shape;
  const H = c.hiddenSize;
  const cell = cellOf(c);
  const lstm = c.mode === 'LSTM';
  const owned: Tensor[] = [];
  const up = (data: number[], shape: number[]): Tensor => {
    const t = f32(b, data, shape);
    owned.push(t);
    return t;
  };
  const x = up(c.inputs.x!.data, c.inputs.x!.shape);
  const lengths = c.lengths === null ? undefined : Int32Array.from(c.lengths);
  let dxSum: number[] | undefined;
  for (let d = 0; d < D; d++) {
    const sfx = d === 0 ? '_l0' : '_l0_reverse';
    const p = (n: string): Tensor => up(c.params[n + sfx]!.data, c.params[n + sfx]!.shape);
    const params = { wIh: p('weight_ih'), wHh: p('weight_hh'), bIh: p('bias_ih'), bHh: p('bias_hh') };
    const h0 = c.inputs.h0 === undefined ? undefined : up(slab(c.inputs.h0, d), [B, H]);
    const c0 = lstm && c.inputs.c0 !== undefined ? up(slab(c.inputs.c0, d), [B, H]) : undefined;
    const fwd = b.recurrentForward({ cell, params, x, h0, c0, lengths, reverse: d === 1, training: true });
    const where = `${c.name} direction ${d}`;
    expectClose(await b.read(fwd.y), block(c.outputs.output!, d, D), `${where} output`);
    expectClose(await b.read(fwd.hT), slab(c.outputs.h!, d), `${where} h`);
    if (lstm) expectClose(await b.read(fwd.cT!), slab(c.outputs.c!, d), `${where} c`);

    const dy = up(block(c.upstream.dOutput!, d, D), [B, T, H]);
    const dhT = up(slab(c.upstream.dH!, d), [B, H]);
    const dcT = lstm ? up(slab(c.upstream.dC!, d), [B, H]) : undefined;
    const g: RecurrentBackwardResult = b.recurrentBackward({ saved: fwd.saved!, dy, dhT, dcT });
    const expectGrad = async (t: Tensor, name: string): Promise<void> => {
      expectClose(await b.read(t), c.grads[name + sfx]!.data, `${where} d${name}`);
    };
    await expectGrad(g.dWIh, 'weight_ih');
    await expectGrad(g.dWHh, 'weight_hh');
    await expectGrad(g.dBIh, 'bias_ih');
    await expectGrad(g.dBHh, 'bias_hh');
    if (c.grads.h0 !== undefined) expectClose(await b.read(g.dh0), slab(c.grads.h0, d), `${where} dh0`);
    if (lstm && c.grads.c0 !== undefined) expectClose(await b.read(g.dc0!), slab(c.grads.c0, d), `${where} dc0`);
    const dx = Array.from(await b.read(g.dx));
    dxSum = dxSum === undefined ? dx : dxSum.map((v, i) => v + dx[i]!);

    for (const t of [fwd.y, fwd.hT, fwd.cT, g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh]) if (t) b.dispose(t);
    b.disposeSaved(fwd.saved!);
  }
  expectClose(dxSum!, c.grads.x!.data, `${c.name} dx`);
  for (const t of owned) b.dispose(t);
}

describeEngines('PyTorch golden cases', (backend) => {
  for (const c of cases) {
    it(`${c.name}${c.bidirectional ? ' (both directions)' : ''}`, async () => {
      const b = backend();
      const before = b.liveTensors();
      await runCase(b, c);
      if (b.liveTensors() !== before) throw new Error(`${c.name}: leaked ${b.liveTensors() - before} tensors`);
    });
  }
});
