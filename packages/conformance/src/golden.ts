// Golden cases: PyTorch 1.13 float64 numbers for 15 recurrent layers (every cell, stacked,
// bidirectional, sequence lengths). They pin the reference to an outside implementation: finite
// differences only prove a backward pass matches its own forward pass.
// Mapping: x → x; h0/c0 [L·D, B, H] → one [B, H] per layer·direction; dOutput → dy; dH/dC split
// per layer·direction → dhT/dcT; loss = sum(output·dOutput) + sum(h·dH) + sum(c·dC).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cellDefinition, cellCatalogue, type Backend, type CellConfig } from '@rnnkit/core';
import { recurrentParamShapes, sizesOf, type RecurrentConfig } from '@rnnkit/core/internal';
import { expectClose } from './compare.js';
import { runLayer, type LayerProblem } from './recurrent-harness.js';
import { declaredPaths, type Suite } from './suite.js';
import { GOLDEN_REFERENCE_TOLERANCE } from './tolerance.js';

interface GoldenTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface GoldenCase {
  readonly name: string;
  /** The family (RNN, LSTM, GRU, CTRNN, ...); the cell itself is `cell` (variants) or mode + options (classic). */
  readonly mode: string;
  readonly cell?: { readonly kind: string; readonly [option: string]: unknown };
  readonly nonlinearity?: 'tanh' | 'relu';
  readonly resetAfter?: boolean;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly lengths: number[] | null;
  readonly params: Record<string, GoldenTensor>;
  /** x, and `${state}0` for each initial state given (h0, c0, s0) */
  readonly inputs: Record<string, GoldenTensor | undefined> & { x: GoldenTensor };
  /** dOutput, and `d${State}` per state (dH, dC, dS) */
  readonly upstream: Record<string, GoldenTensor | undefined> & { dOutput: GoldenTensor };
  /** output, and each final state by name (h, c, s) */
  readonly outputs: Record<string, GoldenTensor | undefined> & { output: GoldenTensor };
  readonly grads: Record<string, GoldenTensor>;
}

function readGolden(file: string): GoldenCase[] {
  const parsed = JSON.parse(readFileSync(new URL(`../golden/${file}`, import.meta.url), 'utf8')) as { schema: string; cases: GoldenCase[] };
  if (parsed.schema !== 'rnnkit-golden/1') throw new Error(`golden/${file}: schema: expected 'rnnkit-golden/1', got '${parsed.schema}'`);
  return parsed.cases;
}

/** The classic cells' cases (recurrent.json), shipped with this package (works from src/ and from dist/). */
export function loadGoldenCases(): GoldenCase[] {
  return readGolden('recurrent.json');
}

/** The catalogue's cases (variants.json). */
export function loadVariantCases(): GoldenCase[] {
  return readGolden('variants.json');
}

/** The case's cell as core defines it, or undefined when core's catalogue has no such cell (yet). */
export function goldenCell(c: GoldenCase): CellConfig | undefined {
  if (!c.cell) {
    switch (c.mode) {
      case 'RNN':
        return { kind: 'rnn', nonlinearity: c.nonlinearity ?? 'tanh' };
      case 'LSTM':
        return { kind: 'lstm', unitForgetBias: false };
      case 'GRU':
        return { kind: 'gru', resetAfter: c.resetAfter ?? true };
      default:
        throw new Error(`golden case ${c.name}: unknown mode ${c.mode}`);
    }
  }
  const { kind, ...options } = c.cell;
  if (!Object.hasOwn(cellCatalogue, kind)) return undefined;
  return cellDefinition(kind).configure(options, `golden case ${c.name}`);
}

const f64 = (t: GoldenTensor) => Float64Array.from(t.data);

