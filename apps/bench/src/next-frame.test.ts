import { describe, expect, it } from 'vitest';
import { copyLastFrameLoss, decodeFrames, encodeFrames, frameExamples } from './next-frame.js';

describe('copyLastFrameLoss', () => {
  it('is the MSE of predicting every next frame as the frame before it', () => {
    // One sequence of three 1×2 frames a, b, c: x = [a, b], y = [b, c].
    const [a, b, c] = [[0, 1], [1, 1], [1, 0]];
    const x = { data: Float32Array.from([...a!, ...b!]), shape: [1, 2, 1, 1, 2] };
    const y = { data: Float32Array.from([...b!, ...c!]), shape: [1, 2, 1, 1, 2] };
    // (a−b)² = [1, 0], (b−c)² = [0, 1]: 2 of 4 pixels wrong by 1.
    expect(copyLastFrameLoss(x, y)).toBe(0.5);
    expect(copyLastFrameLoss(y, y)).toBe(0);
    expect(() => copyLastFrameLoss(x, { data: new Float32Array(3), shape: [3] })).toThrow('copyLastFrameLoss: x has 4 values, y 3');
  });
});

describe('frame encoding for the report', () => {
  it('clamps to [0, 1] and quantises to bytes, and decodes back', () => {
    const f = encodeFrames([-0.2, 0, 0.5, 1.7], 1, 2);
    expect(f).toMatchObject({ frames: 1, frameSize: 2 });
    expect([...decodeFrames(f)]).toEqual([0, 0, 128, 255]);
    expect(() => encodeFrames([1, 2, 3], 1, 2)).toThrow('encodeFrames: expected 1×2×2 values, got 3');
  });

  it('frameExamples: the first test sequences, inputs and true next frames', () => {
    const T = 3;
    const S = 2;
    const x = { data: Float32Array.from({ length: 3 * T * S * S }, (_, i) => (i % 7) / 7), shape: [3, T, 1, S, S] };
    const y = { data: Float32Array.from({ length: 3 * T * S * S }, (_, i) => (i % 5) / 5), shape: [3, T, 1, S, S] };
    const e = frameExamples(x, y);
    expect(e.indices).toEqual([0, 1]);
    expect(e.inputs).toHaveLength(2);
    expect([...decodeFrames(e.inputs[1]!)]).toEqual([...x.data.subarray(12, 24)].map((v) => Math.round(255 * v)));
    expect([...decodeFrames(e.targets[0]!)]).toEqual([...y.data.subarray(0, 12)].map((v) => Math.round(255 * v)));
    expect(frameExamples(x, y, 5).indices).toEqual([0, 1, 2]);
  });
});
