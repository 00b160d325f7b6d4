// Strided matrix products: every dense, input-projection, gradient and weight-gradient product
// is this one kernel with different strides (no transposes are materialised).
import type { Engine, Storage } from './engine.js';

/**
 * X(p, q) = data[off + p·s0 + q·s1]: a row-major matrix (s0 = columns, s1 = 1), its transpose
 * (s0 = 1, s1 = columns), or a column block of a wider buffer (off = first column).
 */
export interface MatView {
  readonly data: Storage;
  readonly off: number;
  readonly s0: number;
  readonly s1: number;
}

export function view(data: Storage, off: number, s0: number, s1: number): MatView {
  return { data, off, s0, s1 };
}

/**
 * out: [M, N] = A [M, K] · B [K, N] (+ bias [N]).
 * With `b2`, output rows m ≥ split use B2 instead of B (GRU reset-before: the n-gate rows of
 * dW_hh multiply r⊙h instead of h).
 */
export function matmul(
  e: Engine,
  m: number,
  n: number,
  k: number,
  a: MatView,
  b: MatView,
  bias?: Storage,
  b2?: { view: MatView; split: number },
): Storage {
  const c = {
    M: m, N: n, K: k,
    OA: a.off, AM: a.s0, AK: a.s1,
    OB: b.off, BK: b.s0, BN: b.s1,
    OC: b2?.view.off ?? 0, CK: b2?.view.s0 ?? 0, CN: b2?.view.s1 ?? 0, SP: b2?.split ?? m,
  };
  const key = `matmul:${Object.values(c).join(',')}:${bias ? 'b' : ''}:${b2 ? 's' : ''}`;
  const args: Storage[] = [a.data, b.data];
  if (b2) args.push(b2.view.data);
  if (bias) args.push(bias);
  const params = ['a', 'b', ...(b2 ? ['b2'] : []), ...(bias ? ['bias'] : [])].join(', ');
  const loop = (src: string, o: string, sk: string, sn: string): string => `
        for (let k = 0; k < this.constants.K; k++) {
          s += a[aBase + k * this.constants.AK] * ${src}[${o} + k * this.constants.${sk} + col * this.constants.${sn}];
        }`;
  const body = b2
    ? `if (row < this.constants.SP) {${loop('b', 'this.constants.OB', 'BK', 'BN')}
        } else {${loop('b2', 'this.constants.OC', 'CK', 'CN')}
        }`
    : loop('b', 'this.constants.OB', 'BK', 'BN');
  return e.run(
    {
      key,
      size: m * n,
      constants: c,
      source: `function (${params}) {
        const i = this.thread.x;
        const row = Math.floor((i + 0.5) / this.constants.N);
        const col = i - row * this.constants.N;
        const aBase = this.constants.OA + row * this.constants.AM;
        let s = ${bias ? 'bias[col]' : '0'};
        ${body}
        return s;
      }`,
    },
    args,
  );
}

/** out: [N] column sums of a [rows, N] block: out[c] = Σ_r a[off + r·stride + c] */
export function columnSum(e: Engine, a: Storage, rows: number, n: number, off: number, stride: number): Storage {
  return e.run(
    {
      key: `colsum:${rows}:${n}:${off}:${stride}`,
      size: n,
      constants: { R: rows, O: off, S: stride },
      source: `function (a) {
        let s = 0;
        for (let r = 0; r < this.constants.R; r++) { s += a[this.constants.O + r * this.constants.S + this.thread.x]; }
        return s;
      }`,
    },
    [a],
  );
}
