// The generated fused kernels (graphs from each cell's traced step) against core's generic loop on
// this same backend: same inputs, same function, so forward values, final states and every
// gradient agree to float32 rounding. Also which graph runs: the native LSTM operator for classic
// and (inference) peephole LSTMs, the generated graph for everything else, and what padding holds
// never reaching a result. The conformance suite checks both paths against PyTorch and float64.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellCatalogue, cellDefinition, type Backend, type CellConfig, type CellSizes, type Tensor } from '@rnnkit/core';
import { disposeGenericSaved, genericBackward, genericForward } from '@rnnkit/core/internal';
import type { OnnxBackend } from './onnx-backend.js';
import { expectClose, onnxBackend, randoms } from './test-support.js';

let bk: OnnxBackend;
beforeAll(async () => {
  bk = await onnxBackend();
});
afterAll(() => bk.close());

const CONFIGS: readonly CellConfig[] = [
  { kind: 'ctrnn', alpha: 0.3, nonlinearity: 'relu' },
  { kind: 'lstm', unitForgetBias: false, projSize: 2 },
  { kind: 'lstm', unitForgetBias: false, peephole: true },
  { kind: 'lstm', unitForgetBias: false, layerNorm: true },
  { kind: 'jordan', outputSize: 2, nonlinearity: 'tanh' },
  { kind: 'minGru' },
  { kind: 'minLstm' },
  { kind: 'convLstm', kernelSize: 3, unitForgetBias: false },
].filter((c) => Object.hasOwn(cellCatalogue, c.kind));

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Random parameters, x: [B, T, ...input], initial states and upstream gradients for `cell`. */
function problem(cell: CellConfig, B: number, T: number, seed: number) {
  const def = cellDefinition(cell.kind);
  const image = (def.inputRank ?? 1) === 3;
  const sizes: CellSizes = { inputSize: 2, hiddenSize: 3, ...(image ? { spatial: [3, 4] as const } : {}) };
  const rnd = randoms(seed);
  const owned: Tensor[] = [];
  const t = (shape: readonly number[], scale = 0.5) => {
    const v = bk.tensor(rnd(size(shape), -scale, scale), shape, 'float32');
    owned.push(v);
    return v;
  };
  const params = new Map(def.params(cell, sizes).map((p) => [p.name, t(p.shape)] as const));
  const input = image ? [sizes.inputSize, ...sizes.spatial!] : [sizes.inputSize];
  const states = def.states(cell, sizes).map((s) => t([B, ...s.shape]));
  return { def, sizes, params, x: t([B, T, ...input], 1), states, dy: t([B, T, ...def.states(cell, sizes)[0]!.shape], 1), dStates: states.map((s) => t(s.shape)), owned };
}

const read = async (t: Tensor) => Float32Array.from(await bk.read(t));

describe('generated graphs compute what the generic loop computes', () => {
  for (const cell of CONFIGS) {
    for (const [reverse, lengths] of [
      [false, undefined],
      [true, Int32Array.of(4, 2, 1)],
    ] as const) {
      it(`${cellDefinition(cell.kind).describe(cell)}${reverse ? ', reverse' : ''}${lengths ? ', lengths' : ''}`, async () => {
        const before = bk.liveTensors();
        const p = problem(cell, 3, 4, 11);
        const kernel = bk.fused[cell.kind]!;
        expect(kernel.supports!(cell)).toBe(true);
        const args = { x: p.x, states: p.states, lengths, reverse, training: true };
        const f = await kernel.forward({ cell, sizes: p.sizes, params: p.params, ...args });
        expect(f.saved!.kind).toBe('cell-graph');
        const g = await kernel.backward({ saved: f.saved!, dy: p.dy, dStates: p.dStates });
        const rf = await genericForward(bk as Backend, p.def, cell, p.sizes, p.params, args);
        const rg = await genericBackward(bk as Backend, rf.saved!, { dy: p.dy, dStates: p.dStates });
        expect(f.y.shape).toEqual(rf.y.shape);
        expectClose(await read(f.y), await read(rf.y), 'y', 1e-5, 1e-4);
        for (const [j, s] of f.states.entries()) expectClose(await read(s), await read(rf.states[j]!), `state ${j}`, 1e-5, 1e-4);
        expect(g.dx.shape).toEqual(rg.dx.shape);
        expectClose(await read(g.dx), await read(rg.dx), 'dx', 1e-5, 1e-4);
        for (const [j, d] of g.dStates.entries()) expectClose(await read(d), await read(rg.dStates[j]!), `dState ${j}`, 1e-5, 1e-4);
        expect([...g.grads.keys()].sort()).toEqual([...p.params.keys()].sort());
        for (const [name, d] of g.grads) expectClose(await read(d), await read(rg.grads.get(name)!), `grad ${name}`, 1e-4, 1e-4);
        bk.disposeSaved(f.saved!);
        disposeGenericSaved(bk as Backend, rf.saved!);
        for (const v of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values(), rf.y, ...rf.states, rg.dx, ...rg.dStates, ...rg.grads.values(), ...p.owned]) bk.dispose(v);
        expect(bk.liveTensors()).toBe(before);
      });
    }
  }
});