/** [L·D, B, ...] → L·D arrays of [B, ...]. */
function splitStates(t: GoldenTensor | undefined): Float64Array[] | undefined {
  if (!t) return undefined;
  const n = t.shape[0]!;
  const per = t.data.length / n;
  return Array.from({ length: n }, (_, k) => Float64Array.from(t.data.slice(k * per, (k + 1) * per)));
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

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function stateNames(cfg: RecurrentConfig): string[] {
  return cfg.def.states(cfg.cell, sizesOf(cfg, 0)).map((s) => s.name);
}

export function goldenProblem(c: GoldenCase, cell: CellConfig): LayerProblem {
  const cfg: RecurrentConfig = {
    def: cellDefinition(cell.kind),
    cell,
    inputSize: c.inputSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
  };
  const [B, T] = c.inputs.x.shape as [number, number];
  // ConvLSTM reads the frame size from x: [B, T, C, H, W].
  const frame = c.inputs.x.shape.length === 5 ? ([c.inputs.x.shape[3]!, c.inputs.x.shape[4]!] as const) : undefined;
  const params = new Map<string, Float64Array>();
  for (const { name, shape } of recurrentParamShapes(cfg)) {
    const p = c.params[name];
    if (!p) throw new Error(`golden case ${c.name}: missing parameter ${name}`);
    if (p.shape.join(',') !== shape.join(',')) throw new Error(`golden case ${c.name}: ${name}: expected shape [${shape}], got [${p.shape}]`);
    params.set(name, f64(p));
  }
  const [s0, s1] = stateNames(cfg);
  return {
    cfg,
    B,
    T,
    frame,
    params,
    x: f64(c.inputs.x),
    h0: splitStates(c.inputs[`${s0}0`]),
    c0: s1 ? splitStates(c.inputs[`${s1}0`]) : undefined,
    lengths: c.lengths ? Int32Array.from(c.lengths) : undefined,
    dy: f64(c.upstream.dOutput),
    dhT: splitStates(c.upstream[`d${cap(s0!)}`]),
    dcT: s1 ? splitStates(c.upstream[`d${cap(s1)}`]) : undefined,
  };
}

/** Runs one golden case on `b` (fused kernels on or off) and checks outputs, states and every gradient PyTorch gives. */
export async function checkGoldenCase(b: Backend, c: GoldenCase, cell: CellConfig, tolForward: number, tolGradient: number, withGradients: boolean, fused = true): Promise<void> {
  const p = goldenProblem(c, cell);
  const [s0, s1] = stateNames(p.cfg);
  const { out, grads } = await runLayer(b, p, withGradients, fused);
  const where = `golden ${c.name} on ${b.name} (${fused ? 'fused where available' : 'generic path'})`;
  expectClose(out.y, c.outputs.output.data, tolForward, `${where}: output`, c.outputs.output.shape);
  const h = c.outputs[s0!];
  expect(h, `${where}: golden output '${s0}' missing`).toBeDefined();
  expectClose(concat(out.hT), h!.data, tolForward, `${where}: ${s0}`, h!.shape);
  if (s1) {
    const cs = c.outputs[s1];
    expect(cs, `${where}: golden output '${s1}' missing`).toBeDefined();
    expectClose(concat(out.cT ?? []), cs!.data, tolForward, `${where}: ${s1}`, cs!.shape);
  }
  if (!grads) return;
  let checked = 0;
  for (const [name, g] of Object.entries(c.grads)) {
    let actual: Float64Array | undefined;
    if (name === 'x') actual = grads.dx;
    else if (name === `${s0}0`) actual = concat(grads.dh0);
    else if (s1 && name === `${s1}0`) actual = concat(grads.dc0 ?? []);
    else actual = grads.params.get(name);
    expect(actual, `${where}: gradient ${name} missing`).toBeDefined();
    expectClose(actual!, g.data, tolGradient, `${where}: gradient ${name}`, g.shape);
    checked++;
  }
  // Every parameter, plus x, has a golden gradient: make sure none was silently skipped.
  expect(checked).toBeGreaterThanOrEqual(recurrentParamShapes(p.cfg).length + 1);
}

function describeCases(s: Suite, title: string, cases: GoldenCase[], expected: number): void {
  describe(title, () => {
    it(`the golden file holds all ${expected} cases`, () => {
      expect(cases.length).toBe(expected);
    });
    for (const c of cases) {
      const cell = goldenCell(c);
      if (!cell) {
        it.skip(`${c.name}: ${JSON.stringify(c.cell)} is not in core's cell catalogue yet`, () => {});
        continue;
      }
      const def = cellDefinition(cell.kind);
      const what = `${c.name}: ${def.describe(cell)}, ${c.numLayers} layer(s)${c.bidirectional ? ', bidirectional' : ''}${c.lengths ? `, lengths [${c.lengths}]` : ''}`;
      for (const path of ['fused', 'generic'] as const) {
        it(`reference (float64, ${path}) reproduces ${what} to ${GOLDEN_REFERENCE_TOLERANCE}`, async () => {
          await checkGoldenCase(s.reference, c, cell, GOLDEN_REFERENCE_TOLERANCE, GOLDEN_REFERENCE_TOLERANCE, true, path === 'fused');
        });
      }
      for (const path of declaredPaths(s, cell)) {
        it(`backend (${path}) reproduces ${what}${s.caps.training ? ' (with gradients)' : ' (forward only)'}`, async () => {
          await checkGoldenCase(s.backend, c, cell, s.tol.forward, s.tol.gradient, s.caps.training, path === 'fused');
        });
      }
    }
  });
}

export function describeGolden(s: Suite): void {
  describeCases(s, 'golden PyTorch cases (recurrent.json)', loadGoldenCases(), 15);
  describeCases(s, 'golden PyTorch cases of the catalogue (variants.json)', loadVariantCases(), 34);
}
