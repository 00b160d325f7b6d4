// Sequence lengths and direction, checked against the contract rather than against ORT: a padded batch must
// give, per sample, exactly what that sample gives alone, truncated to its length — forward values, final
// states and every gradient — with outputs and dx at padded steps exactly 0. This pins ONNX Runtime's
// `direction = reverse` with `sequence_lens` (reversal within each sample's length) and our generated
// backward graph's masking. Also the leak check over many training steps.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, CellSpec, RecurrentParams, Tensor } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { createOnnxBackend } from './index.js';

let bk: Backend;
beforeAll(async () => {
  bk = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
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

const CELLS: CellSpec[] = [
  { kind: 'rnn', nonlinearity: 'tanh' },
  { kind: 'rnn', nonlinearity: 'relu' },
  { kind: 'lstm' },
  { kind: 'gru', resetAfter: true },
  { kind: 'gru', resetAfter: false },
];

function expectNear(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length, what).toBe(b.length);
  for (let k = 0; k < a.length; k++) expect(Math.abs((a[k] as number) - (b[k] as number)), `${what}[${k}]`).toBeLessThan(2e-5);
}

describe('per-sample lengths', () => {
  const [B, T, I, H] = [3, 5, 2, 3];
  const lengths = Int32Array.of(5, 2, 1);
  for (const cell of CELLS) {
    for (const reverse of [false, true]) {
      it(`${cell.kind}${'resetAfter' in cell ? (cell.resetAfter ? '(after)' : '(before)') : ''}${'nonlinearity' in cell ? `(${cell.nonlinearity})` : ''} ${reverse ? 'reverse' : 'forward'}`, async () => {
        const before = bk.liveTensors();
        const owned: Tensor[] = [];
        const t = (d: Float32Array, s: number[]) => {
          const x = bk.tensor(d, s, 'float32');
          owned.push(x);
          return x;
        };
        const GH = gateCount(cell.kind) * H;
        const raw = { wIh: rnd(GH * I), wHh: rnd(GH * H), bIh: rnd(GH), bHh: rnd(GH) };
        const params: RecurrentParams = { wIh: t(raw.wIh, [GH, I]), wHh: t(raw.wHh, [GH, H]), bIh: t(raw.bIh, [GH]), bHh: t(raw.bHh, [GH]) };
        const lstm = cell.kind === 'lstm';
        const x = rnd(B * T * I, 1);
        const h0 = rnd(B * H);
        const c0 = rnd(B * H);
        const dy = rnd(B * T * H, 1);
        const dh = rnd(B * H);
        const dc = rnd(B * H);
        const fw = bk.recurrentForward({
          cell, params, x: t(x, [B, T, I]), h0: t(h0, [B, H]), c0: lstm ? t(c0, [B, H]) : undefined, lengths, reverse, training: true,
        });
        const bw = bk.recurrentBackward({ saved: fw.saved!, dy: t(dy, [B, T, H]), dhT: t(dh, [B, H]), dcT: lstm ? t(dc, [B, H]) : undefined });
        const y = await bk.read(fw.y);
        const dx = await bk.read(bw.dx);
        const sums = { dWIh: new Float64Array(GH * I), dWHh: new Float64Array(GH * H), dBIh: new Float64Array(GH), dBHh: new Float64Array(GH) };

        for (let b = 0; b < B; b++) {
          const L = lengths[b]!;
          const xb = new Float32Array(L * I);
          for (let s = 0; s < L; s++) xb.set(x.subarray((b * T + s) * I, (b * T + s + 1) * I), s * I);
          const dyb = new Float32Array(L * H);
          for (let s = 0; s < L; s++) dyb.set(dy.subarray((b * T + s) * H, (b * T + s + 1) * H), s * H);
          const one = bk.recurrentForward({
            cell, params, x: t(xb, [1, L, I]), h0: t(h0.slice(b * H, b * H + H), [1, H]),
            c0: lstm ? t(c0.slice(b * H, b * H + H), [1, H]) : undefined, reverse, training: true,
          });
          const g = bk.recurrentBackward({
            saved: one.saved!, dy: t(dyb, [1, L, H]), dhT: t(dh.slice(b * H, b * H + H), [1, H]),
            dcT: lstm ? t(dc.slice(b * H, b * H + H), [1, H]) : undefined,
          });
          expectNear(`y[${b}] valid`, y.subarray(b * T * H, (b * T + L) * H), await bk.read(one.y));
          for (let k = (b * T + L) * H; k < (b + 1) * T * H; k++) expect(y[k], `y[${b}] padded`).toBe(0);
          expectNear(`hT[${b}]`, (await bk.read(fw.hT)).subarray(b * H, b * H + H), await bk.read(one.hT));
          if (lstm) expectNear(`cT[${b}]`, (await bk.read(fw.cT!)).subarray(b * H, b * H + H), await bk.read(one.cT!));
          expectNear(`dx[${b}] valid`, dx.subarray(b * T * I, (b * T + L) * I), await bk.read(g.dx));
          for (let k = (b * T + L) * I; k < (b + 1) * T * I; k++) expect(dx[k], `dx[${b}] padded`).toBe(0);
          expectNear(`dh0[${b}]`, (await bk.read(bw.dh0)).subarray(b * H, b * H + H), await bk.read(g.dh0));
          if (lstm) expectNear(`dc0[${b}]`, (await bk.read(bw.dc0!)).subarray(b * H, b * H + H), await bk.read(g.dc0!));
          for (const k of ['dWIh', 'dWHh', 'dBIh', 'dBHh'] as const) {
            const part = await bk.read(g[k]);
            part.forEach((v, j) => (sums[k][j]! += v));
          }
          bk.disposeSaved(one.saved!);
          for (const r of [one.y, one.hT, one.cT, g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh]) if (r) bk.dispose(r);
        }
        for (const k of ['dWIh', 'dWHh', 'dBIh', 'dBHh'] as const) expectNear(k, await bk.read(bw[k]), sums[k]);
        bk.disposeSaved(fw.saved!);
        for (const r of [fw.y, fw.hT, fw.cT, bw.dx, bw.dh0, bw.dc0, bw.dWIh, bw.dWHh, bw.dBIh, bw.dBHh, ...owned]) if (r) bk.dispose(r);
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
    const params: RecurrentParams = { wIh: bk.tensor(rnd(3 * H * I), [3 * H, I], 'float32'), wHh: bk.tensor(rnd(3 * H * H), [3 * H, H], 'float32'), bIh: bk.zeros([3 * H]), bHh: bk.zeros([3 * H]) };
    const dw = bk.tensor(rnd(C * H), [C, H], 'float32');
    const db = bk.zeros([C]);
    const all = [params.wIh, params.wHh, params.bIh, params.bHh, dw, db];
    const m = all.map((p) => bk.zeros(p.shape));
    const v = all.map((p) => bk.zeros(p.shape));
    const x = bk.tensor(rnd(B * T * I, 1), [B, T, I], 'float32');
    const labels = bk.tensor(Int32Array.of(0, 1, 1, 0), [B], 'int32');
    const afterSetup = bk.liveTensors();
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 1; step <= 300; step++) {
      const r = bk.recurrentForward({ cell, params, x, lengths: Int32Array.of(6, 3, 1, 5), reverse: step % 2 === 0, training: true });
      if (step === 1) expect(bk.liveTensors()).toBeGreaterThan(afterSetup + 2); // y, hT and the Saved's arrays
      const d = bk.denseForward(dw, db, r.hT, true);
      const loss = bk.softmaxCrossEntropy(d.y, labels);
      const value = (await bk.read(loss.loss))[0]!;
      if (step === 1) firstLoss = value;
      lastLoss = value;
      const gd = bk.denseBackward(d.saved!, loss.grad);
      const gr = bk.recurrentBackward({ saved: r.saved!, dhT: gd.dx });
      const grads = [gr.dWIh, gr.dWHh, gr.dBIh, gr.dBHh, gd.dw, gd.db];
      const norm = bk.sumSquares(grads);
      all.forEach((p, k) => bk.adamUpdate(p, grads[k]!, m[k]!, v[k]!, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step }));
      bk.disposeSaved(r.saved!);
      bk.disposeSaved(d.saved!);
      for (const t of [r.y, r.hT, d.y, loss.loss, loss.grad, gd.dx, gr.dx, gr.dh0, norm, ...grads]) bk.dispose(t);
      expect(bk.liveTensors()).toBe(afterSetup);
    }
    expect(lastLoss).toBeLessThan(firstLoss * 0.5);
    for (const t of [...all, ...m, ...v, x, labels]) bk.dispose(t);
    expect(bk.liveTensors()).toBe(before);
  });
});
