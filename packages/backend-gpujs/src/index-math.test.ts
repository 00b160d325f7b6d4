// Index maths past 2^23 elements. The old row guard ⌊(i + 0.5) / n⌋ put the last element of a
// row into the next row once i + 0.5 was no longer representable in float32 (i ≥ 2^23, odd i):
// the minLSTM MNIST bench's [3584, 2544] gate product and its [128, 28, 2544] gate concat read
// wrong elements there. And `base + i − row·n` lost precision once base + i passed 2^24 (a slice
// read odd elements one off). The outputs here have 2049 rows of 4096 (8 392 704 elements, just
// above 2^23); only the rows from just below 2^23 on are read back and checked.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tensor } from '@rnnkit/core';
import type { GpujsBackend } from './backend.js';
import { MAX_EXACT_INDEX } from './index-math.js';
import { createTestBackend, expectClose, randoms } from './test-support.js';

let be: GpujsBackend;
beforeAll(async () => {
  be = await createTestBackend();
});
afterAll(() => be?.close());

const R = 2049;
const C = 4096;
const rnd = randoms(23);

/** The elements of `t` (rows of C) from the row before 2^23 on, and the same of `ref`. */
async function tail(t: Tensor, ref: ArrayLike<number>): Promise<[Float32Array, Float64Array]> {
  const got = (await be.read(t)) as Float32Array;
  const from = 2 ** 23 - C;
  return [got.slice(from), Float64Array.from({ length: ref.length - from }, (_, i) => ref[from + i]!)];
}

test('sizes: just above 2^23, below the exact limit', () => {
  expect(R * C).toBeGreaterThan(2 ** 23);
  expect(R * C).toBeLessThan(MAX_EXACT_INDEX);
});

test('matmul [R, 1] · [1, C] (row = ⌊i / C⌋ of the output)', async () => {
  const av = rnd(R);
  const bv = rnd(C);
  const out = be.matmul(be.tensor(av, [R, 1], 'float32'), be.tensor(bv, [C, 1], 'float32'), false, true) as Tensor;
  const ref = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) ref[r * C + c] = av[r]! * bv[c]!;
  const [got, want] = await tail(out, ref);
  expectClose(got, want, 'matmul');
});

test('concat on the last axis, [R, C/2] + [R, C/2] → [R, C]', async () => {
  const h = C / 2;
  const pv = rnd(R * h);
  const qv = rnd(R * h);
  const out = be.concat([be.tensor(pv, [R, h], 'float32'), be.tensor(qv, [R, h], 'float32')], 1) as Tensor;
  const ref = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < h; c++) {
      ref[r * C + c] = pv[r * h + c]!;
      ref[r * C + h + c] = qv[r * h + c]!;
    }
  }
  const [got, want] = await tail(out, ref);
  expectClose(got, want, 'concat', 0, 0);
});

test('slice on the last axis, [R, C + 3] → [R, C] from column 1', async () => {
  const W = C + 3;
  const xv = rnd(R * W);
  const out = be.slice(be.tensor(xv, [R, W], 'float32'), 1, 1, C) as Tensor;
  const ref = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) ref[r * C + c] = xv[r * W + 1 + c]!;
  const [got, want] = await tail(out, ref);
  expectClose(got, want, 'slice', 0, 0);
});
