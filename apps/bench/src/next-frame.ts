// The movingMnist task's host-side pieces: the copy-the-last-frame baseline every model is judged
// against, and the few held-out sequences the HTML report draws. Scored in float64 on the host, by
// the same code for every backend.
import type { HostTensor } from '@rnnkit/core';
import type { EncodedFrames, FrameExamples } from './results.js';

/** How many held-out sequences the report draws (the first ones of the test set, which every backend scores). */
export const EXAMPLE_SEQUENCES = 2;

/**
 * Per-pixel MSE of predicting "nothing moves": x̂_{t+1} = x_t. With x = frames 0..T−2 and y =
 * frames 1..T−1 that is simply mean((x − y)²) over the same elements; a model that has learnt no
 * motion at all scores this, so it is the bar a next-frame model must clear.
 */
export function copyLastFrameLoss(x: HostTensor<Float32Array>, y: HostTensor): number {
  if (x.data.length !== y.data.length) throw new Error(`copyLastFrameLoss: x has ${x.data.length} values, y ${y.data.length}`);
  let sum = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = x.data[i]! - y.data[i]!;
    sum += d * d;
  }
  return sum / x.data.length;
}

/** Frames [T, 1, S, S] (or [T, S, S]) of one sequence, clamped to [0, 1] and quantised for the picture. */
export function encodeFrames(values: ArrayLike<number>, frames: number, frameSize: number): EncodedFrames {
  if (values.length !== frames * frameSize * frameSize) throw new Error(`encodeFrames: expected ${frames}×${frameSize}×${frameSize} values, got ${values.length}`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(255 * Math.min(1, Math.max(0, values[i]!)));
  return { frames, frameSize, base64: Buffer.from(bytes).toString('base64') };
}

export function decodeFrames(f: EncodedFrames): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(f.base64, 'base64'));
  if (bytes.length !== f.frames * f.frameSize * f.frameSize) throw new Error(`decodeFrames: expected ${f.frames}×${f.frameSize}² bytes, got ${bytes.length}`);
  return bytes;
}

/** Sequence `n` of a [N, T, 1, S, S] tensor, encoded. */
export function sequenceFrames(t: HostTensor<Float32Array>, n: number): EncodedFrames {
  const [, T = 0, , , S = 0] = t.shape;
  if (t.shape.length !== 5) throw new Error(`sequenceFrames: expected [N, T, 1, S, S], got [${t.shape.join(', ')}]`);
  const size = T * S * S;
  return encodeFrames(t.data.subarray(n * size, (n + 1) * size), T, S);
}

/** The first `count` test sequences: inputs and true next frames. */
export function frameExamples(x: HostTensor<Float32Array>, y: HostTensor<Float32Array>, count = EXAMPLE_SEQUENCES): FrameExamples {
  const indices = Array.from({ length: Math.min(count, x.shape[0]!) }, (_, i) => i);
  return { indices, inputs: indices.map((n) => sequenceFrames(x, n)), targets: indices.map((n) => sequenceFrames(y, n)) };
}
