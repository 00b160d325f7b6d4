import { describe, expect, it } from 'vitest';
import { glorotUniform, normalInit, orthogonalInit, uniformInit } from './init.js';
import { Rng } from './rng.js';
import { buildDense } from './layers/dense.js';
import { buildEmbedding } from './layers/embedding.js';
import { buildRecurrent } from './layers/recurrent.js';
import { layers } from './layers/specs.js';

describe('initialisers', () => {
  it('orthogonalInit gives orthonormal columns (Keras orthogonal, PyTorch layout [G·H, H])', () => {
    const rows = 48;
    const cols = 12;
    const q = orthogonalInit(new Rng(1), rows, cols);
    let worst = 0;
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += q[r * cols + i]! * q[r * cols + j]!;
        worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('orthogonalInit of a wide kernel (ConvLSTM [4Hc, Hc·k·k]) gives orthonormal rows', () => {
    const [rows, cols] = [8, 18];
    const q = orthogonalInit(new Rng(3), rows, cols);
    let worst = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += q[i * cols + c]! * q[j * cols + c]!;
        worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('draws within the documented bounds and is seeded', () => {
    const g = glorotUniform(new Rng(2), 10_000, 28, 512);
    const b = Math.sqrt(6 / (28 + 512));
    expect(Math.max(...g)).toBeLessThanOrEqual(b);
    expect(Math.min(...g)).toBeGreaterThanOrEqual(-b);
    expect(Math.max(...g)).toBeGreaterThan(0.95 * b);
    expect(uniformInit(new Rng(3), 5, 0.1)).toEqual(uniformInit(new Rng(3), 5, 0.1));
    const n = normalInit(new Rng(4), 20_000);
    const mean = n.reduce((a, v) => a + v, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
  });
});

describe('layer initialisation schemes', () => {
  it("'keras': glorot input kernel, orthogonal recurrent kernel, zero biases with forget bias 1", () => {
    const H = 8;
    const lstm = buildRecurrent(layers.lstm({ inputSize: 5, hiddenSize: H }), undefined, 0).init(new Rng(1), 'keras');
    const bIh = lstm.get('bias_ih_l0')!;
    expect(Array.from(bIh.subarray(H, 2 * H))).toEqual(new Array(H).fill(1));
    expect(bIh.subarray(0, H).every((v) => v === 0) && bIh.subarray(2 * H).every((v) => v === 0)).toBe(true);
    expect(lstm.get('bias_hh_l0')!.every((v) => v === 0)).toBe(true);
    const bound = Math.sqrt(6 / (5 + 4 * H));
    expect(lstm.get('weight_ih_l0')!.every((v) => Math.abs(v) <= bound)).toBe(true);
    const whh = lstm.get('weight_hh_l0')!;
    let norm0 = 0;
    for (let r = 0; r < 4 * H; r++) norm0 += whh[r * H]! ** 2;
    expect(norm0).toBeCloseTo(1, 5);
    const dense = buildDense(layers.dense({ units: 3, inputSize: H }), undefined, 1).init(new Rng(2), 'keras');
    expect(Array.from(dense.get('bias')!)).toEqual([0, 0, 0]);
    const emb = buildEmbedding(layers.embedding({ inputDim: 50, outputDim: 4 }), undefined, 0).init(new Rng(3), 'keras');
    expect(emb.get('weight')!.every((v) => Math.abs(v) <= 0.05)).toBe(true);
  });

  it("'pytorch': everything U(-1/√H, 1/√H) for recurrent layers, embedding N(0, 1)", () => {
    const H = 16;
    const w = buildRecurrent(layers.gru({ inputSize: 3, hiddenSize: H }), undefined, 0).init(new Rng(1), 'pytorch');
    for (const v of w.values()) expect(v.every((x) => Math.abs(x) <= 1 / Math.sqrt(H))).toBe(true);
    const emb = buildEmbedding(layers.embedding({ inputDim: 200, outputDim: 50 }), undefined, 0).init(new Rng(3), 'pytorch');
    expect(emb.get('weight')!.some((v) => Math.abs(v) > 1)).toBe(true);
  });
});
