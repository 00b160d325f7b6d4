// The exported Scan with run-time sizes: steps whose reshapes hold the batch (and frame) size give the same
// values at batch and frame sizes other than the traced ones. No catalogue cell reshapes in its forward
// step yet, so two small test-only cells do.

import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { CellConfig, CellDefinition } from '@rnnkit/core';
import { addScanDirection } from './export-scan.js';
import { traceExportStep } from './export-trace.js';
import { encodeModel, FLOAT, GraphBuilder } from './onnx-graph.js';

const unused = async (): Promise<never> => {
  throw new Error('test cell: forward only');
};

/** h' = tanh(a_even + h), a = x Wᵀ: [B, 2K], its even columns picked through [B·K, 2] (one batch-sized dim). */
const evenCell: CellDefinition = {
  kind: 'even',
  configure: () => ({ kind: 'even' }),
  params: (_c, { inputSize: I, hiddenSize: K }) => [{ name: 'weight', shape: [2 * K, I], role: 'input' }],
  states: (_c, { hiddenSize: K }) => [{ name: 'h', shape: [K] }],
  async forward(ops, _c, p, x, [h]) {
    const [B, K] = h!.shape as [number, number];
    const a = await ops.matmul(x, p.get('weight')!, false, true); // [B, 2K]
    const pairs = await ops.reshape(a, [B * K, 2]);
    const even = await ops.reshape(await ops.slice(pairs, 1, 0, 1), [B, K]);
    return { states: [await ops.activation('tanh', await ops.add(even, h!))], cache: [] };
  },
  backward: unused,
  describe: () => 'even',
};

/** Image steps x: [B, C, H, W] through [B·C, H, W] and back (several run-time dims), h' = tanh(x_{c=0} + h). */
const frameCell: CellDefinition = {
  kind: 'frame',
  inputRank: 3,
  configure: () => ({ kind: 'frame' }),
  params: () => [],
  states: (_c, { spatial }) => [{ name: 'h', shape: [1, ...spatial!] }],
  async forward(ops, _c, _p, x, [h]) {
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const back = await ops.reshape(await ops.reshape(x, [B * C, H, W]), [B, C, H, W]);
    return { states: [await ops.activation('tanh', await ops.add(await ops.slice(back, 1, 0, 1), h!))], cache: [] };
  },
  backward: unused,
  describe: () => 'frame',
};

/** A graph of one Scan direction: x [T, B, ...] → y [T, B, ...], final [B, ...]. */
async function scanSession(def: CellDefinition, sizes: { inputSize: number; hiddenSize: number }, params: Record<string, { shape: number[]; data: Float32Array }>) {
  const cell: CellConfig = def.configure({}, 'test');
  const step = await traceExportStep(def, cell, sizes, 'test');
  const g = new GraphBuilder('scan_test');
  const X = g.input('x', FLOAT, null);
  const names = new Map(Object.entries(params).map(([k, v]) => [k, g.floats(v.data, v.shape, k)] as const));
  const { y, final } = addScanDirection(g, { step, params: names, X, mask: '', reverse: false });
  g.node('Identity', [y], ['y']);
  g.node('Identity', [final], ['final']);
  g.output('y', FLOAT, null);
  g.output('final', FLOAT, null);
  return InferenceSession.create(encodeModel(g.graph()), { executionProviders: ['cpu'] });
}

const wave = (n: number, phase: number) => Float32Array.from({ length: n }, (_, k) => Math.sin(0.9 * k + phase));

function expectClose(actual: ArrayLike<unknown>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) expect(Math.abs((actual[k] as number) - expected[k]!)).toBeLessThanOrEqual(1e-6);
}

describe('exported Scan with run-time sizes', () => {
  it('a reshape with a batch-sized dim (−1) at batch sizes 1 and 4', async () => {
    const [I, K, T] = [3, 2, 4];
    const weight = wave(2 * K * I, 0.3);
    const session = await scanSession(evenCell, { inputSize: I, hiddenSize: K }, { weight: { shape: [2 * K, I], data: weight } });
    try {
      for (const B of [1, 4]) {
        const x = wave(T * B * I, B); // [T, B, I]
        const ys = new Float32Array(T * B * K);
        const h = new Float32Array(B * K);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            for (let k = 0; k < K; k++) {
              let a = 0;
              for (let i = 0; i < I; i++) a += x[(t * B + b) * I + i]! * weight[2 * k * I + i]!; // column 2k of x Wᵀ
              h[b * K + k] = Math.tanh(a + h[b * K + k]!);
            }
          }
          ys.set(h, t * B * K);
        }
        const out = await session.run({ x: new OrtTensor('float32', x, [T, B, I]) });
        expect(out.y!.dims).toEqual([T, B, K]);
        expectClose(out.y!.data as Float32Array, ys);
        expectClose(out.final!.data as Float32Array, h);
      }
    } finally {
      await session.release();
    }
  });

  it('image steps: reshapes with batch, height and width dims at frame sizes other than the traced ones', async () => {
    const [C, T] = [2, 3];
    const session = await scanSession(frameCell, { inputSize: C, hiddenSize: 1 }, {});
    try {
      for (const [B, H, W] of [
        [1, 2, 3],
        [3, 4, 1],
      ] as const) {
        const x = wave(T * B * C * H * W, H); // [T, B, C, H, W]
        const hw = H * W;
        const h = new Float32Array(B * hw);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) for (let k = 0; k < hw; k++) h[b * hw + k] = Math.tanh(x[((t * B + b) * C + 0) * hw + k]! + h[b * hw + k]!);
        }
        const out = await session.run({ x: new OrtTensor('float32', x, [T, B, C, H, W]) });
        expect(out.final!.dims).toEqual([B, 1, H, W]);
        expectClose(out.final!.data as Float32Array, h);
      }
    } finally {
      await session.release();
    }
  });
});
