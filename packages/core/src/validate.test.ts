import { describe, expect, it } from 'vitest';
import { checkInput, checkLengths, checkTargets } from './validate.js';

describe('input validation messages name the argument, the expected and the actual value', () => {
  const seq = { kind: 'sequence', features: 3 } as const;

  it('checks x', () => {
    expect(checkInput({ data: new Float32Array(12), shape: [2, 2, 3] }, seq)).toEqual([2, 2]);
    expect(() => checkInput({ data: new Float32Array(12), shape: [2, 3, 2] }, seq)).toThrow('x: expected shape [B, T, 3], got [2, 3, 2]');
    expect(() => checkInput({ data: new Float32Array(10), shape: [2, 2, 3] }, seq)).toThrow('x: data has 10 elements but shape [2, 2, 3] needs 12');
    expect(() => checkInput({ data: new Int32Array(12), shape: [2, 2, 3] }, seq)).toThrow('x: expected Float32Array features, got Int32Array');
    const nan = new Float32Array(12);
    nan[5] = Number.NaN;
    expect(() => checkInput({ data: nan, shape: [2, 2, 3] }, seq)).toThrow('x: expected finite values, got NaN at flat index 5');
    nan[5] = Number.POSITIVE_INFINITY;
    expect(() => checkInput({ data: nan, shape: [2, 2, 3] }, seq)).toThrow('got Infinity at flat index 5');
    expect(() => checkInput({ data: Int32Array.from([1, 10]), shape: [1, 2] }, { kind: 'ids', vocab: 10 })).toThrow(
      'x: token id 10 at flat index 1 is out of range [0, 10)',
    );
  });

  it('checks lengths', () => {
    expect(() => checkLengths(Int32Array.from([1, 2]), 3, 4)).toThrow('lengths: expected 3 entries (one per sample), got 2');
    expect(() => checkLengths(Int32Array.from([1, 5]), 2, 4)).toThrow('lengths: lengths[1] = 5 is out of range [1, 4]');
    expect(() => checkLengths(Int32Array.from([0, 1]), 2, 4)).toThrow('lengths[0] = 0 is out of range [1, 4]');
  });

  it('checks targets against the loss', () => {
    expect(() => checkTargets({ data: Int32Array.from([0, 3]), shape: [2] }, 'softmaxCrossEntropy', [2, 3])).toThrow(
      'y: label 3 at flat index 1 is out of range [0, 3)',
    );
    expect(() => checkTargets({ data: Int32Array.from([0, 1, 1]), shape: [3] }, 'softmaxCrossEntropy', [2, 3])).toThrow(
      'y: expected shape [2] for softmaxCrossEntropy on output [2, 3], got [3]',
    );
    expect(() => checkTargets({ data: Float32Array.from([0, 2]), shape: [2] }, 'sigmoidBinaryCrossEntropy', [2, 1])).toThrow(
      'y: binary target 2 at index 1 is outside [0, 1]',
    );
    expect(() => checkTargets({ data: Float32Array.from([0, 1]), shape: [2] }, 'sigmoidBinaryCrossEntropy', [2, 3])).toThrow(
      'sigmoidBinaryCrossEntropy needs model output [B, 1], got [2, 3]',
    );
  });
});
