// Strided matrix products: every dense, input-projection, gradient and weight-gradient product
// is this one kernel with different strides (no transposes are materialised).
import { release, type Engine, type Storage } from './engine.js';
import { floorDiv } from './index-math.js';

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
 * How a product runs. 'simple': one fragment per output, two texture fetches per multiply-add.
 * 'packed': A and Bᵀ are first repacked into vec4 textures along K (4 consecutive k per texel),
 * so the inner loop does 4 multiply-adds per 2 fetches; the repacking costs (M+N)·K fetches,
 * small next to 2·M·N·K. Fetches dominate on every GPU and by far on a software rasteriser.
 * 'auto' packs large products on WebGL (gpu.js CPU fallbacks keep the simple kernel).
 */
export type MatmulStrategy = 'auto' | 'simple' | 'packed';

/** X: [P, K] (a view) → [P, ceil(K/4)] vec4 texture, zero-padded past K */
function pack4(e: Engine, x: MatView, P: number, K: number): Storage {
  const K4 = Math.ceil(K / 4);
  const c = { K, K4, O: x.off, S0: x.s0, S1: x.s1 };
  const get = (q: number): string =>
    `if (k0 + ${q} < this.constants.K) { v${q} = x[base + (k0 + ${q}) * this.constants.S1]; }`;
  return e.run(
    {
      key: `pack4:${P}:${Object.values(c).join(',')}`,
      size: P * K4,
      constants: c,
      returnType: 'Array(4)',
      source: `function (x) {
        const i = this.thread.x;
        ${floorDiv('p', 'i', 'this.constants.K4')}
        const k0 = (i - p * this.constants.K4) * 4;
        const base = this.constants.O + p * this.constants.S0;
        let v0 = 0;
        let v1 = 0;
        let v2 = 0;
        let v3 = 0;
        ${[0, 1, 2, 3].map(get).join('\n        ')}
        return [v0, v1, v2, v3];
      }`,
    },
    [x.data],
  );
}

const transposed = (v: MatView): MatView => ({ data: v.data, off: v.off, s0: v.s1, s1: v.s0 });

/** The packed form of `matmul` (same contract). */
function matmulPacked(e: Engine, m: number, n: number, k: number, a: MatView, b: MatView, bias?: Storage, b2?: { view: MatView; split: number }): Storage {
  const b4 = pack4(e, transposed(b), n, k);
  const c4 = b2 ? pack4(e, transposed(b2.view), n, k) : undefined;
  const out = productPacked(e, m, n, k, a, b4, bias, c4 && { c4, split: b2!.split });
  release(b4);
  if (c4) release(c4);
  return out;
}

/** out: [M, N] = A · B with B given as its packed transpose b4: [N, ⌈K/4⌉] vec4 */
function productPacked(e: Engine, m: number, n: number, k: number, a: MatView, b4: Storage, bias?: Storage, b2?: { c4: Storage; split: number }): Storage {
  const K4 = Math.ceil(k / 4);
  const a4 = pack4(e, a, m, k);
  const c4 = b2?.c4;
  const args: Storage[] = [a4, b4];
  if (c4) args.push(c4);
  if (bias) args.push(bias);
  const params = ['a4', 'b4', ...(c4 ? ['c4'] : []), ...(bias ? ['bias'] : [])].join(', ');
  const loop = (src: string): string => `
        for (let k = 0; k < this.constants.K4; k++) {
          const va = a4[aBase + k];
          const vb = ${src}[bBase + k];
          s += va[0] * vb[0] + va[1] * vb[1] + va[2] * vb[2] + va[3] * vb[3];
        }`;
  const body = c4 ? `if (row < this.constants.SP) {${loop('b4')}
        } else {${loop('c4')}
        }` : loop('b4');
  const out = e.run(
    {
      key: `matmul4:${m},${n},${k}:${bias ? 'b' : ''}:${b2 ? b2.split : ''}`,
      size: m * n,
      constants: { N: n, K4, SP: b2?.split ?? m },
      source: `function (${params}) {
        const i = this.thread.x;
        ${floorDiv('row', 'i', 'this.constants.N')}
        const col = i - row * this.constants.N;
        const aBase = row * this.constants.K4;
        const bBase = col * this.constants.K4;
        let s = ${bias ? 'bias[col]' : '0'};
        ${body}
        return s;
      }`,
    },
    args,
  );
  release(a4);
  return out;
}

const usePacked = (e: Engine, m: number, n: number, k: number, strategy: MatmulStrategy): boolean =>
  strategy === 'packed' || (strategy === 'auto' && e.kind === 'webgl' && k >= 8 && m * n * k >= 1 << 20);

/**
 * A right operand B [K, N] used by many products of M rows (the recurrent weights, once per
 * step): packed once here instead of once per product. Free it with `releaseRight`.
 */
export interface PreparedRight {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly b: MatView;
  readonly b4: Storage | undefined;
}

export function prepareRight(e: Engine, m: number, n: number, k: number, b: MatView, strategy: MatmulStrategy = 'auto'): PreparedRight {
  return { m, n, k, b, b4: usePacked(e, m, n, k, strategy) ? pack4(e, transposed(b), n, k) : undefined };
}

export function releaseRight(p: PreparedRight): void {
  if (p.b4) release(p.b4);
}

/** out: [M, N] = A [M, K] · B (+ bias [N]), B prepared by `prepareRight` */
export function matmulPrepared(e: Engine, a: MatView, p: PreparedRight, bias?: Storage): Storage {
  return p.b4 ? productPacked(e, p.m, p.n, p.k, a, p.b4, bias) : matmul(e, p.m, p.n, p.k, a, p.b, bias, undefined, 'simple');
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
  strategy: MatmulStrategy = 'auto',
): Storage {
  if (usePacked(e, m, n, k, strategy)) return matmulPacked(e, m, n, k, a, b, bias, b2);
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
        ${floorDiv('row', 'i', 'this.constants.N')}
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

/**
 * The contract's 2-D product op(a) · op(b): a stored [M, K] (or [K, M] when transposeA), b stored
 * [K, N] (or [N, K] when transposeB) → [M, N]. Transposes are strides of the views, never copies.
 */
export function matmulOp(e: Engine, a: Storage, b: Storage, M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): Storage {
  const av = transposeA ? view(a, 0, 1, M) : view(a, 0, K, 1);
  const bv = transposeB ? view(b, 0, 1, K) : view(b, 0, N, 1);
  return matmul(e, M, N, K, av, bv);
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
