// The float64 reference against PyTorch's own numbers (packages/conformance/golden/recurrent.json),
// for every single-layer, unidirectional case. Stacking and bidirectional composition are core's
// job and are checked by the conformance suite.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CellSpec, Tensor } from '@rnnkit/core';
import { createJsBackend } from './index.js';
import { maxAbsDiff, readF } from './test-support.js';

interface GoldenTensor {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  mode: 'RNN' | 'LSTM' | 'GRU';
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
  numLayers: number;
  bidirectional: boolean;
  lengths: number[] | null;
  params: Record<string, GoldenTensor>;
  inputs: Record<string, GoldenTensor>;
  upstream: Record<string, GoldenTensor>;
  outputs: Record<string, GoldenTensor>;
  grads: Record<string, GoldenTensor>;
}

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(
  readFileSync(join(here, '..', '..', 'conformance', 'golden', 'recurrent.json'), 'utf8'),
) as { cases: GoldenCase[] };
const singleLayer = golden.cases.filter((c) => c.numLayers === 1 && !c.bidirectional);

function cellOf(c: GoldenCase): CellSpec {
  if (c.mode === 'LSTM') return { kind: 'lstm' };
  if (c.mode === 'GRU') return { kind: 'gru', resetAfter: c.resetAfter ?? true };
  return { kind: 'rnn', nonlinearity: c.nonlinearity ?? 'tanh' };
}

/** States in the golden file are [numLayers·D, B, H]; a single direction drops the first axis. */
function dropLayerAxis(shape: number[]): number[] {
  return shape.slice(1);
}

const TOL = 1e-10;

describe('golden: float64 reference reproduces PyTorch', () => {
  it('covers the nine single-layer unidirectional cases', () => {
    expect(singleLayer.map((c) => c.name).sort()).toEqual(
      ['gru', 'gru_lengths', 'gru_reset_before', 'lstm', 'lstm_lengths', 'lstm_no_state', 'rnn_relu', 'rnn_tanh', 'rnn_tanh_no_state'].sort(),
    );
  });

  for (const c of singleLayer) {
    it(c.name, async () => {
      const be = await createJsBackend({ precision: 'float64' });
      const t = (g: GoldenTensor, shape = g.shape): Tensor => be.tensor(Float64Array.from(g.data), shape, 'float32');
      const p = c.params;
      const params = {
        wIh: t(p['weight_ih_l0']!),
        wHh: t(p['weight_hh_l0']!),
        bIh: t(p['bias_ih_l0']!),
        bHh: t(p['bias_hh_l0']!),
      };
      const h0g = c.inputs['h0'];
      const c0g = c.inputs['c0'];
      const fwd = be.recurrentForward({
        cell: cellOf(c),
        params,
        x: t(c.inputs['x']!),
        h0: h0g ? t(h0g, dropLayerAxis(h0g.shape)) : undefined,
        c0: c0g ? t(c0g, dropLayerAxis(c0g.shape)) : undefined,
        lengths: c.lengths ? Int32Array.from(c.lengths) : undefined,
        reverse: false,
        training: true,
      });
      expect(maxAbsDiff(await readF(be, fwd.y), c.outputs['output']!.data)).toBeLessThan(TOL);
      expect(maxAbsDiff(await readF(be, fwd.hT), c.outputs['h']!.data)).toBeLessThan(TOL);
      if (c.mode === 'LSTM') expect(maxAbsDiff(await readF(be, fwd.cT!), c.outputs['c']!.data)).toBeLessThan(TOL);

      const dHg = c.upstream['dH']!;
      const dCg = c.upstream['dC'];
      const bwd = be.recurrentBackward({
        saved: fwd.saved!,
        dy: t(c.upstream['dOutput']!),
        dhT: t(dHg, dropLayerAxis(dHg.shape)),
        dcT: c.mode === 'LSTM' && dCg ? t(dCg, dropLayerAxis(dCg.shape)) : undefined,
      });
      const g = c.grads;
      const checks: [string, Tensor | undefined][] = [
        ['x', bwd.dx],
        ['weight_ih_l0', bwd.dWIh],
        ['weight_hh_l0', bwd.dWHh],
        ['bias_ih_l0', bwd.dBIh],
        ['bias_hh_l0', bwd.dBHh],
        ['h0', h0g ? bwd.dh0 : undefined],
        ['c0', c0g ? bwd.dc0 : undefined],
      ];
      for (const [name, tensor] of checks) {
        if (!tensor) continue;
        const want = g[name];
        expect(want, `golden grad ${name}`).toBeDefined();
        const err = maxAbsDiff(await readF(be, tensor), want!.data);
        expect(err, `${c.name}: d${name}`).toBeLessThan(TOL);
      }
    });
  }
});
