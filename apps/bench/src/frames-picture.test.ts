import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { frameStrip, framesPicture } from './frames-picture.js';
import { encodeFrames } from './next-frame.js';

// Two 2×2 frames: a bright top-left pixel, then a bright bottom-right one.
const seq = encodeFrames([1, 0, 0, 0, 0, 0, 0, 1], 2, 2);

describe('frameStrip', () => {
  it('draws the frames side by side, each pixel a scale×scale block, with a light gap between frames', () => {
    const s = frameStrip(seq, 3, 2);
    expect([s.width, s.height]).toEqual([2 * 6 + 2, 6]);
    // IDAT payload: per row a filter byte, then the pixels.
    const idat = s.png.subarray(8 + 25 + 8, s.png.length - 12 - 4);
    const raw = inflateSync(idat);
    const row = (y: number) => [...raw.subarray(y * (s.width + 1) + 1, (y + 1) * (s.width + 1))];
    expect(row(0)).toEqual([255, 255, 255, 0, 0, 0, 230, 230, 0, 0, 0, 0, 0, 0]);
    expect(row(5)).toEqual([0, 0, 0, 0, 0, 0, 230, 230, 0, 0, 0, 255, 255, 255]);
  });
});

describe('framesPicture', () => {
  it('one labelled row per input, truth and backend, per example, as PNG data URIs in an SVG', () => {
    const examples = { indices: [0, 1], inputs: [seq, seq], targets: [seq, seq] };
    const svg = framesPicture('Moving MNIST: predictions', examples, [
      { label: 'js', frames: [seq, seq] },
      { label: 'onnx <cpu>', frames: [seq] },
    ]);
    expect(svg.startsWith('<svg class="chart"')).toBe(true);
    expect(svg).toContain('aria-label="Moving MNIST: predictions"');
    // 2 examples × (input, truth, js, onnx), the second onnx row missing.
    expect(svg.match(/<image /g)).toHaveLength(7);
    expect(svg.match(/href="data:image\/png;base64,/g)).toHaveLength(7);
    expect(svg).toContain('held-out sequence 1');
    expect(svg).toContain('predicted: onnx &lt;cpu&gt;');
    expect(svg).not.toMatch(/https?:\/\//);
    expect(framesPicture('x', { indices: [], inputs: [], targets: [] }, [])).toBe('');
  });
});
