// The drawing pad: a digit drawn with the mouse (or a finger), brought into MNIST's own framing
// (the digit's bounding box scaled into 20 × 20, placed in 28 × 28 by its centre of mass, as
// LeCun et al. prepared MNIST), then classified row by row by the LSTM trained on the page.
import type { Sequential } from '@rnnkit/core';
import { standardise } from './data.js';

/** 28 × 28 pixels in [0, 255] from the pad's canvas (white strokes on black), or undefined when empty. */
export function mnistFrame(pad: HTMLCanvasElement): Uint8ClampedArray | undefined {
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const { width: W, height: H } = pad;
  const src = ctx.getImageData(0, 0, W, H).data;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (src[4 * (y * W + x)]! > 20) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return undefined;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  const box = document.createElement('canvas');
  box.width = box.height = 28;
  const bctx = box.getContext('2d', { willReadFrequently: true })!;
  bctx.fillStyle = '#000';
  bctx.fillRect(0, 0, 28, 28);
  bctx.imageSmoothingEnabled = true;
  bctx.imageSmoothingQuality = 'high';
  const dw = bw * s, dh = bh * s;
  bctx.drawImage(pad, x0, y0, bw, bh, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
  const small = bctx.getImageData(0, 0, 28, 28).data;
  // Centre of mass to the middle, as in MNIST.
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const v = small[4 * (y * 28 + x)]!;
    m += v; mx += v * x; my += v * y;
  }
  const dx = Math.round(13.5 - mx / m), dy = Math.round(13.5 - my / m);
  const out = new Uint8ClampedArray(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const sx = x - dx, sy = y - dy;
    if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = small[4 * (sy * 28 + sx)]!;
  }
  return out;
}

function softmax(logits: Float32Array): Float32Array {
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export async function classify(model: Sequential, frame: Uint8ClampedArray): Promise<Float32Array> {
  const out = await model.predict({ data: standardise(frame), shape: [1, 28, 28] });
  return softmax(out.data);
}

/** Wires the pad: drawing, clearing, and a classification after every stroke. */
export function setUpPad(getModel: () => Sequential | undefined): void {
  const pad = document.querySelector<HTMLCanvasElement>('#pad')!;
  const seen = document.querySelector<HTMLCanvasElement>('#seen')!;
  const probs = document.querySelector<HTMLDivElement>('#probs')!;
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
    seen.getContext('2d')!.clearRect(0, 0, seen.width, seen.height);
    probs.textContent = '';
  };
  clear();
  let drawing = false;
  let last: [number, number] | undefined;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  const line = (to: [number, number]) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 20;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...(last ?? to));
    ctx.lineTo(...to);
    ctx.stroke();
    last = to;
  };
  let busy = false;
  const update = async () => {
    const frame = mnistFrame(pad);
    const model = getModel();
    if (!frame || busy) return;
    const img = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) img.data.set([frame[i]!, frame[i]!, frame[i]!, 255], 4 * i);
    const sctx = seen.getContext('2d')!;
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    tmp.getContext('2d')!.putImageData(img, 0, 0);
    sctx.imageSmoothingEnabled = false;
    sctx.drawImage(tmp, 0, 0, seen.width, seen.height);
    if (!model) return;
    busy = true;
    try {
      const p = await classify(model, frame);
      const best = p.indexOf(Math.max(...p));
      probs.innerHTML = Array.from(p, (v, d) =>
        `<div class="${d === best ? 'best' : ''}">${d} <span class="bar" style="width:${(150 * v).toFixed(0)}px"></span> ${(100 * v).toFixed(1)}%</div>`,
      ).join('');
      probs.dataset.prediction = String(best);
    } finally {
      busy = false;
    }
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = undefined;
    pad.setPointerCapture(e.pointerId);
    line(at(e));
  });
  pad.addEventListener('pointermove', (e) => {
    if (drawing) line(at(e));
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    void update();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  document.querySelector('#clear')!.addEventListener('click', clear);
}
