// The MNIST subset the build step wrote into public/data/ (scripts/prepare-mnist.mjs), read back with
// @rnnkit/datasets' own IDX decoder and scaled exactly as loadMnist({ normalize: true }) scales it.
import type { Dataset } from '@rnnkit/core';
import { MNIST_IMAGE_MAGIC, MNIST_LABEL_MAGIC, MNIST_MEAN, MNIST_STD, parseIdx } from '@rnnkit/datasets';

async function fetchIdx(name: string, magic: number) {
  const url = new URL(`./data/${name}`, document.baseURI);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status} (was the page built with scripts/prepare-mnist.mjs?)`);
  const idx = parseIdx(new Uint8Array(await res.arrayBuffer()), url.pathname);
  if (idx.magic !== magic) throw new Error(`${url.pathname}: magic 0x${idx.magic.toString(16)}, expected 0x${magic.toString(16)}`);
  return idx;
}

/** Pixels in [0, 255] → standardised like torchvision's Normalize((0.1307,), (0.3081,)). */
export function standardise(pixels: ArrayLike<number>, scale = 1 / 255): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = (pixels[i]! * scale - MNIST_MEAN) / MNIST_STD;
  return out;
}

/** The first `count` samples of a split: x [N, 28, 28], y [N]. */
export async function loadSplit(split: 'train' | 'test', count: number): Promise<Dataset> {
  const [images, labels] = await Promise.all([fetchIdx(`${split}-images.idx`, MNIST_IMAGE_MAGIC), fetchIdx(`${split}-labels.idx`, MNIST_LABEL_MAGIC)]);
  const have = images.dims[0] ?? 0;
  if (count > have) throw new Error(`${split}: ${count} samples asked, the page was built with ${have}`);
  return {
    x: { data: standardise(images.data.subarray(0, count * 784)), shape: [count, 28, 28] },
    y: { data: Int32Array.from(labels.data.subarray(0, count)), shape: [count] },
  };
}