describe('which graph runs', () => {
  it('every kind of the catalogue has a fused kernel, taking exactly what its definition accepts', () => {
    for (const kind of Object.keys(cellCatalogue)) expect(bk.fused[kind], kind).toBeDefined();
    expect(bk.fused.ctrnn!.supports!({ kind: 'ctrnn', alpha: 0.3, nonlinearity: 'tanh' })).toBe(true);
    expect(bk.fused.ctrnn!.supports!({ kind: 'ctrnn', alpha: 2, nonlinearity: 'tanh' })).toBe(false);
    expect(bk.fused.lstm!.supports!({ kind: 'lstm', unitForgetBias: true, layerNorm: true })).toBe(true);
    expect(bk.fused.ctrnn!.supports!({ kind: 'rnn', nonlinearity: 'tanh' })).toBe(false);
  });

  it('a peephole LSTM runs on the native operator (P input) for inference, on the generated graph for training', async () => {
    const cell = { kind: 'lstm', unitForgetBias: false, peephole: true };
    const p = problem(cell, 3, 5, 5);
    const lengths = Int32Array.of(5, 3, 1);
    for (const reverse of [false, true]) {
      const args = { x: p.x, states: p.states, lengths, reverse };
      const before = bk.sessionKeys.length;
      const f = await bk.fused.lstm!.forward({ cell, sizes: p.sizes, params: p.params, ...args, training: false });
      expect(f.saved).toBeUndefined();
      const added = bk.sessionKeys.slice(before);
      expect(added.some((k) => k.startsWith('fwd:lstm(peephole)'))).toBe(true);
      const r = await genericForward(bk as Backend, p.def, cell, p.sizes, p.params, { ...args, training: false });
      expectClose(await read(f.y), await read(r.y), 'y', 1e-5, 1e-4);
      expectClose(await read(f.states[0]!), await read(r.states[0]!), 'hT', 1e-5, 1e-4);
      expectClose(await read(f.states[1]!), await read(r.states[1]!), 'cT', 1e-5, 1e-4);
      for (const v of [f.y, ...f.states, r.y, ...r.states]) bk.dispose(v);
    }
    const t = await bk.fused.lstm!.forward({ cell, sizes: p.sizes, params: p.params, x: p.x, reverse: false, training: true });
    expect(t.saved!.kind).toBe('cell-graph');
    bk.disposeSaved(t.saved!);
    for (const v of [t.y, ...t.states, ...p.owned]) bk.dispose(v);
  });

  it('a classic LSTM keeps the native operator, training included', async () => {
    const cell = { kind: 'lstm', unitForgetBias: true };
    const p = problem(cell, 2, 3, 3);
    const f = await bk.fused.lstm!.forward({ cell, sizes: p.sizes, params: p.params, x: p.x, reverse: false, training: true });
    expect(f.saved!.kind).toBe('recurrent');
    bk.disposeSaved(f.saved!);
    for (const v of [f.y, ...f.states, ...p.owned]) bk.dispose(v);
  });

  it('values at padded steps never reach a result, however large (minLSTM’s f + i underflows to 0 there)', async () => {
    const cell = { kind: 'minLstm' };
    const p = problem(cell, 2, 4, 9);
    const lengths = Int32Array.of(4, 2);
    const x = Float32Array.from(await bk.read(p.x));
    const dy = Float32Array.from(await bk.read(p.dy));
    const I = p.x.shape[2]!;
    const O = p.dy.shape[2]!;
    for (let t = 2; t < 4; t++) {
      x.fill(t % 2 ? 1000 : -1000, (4 + t) * I, (5 + t) * I);
      dy.fill(Number.NaN, (4 + t) * O, (5 + t) * O);
    }
    const xPad = bk.tensor(x, p.x.shape, 'float32');
    const dyPad = bk.tensor(dy, p.dy.shape, 'float32');
    for (const reverse of [false, true]) {
      const f = await bk.fused.minLstm!.forward({ cell, sizes: p.sizes, params: p.params, x: xPad, states: p.states, lengths, reverse, training: true });
      const g = await bk.fused.minLstm!.backward({ saved: f.saved!, dy: dyPad });
      for (const v of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()]) {
        expect((await read(v)).every(Number.isFinite)).toBe(true);
      }
      const y = await read(f.y);
      const dx = await read(g.dx);
      expect(Array.from(y.subarray((4 + 2) * O, 8 * O)).every((v) => v === 0)).toBe(true);
      expect(Array.from(dx.subarray((4 + 2) * I, 8 * I)).every((v) => v === 0)).toBe(true);
      bk.disposeSaved(f.saved!);
      for (const v of [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()]) bk.dispose(v);
    }
    for (const v of [xPad, dyPad, ...p.owned]) bk.dispose(v);
  });
});
