// Golden cases: PyTorch 1.13 float64 numbers for 15 recurrent layers (every cell, stacked,
// bidirectional, sequence lengths). They pin the reference to an outside implementation: finite
// differences only prove a backward pass matches its own forward pass.
// Mapping: x → x; h0/c0 [L·D, B, H] → one [B, H] per layer·direction; dOutput → dy; dH/dC split
// per layer·direction → dhT/dcT; loss = sum(output·dOutput) + sum(h·dH) + sum(c·dC).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCell, recurrentParamShapes, type Backend, type CellSpec, type RecurrentConfig } from '@rnnkit/core';
import { expectClose } from './compare.js';
import { runLayer, type LayerProblem } from './recurrent-harness.js';
import { supportsCell, type Suite } from './suite.js';
import { GOLDEN_REFERENCE_TOLERANCE } from './tolerance.js';

interface GoldenTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface GoldenCase {
  readonly name: string;
  readonly mode: 'RNN' | 'LSTM' | 'GRU';
  readonly nonlinearity?: 'tanh' | 'relu';
  readonly resetAfter?: boolean;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly lengths: number[] | null;
  readonly params: Record<string, GoldenTensor>;
  readonly inputs: { x: GoldenTensor; h0?: GoldenTensor; c0?: GoldenTensor };
  readonly upstream: { dOutput: GoldenTensor; dH: GoldenTensor; dC?: GoldenTensor };
  readonly outputs: { output: GoldenTensor; h: GoldenTensor; c?: GoldenTensor };
  readonly grads: Record<string, GoldenTensor>;
}

/** Reads the golden file shipped with this package (works from src/ and from dist/). */
export function loadGoldenCases(): GoldenCase[] {
  const file = JSON.parse(readFileSync(new URL('../golden/recurrent.json', import.meta.url), 'utf8')) as { schema: string; cases: GoldenCase[] };
  if (file.schema !== 'rnnkit-golden/1') throw new Error(`golden/recurrent.json: schema: expected 'rnnkit-golden/1', got '${file.schema}'`);
  return file.cases;
}

export function goldenCell(c: GoldenCase): CellSpec {
  switch (c.mode) {
    case 'RNN':
      return { kind: 'rnn', nonlinearity: c.nonlinearity ?? 'tanh' };
    case 'LSTM':
      return { kind: 'lstm' };
    case 'GRU':
      return { kind: 'gru', resetAfter: c.resetAfter ?? true };
  }
}

const f64 = (t: GoldenTensor) => Float64Array.from(t.data);

/** [L·D, B, H] → L·D arrays of [B, H]. */
function splitStates(t: GoldenTensor | undefined): Float64Array[] | undefined {
  if (!t) return undefined;
  const [n, B, H] = t.shape as [number, number, number];
  return Array.from({ length: n }, (_, k) => Float64Array.from(t.data.slice(k * B * H, (k + 1) * B * H)));
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function goldenProblem(c: GoldenCase): LayerProblem {
  const cfg: RecurrentConfig = {
    cell: goldenCell(c),
    inputSize: c.inputSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
  };
  const [B, T] = c.inputs.x.shape as [number, number];
  const params = new Map<string, Float64Array>();
  for (const { name, shape } of recurrentParamShapes(cfg)) {
    const p = c.params[name];
    if (!p) throw new Error(`golden case ${c.name}: missing parameter ${name}`);
    if (p.shape.join(',') !== shape.join(',')) throw new Error(`golden case ${c.name}: ${name}: expected shape [${shape}], got [${p.shape}]`);
    params.set(name, f64(p));
  }
  return {
    cfg,
    B,
    T,
    params,
    x: f64(c.inputs.x),
    h0: splitStates(c.inputs.h0),
    c0: splitStates(c.inputs.c0),
    lengths: c.lengths ? Int32Array.from(c.lengths) : undefined,
    dy: f64(c.upstream.dOutput),
    dhT: splitStates(c.upstream.dH),
    dcT: splitStates(c.upstream.dC),
  };
}

/** Runs one golden case on `b` and checks outputs, states and every gradient PyTorch gives. */
export async function checkGoldenCase(b: Backend, c: GoldenCase, tolForward: number, tolGradient: number, withGradients: boolean): Promise<void> {
  const p = goldenProblem(c);
  const { out, grads } = await runLayer(b, p, withGradients);
  const where = `golden ${c.name} on ${b.name}`;
  expectClose(out.y, c.outputs.output.data, tolForward, `${where}: output`, c.outputs.output.shape);
  expectClose(concat(out.hT), c.outputs.h.data, tolForward, `${where}: h`, c.outputs.h.shape);
  if (c.outputs.c) expectClose(concat(out.cT ?? []), c.outputs.c.data, tolForward, `${where}: c`, c.outputs.c.shape);
  if (!grads) return;
  let checked = 0;
  for (const [name, g] of Object.entries(c.grads)) {
    let actual: Float64Array | undefined;
    if (name === 'x') actual = grads.dx;
    else if (name === 'h0') actual = concat(grads.dh0);
    else if (name === 'c0') actual = concat(grads.dc0 ?? []);
    else actual = grads.params.get(name);
    expect(actual, `${where}: gradient ${name} missing`).toBeDefined();
    expectClose(actual!, g.data, tolGradient, `${where}: gradient ${name}`, g.shape);
    checked++;
  }
  // Every parameter, plus x, has a golden gradient: make sure none was silently skipped.
  expect(checked).toBeGreaterThanOrEqual(recurrentParamShapes(p.cfg).length + 1);
}

export function describeGolden(s: Suite): void {
  const cases = loadGoldenCases();
  describe('golden PyTorch cases', () => {
    it('the golden file holds all 15 cases', () => {
      expect(cases.length).toBe(15);
    });
    for (const c of cases) {
      const cell = goldenCell(c);
      const what = `${c.name}: ${describeCell(cell)}, ${c.numLayers} layer(s)${c.bidirectional ? ', bidirectional' : ''}${c.lengths ? `, lengths [${c.lengths}]` : ''}`;
      it(`reference (float64) reproduces ${what} to ${GOLDEN_REFERENCE_TOLERANCE}`, async () => {
        await checkGoldenCase(s.reference, c, GOLDEN_REFERENCE_TOLERANCE, GOLDEN_REFERENCE_TOLERANCE, true);
      });
      const unsupported = !supportsCell(s.caps, cell) || (c.lengths !== null && !s.caps.sequenceLengths);
      it.skipIf(unsupported)(`backend reproduces ${what}${s.caps.training ? ' (with gradients)' : ' (forward only)'}`, async () => {
        await checkGoldenCase(s.backend, c, s.tol.forward, s.tol.gradient, s.caps.training);
      });
    }
  });
}
