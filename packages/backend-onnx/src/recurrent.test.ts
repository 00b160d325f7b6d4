// Sequence lengths and direction, checked against the contract rather than against ORT: a padded batch must
// give, per sample, exactly what that sample gives alone, truncated to its length — forward values, final
// states and every gradient — with outputs and dx at padded steps exactly 0. This pins ONNX Runtime's
// `direction = reverse` with `sequence_lens` (reversal within each sample's length) and our generated
// backward graph's masking. Also the leak check over many training steps.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellSpec, FusedBackwardResult, FusedForwardResult, Tensor } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import type { OnnxBackend } from './onnx-backend.js';
import { CELLS, describeCell, fusedKernel, onnxBackend, recurrentParams } from './test-support.js';

let bk: OnnxBackend;
beforeAll(async () => {
  bk = await onnxBackend();
});
afterAll(() => bk.close());

let seed = 7;
function rnd(n: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out[k] = (seed / 2147483648 - 0.5) * 2 * scale;
  }
  return out;
}

function expectNear(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length, what).toBe(b.length);
  for (let k = 0; k < a.length; k++) expect(Math.abs((a[k] as number) - (b[k] as number)), `${what}[${k}]`).toBeLessThan(2e-5);
}

const GRADS = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const;
const resultTensors = (f: FusedForwardResult, g: FusedBackwardResult): Tensor[] => [f.y, ...f.states, g.dx, ...g.dStates, ...g.grads.values()];

describe('per-sample lengths', () => {
  const [B, T, I, H] = [3, 5, 2, 3];
  const lengths = Int32Array.of(5, 2, 1);
  for (const cell of CELLS) {
    for (const reverse of [false, true]) {
      it(`${describeCell(cell)} ${reverse ? 'reverse' : 'forward'}`, async () => {
        const before = bk.liveTensors();
        const owned: Tensor[] = [];
        const t = (d: Float32Array, s: number[]) => {
          const x = bk.tensor(d, s, 'float32');
          owned.push(x);
          return x;
        };
        const kernel = fusedKernel(bk, cell);
        const sizes = { inputSize: I, hiddenSize: H };
        const GH = gateCount(cell.kind) * H;
        const params = recurrentParams(t(rnd(GH * I), [GH, I]), t(rnd(GH * H), [GH, H]), t(rnd(GH), [GH]), t(rnd(GH), [GH]));
        const lstm = cell.kind === 'lstm';
        const x = rnd(B * T * I, 1);
        const h0 = rnd(B * H);
        const c0 = rnd(B * H);
        const dy = rnd(B * T * H, 1);
        const dh = rnd(B * H);
        const dc = rnd(B * H);
        const fw = await kernel.forward({
          cell, sizes, params, x: t(x, [B, T, I]), states: lstm ? [t(h0, [B, H]), t(c0, [B, H])] : [t(h0, [B, H])], lengths, reverse, training: true,
        });
        const bw = await kernel.backward({ saved: fw.saved!, dy: t(dy, [B, T, H]), dStates: lstm ? [t(dh, [B, H]), t(dc, [B, H])] : [t(dh, [B, H])] });
        const y = await bk.read(fw.y);
        const dx = await bk.read(bw.dx);
        const sums = new Map(GRADS.map((k) => [k, new Float64Array(bw.grads.get(k)!.shape.reduce((a, d) => a * d, 1))]));

        for (let b = 0; b < B; b++) {
          const L = lengths[b]!;
          const xb = new Float32Array(L * I);
          for (let s = 0; s < L; s++) xb.set(x.subarray((b * T + s) * I, (b * T + s + 1) * I), s * I);
          const dyb = new Float32Array(L * H);
          for (let s = 0; s < L; s++) dyb.set(dy.subarray((b * T + s) * H, (b * T + s + 1) * H), s * H);
          const row = (a: Float32Array) => t(a.slice(b * H, b * H + H), [1, H]);
          const one = await kernel.forward({
            cell, sizes, params, x: t(xb, [1, L, I]), states: lstm ? [row(h0), row(c0)] : [row(h0)], reverse, training: true,
          });
          const g = await kernel.backward({ saved: one.saved!, dy: t(dyb, [1, L, H]), dStates: lstm ? [row(dh), row(dc)] : [row(dh)] });
          expectNear(`y[${b}] valid`, y.subarray(b * T * H, (b * T + L) * H), await bk.read(one.y));
          for (let k = (b * T + L) * H; k < (b + 1) * T * H; k++) expect(y[k], `y[${b}] padded`).toBe(0);
          for (let j = 0; j < fw.states.length; j++) {
            expectNear(`states[${j}][${b}]`, (await bk.read(fw.states[j]!)).subarray(b * H, b * H + H), await bk.read(one.states[j]!));
            expectNear(`dStates[${j}][${b}]`, (await bk.read(bw.dStates[j]!)).subarray(b * H, b * H + H), await bk.read(g.dStates[j]!));
          }
          expectNear(`dx[${b}] valid`, dx.subarray(b * T * I, (b * T + L) * I), await bk.read(g.dx));
          for (let k = (b * T + L) * I; k < (b + 1) * T * I; k++) expect(dx[k], `dx[${b}] padded`).toBe(0);
          for (const k of GRADS) {
            const part = await bk.read(g.grads.get(k)!);
            part.forEach((v, j) => (sums.get(k)![j]! += v));
          }
          bk.disposeSaved(one.saved!);
          for (const r of resultTensors(one, g)) bk.dispose(r);
        }
        for (const k of GRADS) expectNear(k, await bk.read(bw.grads.get(k)!), sums.get(k)!);
        bk.disposeSaved(fw.saved!);
        for (const r of [...resultTensors(fw, bw), ...owned]) bk.dispose(r);
        expect(bk.liveTensors()).toBe(before);
      });
    }
  }
});

