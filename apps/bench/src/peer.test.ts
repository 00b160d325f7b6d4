import { describe, expect, it } from 'vitest';
import { taskConfig } from './config.js';
import { toKerasWeights } from './peer.js';

describe('toKerasWeights (rnnkit/PyTorch layout → tf.layers)', () => {
  it('transposes LSTM and dense weights, sums the two LSTM biases, keeps gate order i f g o', () => {
    const config = taskConfig('mnist', 'tiny');
    const H = 128, I = 28, U = 10;
    const seq = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => i * scale);
    const w = new Map([
      ['0.weight_ih_l0', seq(4 * H * I, 1)],
      ['0.weight_hh_l0', seq(4 * H * H, 1)],
      ['0.bias_ih_l0', seq(4 * H, 1)],
      ['0.bias_hh_l0', seq(4 * H, 10)],
      ['1.weight', seq(U * H, 1)],
      ['1.bias', seq(U, 1)],
    ]);
    const [kernel, recurrent, bias, dense, denseBias] = toKerasWeights(config, w);
    expect(kernel!.shape).toEqual([I, 4 * H]);
    // kernel[i][g] = W_ih[g][i]: row g of W_ih starts at g·I.
    expect(kernel!.data[5 * 4 * H + 300]).toBe(300 * I + 5);
    expect(recurrent!.shape).toEqual([H, 4 * H]);
    expect(recurrent!.data[7 * 4 * H + 400]).toBe(400 * H + 7);
    expect(Array.from(bias!.data.subarray(0, 3))).toEqual([0, 11, 22]);
    expect(dense!.shape).toEqual([H, U]);
    expect(dense!.data[3 * U + 9]).toBe(9 * H + 3);
    expect(denseBias!.shape).toEqual([U]);
  });

  it('IMDB: the embedding comes first, unchanged; a missing parameter is named', () => {
    const config = taskConfig('imdb', 'tiny');
    const emb = new Float32Array(10_000 * 64).fill(0.5);
    const w = new Map([
      ['0.weight', emb],
      ['1.weight_ih_l0', new Float32Array(256 * 64)],
      ['1.weight_hh_l0', new Float32Array(256 * 64)],
      ['1.bias_ih_l0', new Float32Array(256)],
      ['1.bias_hh_l0', new Float32Array(256)],
      ['2.weight', new Float32Array(64)],
      ['2.bias', new Float32Array(1)],
    ]);
    const out = toKerasWeights(config, w);
    expect(out.map((o) => o.shape)).toEqual([[10_000, 64], [64, 256], [64, 256], [256], [64, 1], [1]]);
    expect(out[0]!.data).toBe(emb);
    w.delete('2.bias');
    expect(() => toKerasWeights(config, w)).toThrow('weights: missing 2.bias');
  });
});
