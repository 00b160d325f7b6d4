// Per-sample sequence lengths: padding is invisible. Changing x or dy at padded steps changes no
// output, state or gradient; outputs and dx at padded steps are exactly 0; and each sample
// equals the same sample run alone, truncated to its length (forward and reverse).
import { describe, expect, it } from 'vitest';
import { Rng } from '@rnnkit/core';
import { expectClose } from './compare.js';
import { randomArray, roundF32 } from './host.js';
import { randomDirectionProblem, runDirection, type DirectionProblem, type DirectionResults } from './recurrent-harness.js';
import { ALL_CELLS, declaredPaths, describeConfig, type Suite } from './suite.js';

const B = 3;
const T = 5;
const I = 3;
const H = 4;
const LENGTHS = Int32Array.from([5, 2, 1]);

/** Copy of `v` ([B, T, F]) with fresh random values at every padded step. */
function scramblePadding(v: Float64Array, F: number, rng: Rng): Float64Array {
  const out = Float64Array.from(v);
  for (let b = 0; b < B; b++) {
    for (let t = LENGTHS[b]!; t < T; t++) out.set(roundF32(randomArray(rng, F, 3)), (b * T + t) * F);
  }
  return out;
}

function paddedValues(v: Float64Array, F: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let t = LENGTHS[b]!; t < T; t++) out.push(...v.subarray((b * T + t) * F, (b * T + t + 1) * F));
  return out;
}

const RESULT_KEYS = ['y', 'hT', 'cT', 'dx', 'dh0', 'dc0', 'dWIh', 'dWHh', 'dBIh', 'dBHh'] as const;

function compareAll(a: DirectionResults, e: DirectionResults, tolForward: number, tolGradient: number, what: string): void {
  for (const k of RESULT_KEYS) {
    const ev = e[k];
    if (!ev) continue;
    expect(a[k], `${what}: ${k}`).toBeDefined();
    expectClose(a[k]!, ev, k === 'y' || k === 'hT' || k === 'cT' ? tolForward : tolGradient, `${what}: ${k}`);
  }
}

/** Sample b alone: [1, len_b, ·] slices of x, h0, c0. */
function alone(p: DirectionProblem, b: number): DirectionProblem {
  const len = LENGTHS[b]!;
  const slice = (v: Float64Array | undefined, per: number, steps: number) => (v ? v.slice(b * steps * per, b * steps * per + len * per) : undefined);
  return {
    ...p,
    B: 1,
    T: len,
    x: slice(p.x, I, T)!,
    h0: p.h0?.slice(b * H, (b + 1) * H),
    c0: p.c0?.slice(b * H, (b + 1) * H),
    lengths: undefined,
    dy: slice(p.dy, H, T),
    dhT: p.dhT?.slice(b * H, (b + 1) * H),
    dcT: p.dcT?.slice(b * H, (b + 1) * H),
  };
}

export function describeSequenceLengths(s: Suite): void {
  const { caps, tol } = s;
  describe('sequence lengths', () => {
    for (const [ci, cell] of ALL_CELLS.entries()) {
      for (const reverse of [false, true]) {
        const name = `${describeConfig(cell)}${reverse ? ' reverse' : ''}`;
        const problem = (seed: number): DirectionProblem =>
          randomDirectionProblem({ cell, B, T, I, H, lengths: LENGTHS, reverse, initialState: true, seed });

        for (const path of declaredPaths(s, cell)) {
        it(`${name} (${path}): values at padded steps of x and dy change nothing; y and dx are 0 there`, async () => {
          const p = problem(500 + ci * 2 + (reverse ? 1 : 0));
          const rng = new Rng(600 + ci);
          const q: DirectionProblem = { ...p, x: scramblePadding(p.x, I, rng), dy: scramblePadding(p.dy!, H, rng) };
          const a = await runDirection(s.backend, p, caps.training, path);
          const b = await runDirection(s.backend, q, caps.training, path);
          compareAll(b, a, tol.forward, tol.gradient, `${name} with scrambled padding`);
          expect(paddedValues(a.y, H).every((v) => v === 0), `${name}: y at padded steps must be exactly 0, got ${paddedValues(a.y, H)}`).toBe(true);
          expect(paddedValues(b.y, H).every((v) => v === 0), `${name}: y at padded steps must be exactly 0 (scrambled padding)`).toBe(true);
          if (caps.training) {
            expect(paddedValues(b.dx!, I).every((v) => v === 0), `${name}: dx at padded steps must be exactly 0, got ${paddedValues(b.dx!, I)}`).toBe(true);
          }
        });

        it(`${name} (${path}): each sample equals the same sample run alone, truncated to its length`, async () => {
          const p = problem(700 + ci * 2 + (reverse ? 1 : 0));
          const all = await runDirection(s.backend, p, caps.training, path);
          for (let b = 0; b < B; b++) {
            const one = await runDirection(s.backend, alone(p, b), caps.training, path);
            const len = LENGTHS[b]!;
            const what = `${name} sample ${b} (length ${len})`;
            expectClose(all.y.subarray(b * T * H, b * T * H + len * H), one.y, tol.forward, `${what}: y`);
            expectClose(all.hT.subarray(b * H, (b + 1) * H), one.hT, tol.forward, `${what}: hT`);
            if (all.cT) expectClose(all.cT!.subarray(b * H, (b + 1) * H), one.cT!, tol.forward, `${what}: cT`);
            if (caps.training) {
              expectClose(all.dx!.subarray(b * T * I, b * T * I + len * I), one.dx!, tol.gradient, `${what}: dx`);
              expectClose(all.dh0!.subarray(b * H, (b + 1) * H), one.dh0!, tol.gradient, `${what}: dh0`);
              if (all.dc0) expectClose(all.dc0!.subarray(b * H, (b + 1) * H), one.dc0!, tol.gradient, `${what}: dc0`);
            }
          }
        });
        }
      }
    }
  });
}

