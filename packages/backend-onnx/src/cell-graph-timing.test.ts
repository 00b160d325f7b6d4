// Timing of the generated graphs against core's op-by-op generic path on this backend, one training
// forward + backward per call, medians. Run with RNNKIT_ONNX_TIMING=1; skipped otherwise.

import { expect, it } from 'vitest';
import { cellDefinition, type Backend, type CellConfig, type Tensor } from '@rnnkit/core';
import { disposeGenericSaved, genericBackward, genericForward } from '@rnnkit/core/internal';
import { onnxBackend, randoms } from './test-support.js';

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function timed(f: () => Promise<void>, rounds: number): Promise<number> {
  await f(); // builds the sessions
  const ts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const CASES: readonly { cell: CellConfig; B: number; T: number; I: number; H: number; spatial?: [number, number] }[] = [
  { cell: { kind: 'ctrnn', alpha: 0.2, nonlinearity: 'tanh' }, B: 64, T: 28, I: 28, H: 64 },
  { cell: { kind: 'lstm', unitForgetBias: true, peephole: true }, B: 64, T: 28, I: 28, H: 64 },
  { cell: { kind: 'lstm', unitForgetBias: true, layerNorm: true }, B: 64, T: 28, I: 28, H: 64 },
  { cell: { kind: 'jordan', outputSize: 10, nonlinearity: 'tanh' }, B: 64, T: 28, I: 28, H: 64 },
  { cell: { kind: 'minGru' }, B: 64, T: 28, I: 28, H: 64 },
  { cell: { kind: 'convLstm', kernelSize: 3, unitForgetBias: true }, B: 8, T: 10, I: 1, H: 16, spatial: [16, 16] },
];

it.skipIf(!process.env.RNNKIT_ONNX_TIMING)('generated graphs against the generic path (training forward + backward)', async () => {
  const bk = await onnxBackend();
  for (const c of CASES) {
    const def = cellDefinition(c.cell.kind);
    const sizes = { inputSize: c.I, hiddenSize: c.H, ...(c.spatial ? { spatial: c.spatial } : {}) };
    const rnd = randoms(1);
    const t = (shape: readonly number[], scale: number) => bk.tensor(rnd(shape.reduce((a, b) => a * b, 1), -scale, scale), shape, 'float32');
    const params = new Map<string, Tensor>(def.params(c.cell, sizes).map((p) => [p.name, t(p.shape, 0.2)]));
    const x = t([c.B, c.T, ...(c.spatial ? [c.I, ...c.spatial] : [c.I])], 1);
    const kernel = bk.fused[c.cell.kind]!;
    const graph = await timed(async () => {
      const f = await kernel.forward({ cell: c.cell, sizes, params, x, reverse: false, training: true });
      const g = await kernel.backward({ saved: f.saved!, dy: f.y });
      bk.disposeSaved(f.saved!);
      for (const v of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()]) bk.dispose(v);
    }, 9);
    const generic = await timed(async () => {
      const f = await genericForward(bk as Backend, def, c.cell, sizes, params, { x, reverse: false, training: true });
      const g = await genericBackward(bk as Backend, f.saved!, { dy: f.y });
      disposeGenericSaved(bk as Backend, f.saved!);
      for (const v of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()]) bk.dispose(v);
    }, 3);
    console.log(`${def.describe(c.cell)} B ${c.B}, T ${c.T}, I ${c.I}, H ${c.H}${c.spatial ? `, frame ${c.spatial.join('×')}` : ''}: generated graph ${graph.toFixed(1)} ms, generic path ${generic.toFixed(1)} ms (${(generic / graph).toFixed(1)}×)`);
    expect(graph).toBeGreaterThan(0);
  }
  bk.close();
}, 600_000);
