import { describe, expect, it } from 'vitest';
import { randoms } from '../test-support.js';
import { columnSums, matmul, matmulNT, matmulTN, transpose } from './matmul.js';

// Plain triple loop on sub-blocks, the definition the blocked kernels must reproduce.
function naive(a: Float32Array, aOff: number, lda: number, aT: boolean, b: Float32Array, bOff: number, ldb: number, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (aT ? a[aOff + k * lda + i]! : a[aOff + i * lda + k]!) * b[bOff + k * ldb + j]!;
      out[i * N + j] = s;
    }
  }
  return out;
}

describe('fast matmul', () => {
  const r = randoms(9);
  // Odd sizes exercise every tail (odd M, K not a multiple of 4, K across several panels).
  for (const [M, K, N] of [[1, 1, 1], [3, 5, 7], [7, 130, 9], [64, 300, 3], [5, 4, 70], [8, 33, 13]] as const) {
    it(`matmul, matmulTN and matmulNT on sub-blocks, M ${M} K ${K} N ${N}, with and without accumulate`, () => {
      const lda = K + 3, ldb = N + 2, ldo = N + 1, aOff = 2, bOff = 5, oOff = 1;
      const a = Float32Array.from(r(aOff + M * lda));
      const b = Float32Array.from(r(bOff + K * ldb));
      const want = naive(a, aOff, lda, false, b, bOff, ldb, M, K, N);
      const out = Float32Array.from(r(oOff + M * ldo));
      const before = out.slice();
      matmul(a, aOff, lda, b, bOff, ldb, out, oOff, ldo, M, K, N, true);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        expect(out[oOff + i * ldo + j]).toBeCloseTo(before[oOff + i * ldo + j]! + want[i * N + j]!, 4);
      }
      // Elements outside the block (the padding of each row) are untouched.
      expect(out[0]).toBe(before[0]);
      for (let i = 0; i < M; i++) expect(out[oOff + i * ldo + N]).toBe(before[oOff + i * ldo + N]);

      const at = Float32Array.from(r(aOff + K * (M + 1)));
      const wantT = naive(at, aOff, M + 1, true, b, bOff, ldb, M, K, N);
      const outT = new Float32Array(oOff + M * ldo);
      matmulTN(at, aOff, M + 1, b, bOff, ldb, outT, oOff, ldo, M, K, N, false);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) expect(outT[oOff + i * ldo + j]).toBeCloseTo(wantT[i * N + j]!, 4);

      // matmulNT takes b as [N, K]: feed it the transpose of the same b block.
      const bt = new Float32Array(3 + N * (K + 1));
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) bt[3 + j * (K + 1) + k] = b[bOff + k * ldb + j]!;
      for (const accumulate of [false, true]) {
        const outN = Float32Array.from(r(oOff + M * ldo));
        const prior = outN.slice();
        matmulNT(a, aOff, lda, bt, 3, K + 1, outN, oOff, ldo, M, K, N, accumulate);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          const o = oOff + i * ldo + j;
          expect(outN[o]).toBeCloseTo((accumulate ? prior[o]! : 0) + want[i * N + j]!, 4);
        }
        for (let i = 0; i < M; i++) expect(outN[oOff + i * ldo + N]).toBe(prior[oOff + i * ldo + N]);
      }
    });
  }

  it('transpose and columnSums', () => {
    const a = Float32Array.from([9, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(transpose(a, 1, 3, 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(columnSums(a, 1, 3, 2, 3))).toEqual([5, 7, 9]);
  });
});
