// The fused recurrent kernels (backend.fused.rnn | lstm | gru), called as core calls them:
// finite differences on the float64 reference (backward matches its own forward), the float32
// fast path against the reference, and the sequence-length contract.

import { describe, expect, it } from 'vitest';
import { gateCount, type Backend, type CellSpec, type Tensor } from '@rnnkit/core';
import { createJsBackend } from './index.js';
import { maxAbsDiff, maxScaledError, randoms, readF, recurrentParams } from './test-support.js';

const CELLS: CellSpec[] = [
  { kind: 'rnn', nonlinearity: 'tanh' },
  { kind: 'rnn', nonlinearity: 'relu' },
  { kind: 'lstm', unitForgetBias: true },
  { kind: 'gru', resetAfter: true },
  { kind: 'gru', resetAfter: false },
];

const name = (c: CellSpec): string =>
  c.kind === 'rnn' ? `rnn(${c.nonlinearity})` : c.kind === 'gru' ? `gru(resetAfter=${c.resetAfter})` : 'lstm';

interface Problem {
  B: number;
  T: number;
  I: number;
  H: number;
  cell: CellSpec;
  data: Record<'wIh' | 'wHh' | 'bIh' | 'bHh' | 'x' | 'h0' | 'c0' | 'dy' | 'dhT' | 'dcT', Float64Array>;
  lengths: Int32Array | undefined;
  reverse: boolean;
}

function problem(cell: CellSpec, B: number, T: number, I: number, H: number, seed: number, lengths?: number[], reverse = false): Problem {
  const r = randoms(seed);
  const G = gateCount(cell.kind) * H;
  return {
    B, T, I, H, cell,
    data: {
      wIh: r(G * I, -0.6, 0.6), wHh: r(G * H, -0.6, 0.6), bIh: r(G, -0.3, 0.3), bHh: r(G, -0.3, 0.3),
      x: r(B * T * I), h0: r(B * H, -0.5, 0.5), c0: r(B * H, -0.5, 0.5),
      dy: r(B * T * H), dhT: r(B * H), dcT: r(B * H),
    },
    lengths: lengths ? Int32Array.from(lengths) : undefined,
    reverse,
  };
}

interface Run {
  y: Float64Array;
  hT: Float64Array;
  cT: Float64Array | undefined;
  grads: Record<string, Float64Array>;
}

async function run(be: Backend, p: Problem, withBackward = true): Promise<Run> {
  const { B, T, I, H, cell, data } = p;
  const G = gateCount(cell.kind) * H;
  const lstm = cell.kind === 'lstm';
  const owned: Tensor[] = [];
  const t = (d: Float64Array, shape: number[]): Tensor => {
    const x = be.tensor(d, shape, 'float32');
    owned.push(x);
    return x;
  };
  const kernel = be.fused[cell.kind]!;
  expect(kernel.supports?.(cell) ?? true).toBe(true);
  const fwd = await kernel.forward({
    cell,
    sizes: { inputSize: I, hiddenSize: H },
    params: recurrentParams(t(data.wIh, [G, I]), t(data.wHh, [G, H]), t(data.bIh, [G]), t(data.bHh, [G])),
    x: t(data.x, [B, T, I]),
    states: lstm ? [t(data.h0, [B, H]), t(data.c0, [B, H])] : [t(data.h0, [B, H])],
    lengths: p.lengths,
    reverse: p.reverse,
    training: withBackward,
  });
  expect(fwd.states).toHaveLength(lstm ? 2 : 1);
  const [hT, cT] = fwd.states;
  const out: Run = {
    y: await readF(be, fwd.y),
    hT: await readF(be, hT!),
    cT: cT ? await readF(be, cT) : undefined,
    grads: {},
  };
  owned.push(fwd.y, ...fwd.states);
  if (withBackward) {
    const g = await kernel.backward({
      saved: fwd.saved!,
      dy: t(data.dy, [B, T, H]),
      dStates: lstm ? [t(data.dhT, [B, H]), t(data.dcT, [B, H])] : [t(data.dhT, [B, H])],
    });
    be.disposeSaved(fwd.saved!);
    expect(g.dStates).toHaveLength(lstm ? 2 : 1);
    expect([...g.grads.keys()].sort()).toEqual(['bias_hh', 'bias_ih', 'weight_hh', 'weight_ih']);
    const named: [string, Tensor | undefined][] = [
      ['x', g.dx], ['h0', g.dStates[0]], ['c0', g.dStates[1]],
      ['wIh', g.grads.get('weight_ih')], ['wHh', g.grads.get('weight_hh')], ['bIh', g.grads.get('bias_ih')], ['bHh', g.grads.get('bias_hh')],
    ];
    for (const [k, v] of named) {
      if (!v) continue;
      out.grads[k] = await readF(be, v);
      owned.push(v);
    }
  }
  for (const x of owned) be.dispose(x);
  return out;
}

