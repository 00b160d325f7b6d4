// Degenerate and odd shapes (T = 1, B = 1, H = 1, I = 1, lengths of 1) for every cell and direction, forward
// values and every gradient against backend-js's float64 reference.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, CellSpec, Tensor } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';
import { createOnnxBackend } from './index.js';
import { CELLS, describeCell, fusedKernel, recurrentParams } from './test-support.js';

let onnx: Backend;
let ref: Backend;
beforeAll(async () => {
  onnx = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
  ref = await createJsBackend({ precision: 'float64' });
});
afterAll(() => {
  onnx.close();
  ref.close();
});

let seed = 99;
function rnd(n: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out[k] = (seed / 2147483648 - 0.5) * 1.6;
  }
  return out;
}

const SHAPES: { B: number; T: number; I: number; H: number; lengths?: number[] }[] = [
  { B: 1, T: 1, I: 1, H: 1 },
  { B: 2, T: 1, I: 3, H: 2, lengths: [1, 1] },
  { B: 1, T: 4, I: 2, H: 3, lengths: [2] },
  { B: 3, T: 3, I: 1, H: 1, lengths: [1, 3, 2] },
];

/** Run forward (state in) and backward (all upstream gradients) on one backend; read everything back. */
async function run(bk: Backend, cell: CellSpec, s: (typeof SHAPES)[number], reverse: boolean, data: Record<string, Float64Array>) {
  const { B, T, I, H } = s;
  const GH = gateCount(cell.kind) * H;
  const lstm = cell.kind === 'lstm';
  const owned: Tensor[] = [];
  const t = (name: string, shape: number[]) => {
    const x = bk.tensor(data[name]!, shape, 'float32');
    owned.push(x);
    return x;
  };
  const kernel = fusedKernel(bk, cell);
  const f = await kernel.forward({
    cell,
    sizes: { inputSize: I, hiddenSize: H },
    params: recurrentParams(t('wIh', [GH, I]), t('wHh', [GH, H]), t('bIh', [GH]), t('bHh', [GH])),
    x: t('x', [B, T, I]),
    states: lstm ? [t('h0', [B, H]), t('c0', [B, H])] : [t('h0', [B, H])],
    lengths: s.lengths ? Int32Array.from(s.lengths) : undefined,
    reverse,
    training: true,
  });
  const g = await kernel.backward({ saved: f.saved!, dy: t('dy', [B, T, H]), dStates: lstm ? [t('dh', [B, H]), t('dc', [B, H])] : [t('dh', [B, H])] });
  const out: Record<string, Float64Array> = {};
  const all: Record<string, Tensor> = { y: f.y, dx: g.dx };
  f.states.forEach((v, j) => (all[`states[${j}]`] = v));
  g.dStates.forEach((v, j) => (all[`dStates[${j}]`] = v));
  for (const [k, v] of g.grads) all[`grads ${k}`] = v;
  for (const [k, v] of Object.entries(all)) {
    out[k] = Float64Array.from(await bk.read(v));
    bk.dispose(v);
  }
  bk.disposeSaved(f.saved!);
  for (const x of owned) bk.dispose(x);
  return out;
}

describe('edge shapes vs the float64 reference', () => {
  for (const cell of CELLS) {
    for (const s of SHAPES) {
      for (const reverse of [false, true]) {
        const name = `${describeCell(cell)} B${s.B} T${s.T} I${s.I} H${s.H}${s.lengths ? ` lengths ${s.lengths}` : ''} ${reverse ? 'reverse' : 'forward'}`;
        it(name, async () => {
          const { B, T, I, H } = s;
          const GH = gateCount(cell.kind) * H;
          const data = {
            wIh: rnd(GH * I), wHh: rnd(GH * H), bIh: rnd(GH), bHh: rnd(GH), x: rnd(B * T * I),
            h0: rnd(B * H), c0: rnd(B * H), dy: rnd(B * T * H), dh: rnd(B * H), dc: rnd(B * H),
          };
          const a = await run(onnx, cell, s, reverse, data);
          const e = await run(ref, cell, s, reverse, data);
          expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
          for (const k of Object.keys(e)) {
            e[k]!.forEach((v, j) => expect(Math.abs(a[k]![j]! - v), `${k}[${j}]: ${a[k]![j]} vs ${v}`).toBeLessThan(1e-5 + 1e-4 * Math.abs(v)));
          }
        });
      }
    }
  }
});