describe('leaks', () => {
  it('Saved records count as live until disposed; 300 training steps leave nothing behind', async () => {
    const [B, T, I, H, C] = [4, 6, 3, 5, 2];
    const before = bk.liveTensors();
    const cell: CellSpec = { kind: 'gru', resetAfter: true };
    const sizes = { inputSize: I, hiddenSize: H };
    const params = recurrentParams(bk.tensor(rnd(3 * H * I), [3 * H, I], 'float32'), bk.tensor(rnd(3 * H * H), [3 * H, H], 'float32'), bk.zeros([3 * H]), bk.zeros([3 * H]));
    const dw = bk.tensor(rnd(C * H), [C, H], 'float32');
    const db = bk.zeros([C]);
    const all = [...params.values(), dw, db];
    const m = all.map((p) => bk.zeros(p.shape));
    const v = all.map((p) => bk.zeros(p.shape));
    const x = bk.tensor(rnd(B * T * I, 1), [B, T, I], 'float32');
    const labels = bk.tensor(Int32Array.of(0, 1, 1, 0), [B], 'int32');
    const afterSetup = bk.liveTensors();
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 1; step <= 300; step++) {
      const r = await bk.fused.gru!.forward({ cell, sizes, params, x, lengths: Int32Array.of(6, 3, 1, 5), reverse: step % 2 === 0, training: true });
      if (step === 1) expect(bk.liveTensors()).toBeGreaterThan(afterSetup + 2); // y, hT and the Saved's arrays
      const d = await bk.denseForward(dw, db, r.states[0]!, true);
      const loss = bk.softmaxCrossEntropy(d.y, labels);
      const value = (await bk.read(loss.loss))[0]!;
      if (step === 1) firstLoss = value;
      lastLoss = value;
      const gd = await bk.denseBackward(d.saved!, loss.grad);
      const gr = await bk.fused.gru!.backward({ saved: r.saved!, dStates: [gd.dx] });
      const grads = [...GRADS.map((k) => gr.grads.get(k)!), gd.dw, gd.db];
      const norm = bk.sumSquares(grads);
      all.forEach((p, k) => bk.adamUpdate(p, grads[k]!, m[k]!, v[k]!, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step }));
      bk.disposeSaved(r.saved!);
      bk.disposeSaved(d.saved!);
      for (const t of [r.y, ...r.states, d.y, loss.loss, loss.grad, gd.dx, gr.dx, ...gr.dStates, norm, ...grads]) bk.dispose(t);
      expect(bk.liveTensors()).toBe(afterSetup);
    }
    expect(lastLoss).toBeLessThan(firstLoss * 0.5);
    for (const t of [...all, ...m, ...v, x, labels]) bk.dispose(t);
    expect(bk.liveTensors()).toBe(before);
  });
});