/** The scalar whose gradients backward returns: Σ y·dy + Σ hT·dhT + Σ cT·dcT. */
function objective(p: Problem, r: Run): number {
  let s = 0;
  for (let i = 0; i < r.y.length; i++) s += r.y[i]! * p.data.dy[i]!;
  for (let i = 0; i < r.hT.length; i++) s += r.hT[i]! * p.data.dhT[i]!;
  if (r.cT) for (let i = 0; i < r.cT.length; i++) s += r.cT[i]! * p.data.dcT[i]!;
  return s;
}

const VARIANTS: { label: string; lengths?: number[]; reverse: boolean }[] = [
  { label: 'full length', reverse: false },
  { label: 'lengths', lengths: [4, 2, 1], reverse: false },
  { label: 'lengths, reverse', lengths: [3, 4, 2], reverse: true },
];

describe('recurrent float64: finite differences', () => {
  for (const cell of CELLS) {
    for (const v of VARIANTS) {
      it(`${name(cell)} (${v.label})`, async () => {
        const be = await createJsBackend({ precision: 'float64' });
        const p = problem(cell, 3, 4, 3, 3, 11, v.lengths, v.reverse);
        const base = await run(be, p);
        const eps = 1e-6;
        let checked = 0;
        for (const key of Object.keys(base.grads) as (keyof Problem['data'])[]) {
          const arr = p.data[key];
          const analytic = base.grads[key]!;
          for (let i = 0; i < arr.length; i++) {
            const keep = arr[i]!;
            arr[i] = keep + eps;
            const up = objective(p, await run(be, p, false));
            arr[i] = keep - eps;
            const down = objective(p, await run(be, p, false));
            arr[i] = keep;
            const numeric = (up - down) / (2 * eps);
            expect(Math.abs(numeric - analytic[i]!), `${key}[${i}]: numeric ${numeric} vs analytic ${analytic[i]}`).toBeLessThan(1e-7 + 1e-6 * Math.abs(numeric));
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(50);
        expect(be.liveTensors()).toBe(0);
      });
    }
  }
});

describe('recurrent float32 fast path matches the float64 reference', () => {
  for (const cell of CELLS) {
    for (const v of [...VARIANTS, { label: 'lengths, reverse, larger', lengths: [7, 1, 5, 7, 3], reverse: true }]) {
      it(`${name(cell)} (${v.label})`, async () => {
        const ref = await createJsBackend({ precision: 'float64' });
        const fast = await createJsBackend({ precision: 'float32' });
        const big = v.label.endsWith('larger');
        const p = big
          ? problem(cell, 5, 7, 6, 9, 23, v.lengths, v.reverse)
          : problem(cell, 3, 4, 3, 3, 5, v.lengths, v.reverse);
        const a = await run(fast, p);
        const b = await run(ref, p);
        expect(maxScaledError(a.y, b.y, 1e-4, 1e-5), 'y').toBeLessThanOrEqual(1);
        expect(maxScaledError(a.hT, b.hT, 1e-4, 1e-5), 'hT').toBeLessThanOrEqual(1);
        if (b.cT) expect(maxScaledError(a.cT!, b.cT, 1e-4, 1e-5), 'cT').toBeLessThanOrEqual(1);
        expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
        for (const k of Object.keys(b.grads)) {
          expect(maxScaledError(a.grads[k]!, b.grads[k]!, 1e-4, 1e-5), `d${k}`).toBeLessThanOrEqual(1);
        }
        expect(fast.liveTensors()).toBe(0);
        expect(ref.liveTensors()).toBe(0);
      });
    }
  }

  it('a big LSTM layer (B 16, T 12, I 20, H 40) agrees too', async () => {
    const p = problem({ kind: 'lstm', unitForgetBias: true }, 16, 12, 20, 40, 99, [12, 3, 12, 7, 1, 12, 9, 12, 12, 4, 12, 12, 2, 12, 11, 12], false);
    const a = await run(await createJsBackend({ precision: 'float32' }), p);
    const b = await run(await createJsBackend({ precision: 'float64' }), p);
    expect(maxScaledError(a.y, b.y, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    for (const k of Object.keys(b.grads)) expect(maxScaledError(a.grads[k]!, b.grads[k]!, 1e-4, 1e-4), `d${k}`).toBeLessThanOrEqual(1);
  });
});

describe('sequence lengths', () => {
  for (const precision of ['float64', 'float32'] as const) {
    for (const cell of CELLS) {
      for (const reverse of [false, true]) {
        it(`${precision} ${name(cell)}${reverse ? ' reverse' : ''}: padding never leaks`, async () => {
          const be = await createJsBackend({ precision });
          const lengths = [5, 2, 3];
          const p = problem(cell, 3, 5, 2, 3, 7, lengths, reverse);
          const a = await run(be, p);
          // Change x and dy at every padded step: no result or gradient may change.
          const q: Problem = { ...p, data: { ...p.data, x: p.data.x.slice(), dy: p.data.dy.slice() } };
          for (let b = 0; b < 3; b++) {
            for (let t = lengths[b]!; t < 5; t++) {
              for (let i = 0; i < 2; i++) q.data.x[(b * 5 + t) * 2 + i] = 100 + t;
              for (let k = 0; k < 3; k++) q.data.dy[(b * 5 + t) * 3 + k] = -50;
            }
          }
          const b2 = await run(be, q);
          expect(b2.y).toEqual(a.y);
          expect(b2.hT).toEqual(a.hT);
          for (const k of Object.keys(a.grads)) if (k !== 'x') expect(b2.grads[k], k).toEqual(a.grads[k]);
          for (let b = 0; b < 3; b++) {
            for (let t = 0; t < 5; t++) {
              const padded = t >= lengths[b]!;
              for (let k = 0; k < 3; k++) {
                const yv = a.y[(b * 5 + t) * 3 + k]!;
                if (padded) expect(yv).toBe(0);
              }
              for (let i = 0; i < 2; i++) {
                const dx = b2.grads['x']![(b * 5 + t) * 2 + i]!;
                if (padded) expect(dx).toBe(0);
                else expect(dx).toBe(a.grads['x']![(b * 5 + t) * 2 + i]!);
              }
            }
          }
        });
      }
    }
  }

  it('reverse with full lengths equals running the time-reversed input forward', async () => {
    for (const cell of CELLS) {
      const be = await createJsBackend({ precision: 'float64' });
      const p = problem(cell, 2, 4, 3, 3, 3, undefined, true);
      const a = await run(be, p);
      const flip = (d: Float64Array, w: number): Float64Array => {
        const out = new Float64Array(d.length);
        for (let b = 0; b < 2; b++) for (let t = 0; t < 4; t++) out.set(d.subarray((b * 4 + t) * w, (b * 4 + t + 1) * w), (b * 4 + 3 - t) * w);
        return out;
      };
      const q: Problem = { ...p, reverse: false, data: { ...p.data, x: flip(p.data.x, 3), dy: flip(p.data.dy, 3) } };
      const b = await run(be, q);
      expect(maxAbsDiff(flip(b.y, 3), a.y)).toBeLessThan(1e-14);
      expect(maxAbsDiff(b.hT, a.hT)).toBeLessThan(1e-14);
      expect(maxAbsDiff(b.grads['wHh']!, a.grads['wHh']!)).toBeLessThan(1e-13);
      expect(maxAbsDiff(flip(b.grads['x']!, 3), a.grads['x']!)).toBeLessThan(1e-13);
    }
  });
});
