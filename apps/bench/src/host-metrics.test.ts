import { describe, expect, it } from 'vitest';
import { scoreLogits } from './host-metrics.js';

describe('scoreLogits', () => {
  it('softmax cross-entropy and argmax accuracy', () => {
    const logits = { data: Float32Array.from([2, 0, 0, 0, 0, 3]), shape: [2, 3] };
    const labels = { data: Int32Array.from([0, 1]), shape: [2] };
    const r = scoreLogits('softmaxCrossEntropy', logits, labels);
    const l0 = Math.log(Math.exp(2) + 2) - 2;
    const l1 = Math.log(2 + Math.exp(3)) - 0;
    expect(r.loss).toBeCloseTo((l0 + l1) / 2, 6);
    expect(r.accuracy).toBe(0.5);
  });

  it('sigmoid binary cross-entropy on logits and threshold-at-0 accuracy', () => {
    const logits = { data: Float32Array.from([1.5, -0.5, 40]), shape: [3, 1] };
    const targets = { data: Float32Array.from([1, 1, 0]), shape: [3] };
    const r = scoreLogits('sigmoidBinaryCrossEntropy', logits, targets);
    const bce = (z: number, y: number) => -(y * Math.log(1 / (1 + Math.exp(-z))) + (1 - y) * Math.log(1 - 1 / (1 + Math.exp(-z))));
    expect(r.loss).toBeCloseTo((bce(1.5, 1) + bce(-0.5, 1) + 40) / 3, 6);
    expect(r.accuracy).toBeCloseTo(1 / 3);
  });

  it('mean squared error over every element (per pixel for frames), no accuracy', () => {
    const frames = { data: Float32Array.from([0, 0.5, 1, 1]), shape: [1, 2, 1, 1, 2] };
    const truth = { data: Float32Array.from([0, 1, 1, 0]), shape: [1, 2, 1, 1, 2] };
    expect(scoreLogits('meanSquaredError', frames, truth)).toEqual({ loss: (0.25 + 1) / 4, accuracy: undefined });
  });

  it('rejects mismatched rows and losses it cannot score', () => {
    const logits = { data: new Float32Array(4), shape: [2, 2] };
    expect(() => scoreLogits('softmaxCrossEntropy', logits, { data: new Int32Array(3), shape: [3] })).toThrow('targets: expected 2 rows (one per output row), got 3');
    expect(() => scoreLogits('sequenceCrossEntropy', logits, { data: new Float32Array(2), shape: [2] })).toThrow(/got sequenceCrossEntropy/);
    expect(() => scoreLogits('meanSquaredError', logits, { data: new Float32Array(2), shape: [2] })).toThrow('targets: expected 4 values (the outputs\' shape [2, 2]), got 2');
  });
});
