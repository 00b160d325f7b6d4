// The movingMnist picture in report.html: for each example sequence, a row of input frames, a row
// of true next frames and a row of predicted next frames per backend, aligned so that column t
// shows x_t, x_{t+1} and the prediction of x_{t+1}. Each row is one PNG strip (data URI) inside an
// inline SVG with the labels, like the other charts: self-contained, no scripts, no network.
import { decodeFrames } from './next-frame.js';
import { grayscalePng, pngDataUri } from './png.js';
import type { EncodedFrames, FrameExamples } from './results.js';
import { escapeHtml } from './svg-charts.js';

export interface PredictionRow {
  readonly label: string;
  /** Per example of FrameExamples, in the same order. */
  readonly frames: readonly EncodedFrames[];
}

/** Frames side by side, each pixel a scale×scale block, frames `gap` pixels apart (light grey between). */
export function frameStrip(f: EncodedFrames, scale: number, gap: number): { png: Buffer; width: number; height: number } {
  const pixels = decodeFrames(f);
  const S = f.frameSize;
  const side = S * scale;
  const width = f.frames * side + (f.frames - 1) * gap;
  const height = side;
  const out = new Uint8Array(width * height).fill(230);
  for (let t = 0; t < f.frames; t++) {
    const x0 = t * (side + gap);
    for (let y = 0; y < height; y++) {
      const row = (t * S + Math.floor(y / scale)) * S;
      for (let x = 0; x < side; x++) out[y * width + x0 + x] = pixels[row + Math.floor(x / scale)]!;
    }
  }
  return { png: grayscalePng(out, width, height), width, height };
}

export function framesPicture(title: string, examples: FrameExamples, predictions: readonly PredictionRow[], opts: { scale?: number } = {}): string {
  const scale = opts.scale ?? 4;
  const gap = 4;
  const labelW = 190;
  const rowGap = 6;
  const first = examples.inputs[0];
  if (!first) return '';
  const side = first.frameSize * scale;
  const stripW = first.frames * side + (first.frames - 1) * gap;
  const W = labelW + stripW + 12;
  const parts: string[] = [];
  let y = 32;
  // Column headings: the step t of the input frame (the target is the frame after it).
  for (let t = 0; t < first.frames; t++) parts.push(`<text x="${labelW + t * (side + gap) + side / 2}" y="${y - 6}" text-anchor="middle" class="tick">t = ${t}</text>`);
  examples.indices.forEach((index, k) => {
    const rows: { label: string; frames: EncodedFrames | undefined }[] = [
      { label: 'input xₜ', frames: examples.inputs[k] },
      { label: 'true next xₜ₊₁', frames: examples.targets[k] },
      ...predictions.map((p) => ({ label: `predicted: ${p.label}`, frames: p.frames[k] })),
    ];
    parts.push(`<text x="8" y="${y + 12}" class="label">held-out sequence ${index}</text>`);
    y += 20;
    for (const row of rows) {
      parts.push(`<text x="${labelW - 8}" y="${y + side / 2 + 4}" text-anchor="end" class="tick">${escapeHtml(row.label)}</text>`);
      if (row.frames) {
        const strip = frameStrip(row.frames, scale, gap);
        parts.push(`<image x="${labelW}" y="${y}" width="${strip.width}" height="${strip.height}" href="${pngDataUri(strip.png)}"><title>${escapeHtml(row.label)}</title></image>`);
      } else {
        parts.push(`<text x="${labelW}" y="${y + side / 2 + 4}" class="tick">–</text>`);
      }
      y += side + rowGap;
    }
    y += 10;
  });
  const H = y;
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}"><text x="${W / 2}" y="18" text-anchor="middle" class="title">${escapeHtml(title)}</text>${parts.join('')}</svg>`;
}
