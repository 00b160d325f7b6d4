// The PyTorch golden cases (packages/conformance/golden/recurrent.json), every case: single layers directly,
// stacked and bidirectional ones composed from one-direction kernels exactly as core composes them.
// Loss = sum(output·dOutput) + sum(h·dH) + sum(c·dC), so dy = dOutput and dhT/dcT = dH/dC per layer direction.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, CellSpec, RecurrentParams, Saved, Tensor } from '@rnnkit/core';
import { createOnnxBackend } from './index.js';

interface Json {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  mode: 'RNN' | 'LSTM' | 'GRU';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  lengths: number[] | null;
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
  params: Record<string, Json>;
  inputs: Record<string, Json>;
  upstream: Record<string, Json>;
  outputs: Record<string, Json>;
  grads: Record<string, Json>;
}

const golden = JSON.parse(readFileSync(new URL('../../conformance/golden/recurrent.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
};

function cellOf(c: GoldenCase): CellSpec {
  if (c.mode === 'LSTM') return { kind: 'lstm' };
  if (c.mode === 'GRU') return { kind: 'gru', resetAfter: c.resetAfter ?? true };
  return { kind: 'rnn', nonlinearity: c.nonlinearity ?? 'tanh' };
}

/** float32 against float64 PyTorch */
function expectClose(what: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let k = 0; k < expected.length; k++) {
    const e = expected[k] as number;
    const err = Math.abs((actual[k] as number) - e) / (2e-5 + 1e-4 * Math.abs(e));
    if (err > worst) [worst, at] = [err, k];
  }
  expect(worst, `${what}[${at}] = ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(1);
}

let backend: Backend;
beforeAll(async () => {
  backend = await createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 });
});
afterAll(() => backend.close());

describe('golden PyTorch cases', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const bk = backend;
      const before = bk.liveTensors();
      const owned: Tensor[] = [];
      const t = (j: Json): Tensor => {
        const x = bk.tensor(Float64Array.from(j.data), j.shape, 'float32');
        owned.push(x);
        return x;
      };
      const keep = <T extends Tensor | undefined>(x: T): T => {
        if (x) owned.push(x);
        return x;
      };
      const cell = cellOf(c);
      const D = c.bidirectional ? 2 : 1;
      const H = c.hiddenSize;
      const [B] = c.inputs.x!.shape as [number];
      const lengths = c.lengths ? Int32Array.from(c.lengths) : undefined;
      const lstm = c.mode === 'LSTM';
      // State tensors [L·D, B, H] → one [B, H] slice per layer direction.
      const stateSlice = (j: Json | undefined, k: number): Json | undefined =>
        j ? { shape: [B, H], data: j.data.slice(k * B * H, (k + 1) * B * H) } : undefined;

      const saved: Saved[][] = [];
      const hs: Tensor[] = [];
      const cs: Tensor[] = [];
      let input = t(c.inputs.x!);
      for (let l = 0; l < c.numLayers; l++) {
        const ys: Tensor[] = [];
        saved.push([]);
        for (let d = 0; d < D; d++) {
          const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
          const params: RecurrentParams = {
            wIh: t(c.params[`weight_ih${sfx}`]!),
            wHh: t(c.params[`weight_hh${sfx}`]!),
            bIh: t(c.params[`bias_ih${sfx}`]!),
            bHh: t(c.params[`bias_hh${sfx}`]!),
          };
          const h0 = stateSlice(c.inputs.h0, l * D + d);
          const c0 = stateSlice(c.inputs.c0, l * D + d);
          const r = bk.recurrentForward({
            cell,
            params,
            x: input,
            h0: h0 ? t(h0) : undefined,
            c0: c0 ? t(c0) : undefined,
            lengths,
            reverse: d === 1,
            training: true,
          });
          ys.push(keep(r.y));
          hs.push(keep(r.hT));
          if (r.cT) cs.push(keep(r.cT));
          saved[l]!.push(r.saved!);
        }
        input = D === 2 ? keep(bk.concatLast(ys[0]!, ys[1]!)) : ys[0]!;
      }
      expectClose('output', await bk.read(input), c.outputs.output!.data);
      expectClose('h', hs.flatMap((h) => [...(h as unknown as { data: Float32Array }).data]), c.outputs.h!.data);
      if (lstm) expectClose('c', cs.flatMap((x) => [...(x as unknown as { data: Float32Array }).data]), c.outputs.c!.data);

      // Backward, top layer first.
      let dOut = t(c.upstream.dOutput!);
      for (let l = c.numLayers - 1; l >= 0; l--) {
        let dIn: Tensor | undefined;
        for (let d = 0; d < D; d++) {
          const k = l * D + d;
          const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
          const dy = D === 2 ? keep(bk.sliceLast(dOut, d * H, H)) : dOut;
          const dh = stateSlice(c.upstream.dH, k);
          const dc = stateSlice(c.upstream.dC, k);
          const g = bk.recurrentBackward({ saved: saved[l]![d]!, dy, dhT: dh ? t(dh) : undefined, dcT: dc ? t(dc) : undefined });
          for (const x of [g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh]) keep(x);
          expectClose(`weight_ih${sfx}`, await bk.read(g.dWIh), c.grads[`weight_ih${sfx}`]!.data);
          expectClose(`weight_hh${sfx}`, await bk.read(g.dWHh), c.grads[`weight_hh${sfx}`]!.data);
          expectClose(`bias_ih${sfx}`, await bk.read(g.dBIh), c.grads[`bias_ih${sfx}`]!.data);
          expectClose(`bias_hh${sfx}`, await bk.read(g.dBHh), c.grads[`bias_hh${sfx}`]!.data);
          if (c.grads.h0) expectClose(`h0[${k}]`, await bk.read(g.dh0), stateSlice(c.grads.h0, k)!.data);
          if (c.grads.c0) expectClose(`c0[${k}]`, await bk.read(g.dc0!), stateSlice(c.grads.c0, k)!.data);
          dIn = dIn ? keep(bk.add(dIn, g.dx)) : g.dx;
          bk.disposeSaved(saved[l]![d]!);
        }
        dOut = dIn!;
      }
      expectClose('x', await bk.read(dOut), c.grads.x!.data);
      for (const x of owned) bk.dispose(x);
      expect(bk.liveTensors()).toBe(before);
    });
  }
});
