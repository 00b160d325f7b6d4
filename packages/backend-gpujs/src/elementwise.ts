// Element-wise and shape kernels on flat textures. Index maths: `Math.floor((i + 0.5) / n)` is
// the row of flat index i in rows of n; the +0.5 keeps float32 division from landing just
// below an integer.
import { release, type Engine, type KernelArg, type Storage } from './engine.js';

/** data: [n] host floats → texture [n] */
export function upload(e: Engine, data: Float32Array): Storage {
  return e.run({ key: `upload:${data.length}`, size: data.length, source: 'function (a) { return a[this.thread.x]; }' }, [data]);
}

/** → [n] filled with v */
export function fill(e: Engine, n: number, v: number): Storage {
  return e.run({ key: `fill:${n}`, size: n, source: 'function (v) { return v; }' }, [v]);
}

const binarySources = {
  add: 'function (a, b) { return a[this.thread.x] + b[this.thread.x]; }',
  mul: 'function (a, b) { return a[this.thread.x] * b[this.thread.x]; }',
} as const;

/** a, b: [n] → [n] */
export function binary(e: Engine, op: keyof typeof binarySources, a: Storage, b: Storage, n: number): Storage {
  return e.run({ key: `${op}:${n}`, size: n, source: binarySources[op] }, [a, b]);
}

/** a: [n] → a · s */
export function scale(e: Engine, a: Storage, s: number, n: number): Storage {
  return e.run({ key: `scale:${n}`, size: n, source: 'function (a, s) { return a[this.thread.x] * s; }' }, [a, s]);
}

/** a: [n] → σ(a) */
export function sigmoid(e: Engine, a: Storage, n: number): Storage {
  return e.run(
    { key: `sigmoid:${n}`, size: n, source: 'function (a) { return 1 / (1 + Math.exp(-a[this.thread.x])); }' },
    [a],
  );
}

/** a: [rows, A], b: [rows, B] → [rows, A+B] */
export function concatLast(e: Engine, a: Storage, b: Storage, rows: number, na: number, nb: number): Storage {
  const w = na + nb;
  return e.run(
    {
      key: `concat:${rows}:${na}:${nb}`,
      size: rows * w,
      constants: { A: na, B: nb, W: w },
      source: `function (a, b) {
        const i = this.thread.x;
        const r = Math.floor((i + 0.5) / this.constants.W);
        const c = i - r * this.constants.W;
        if (c < this.constants.A) { return a[r * this.constants.A + c]; }
        return b[r * this.constants.B + c - this.constants.A];
      }`,
    },
    [a, b],
  );
}

/** x: [rows, n] → [rows, size] from column start */
export function sliceLast(e: Engine, x: Storage, rows: number, n: number, start: number, size: number): Storage {
  return e.run(
    {
      key: `slice:${rows}:${n}:${start}:${size}`,
      size: rows * size,
      constants: { N: n, S: start, Z: size },
      source: `function (x) {
        const i = this.thread.x;
        const r = Math.floor((i + 0.5) / this.constants.Z);
        const c = i - r * this.constants.Z;
        return x[r * this.constants.N + this.constants.S + c];
      }`,
    },
    [x],
  );
}

/**
 * Sum of `mode(x)` over n elements as [1], in two passes (chunks of 256, then the chunk sums)
 * so that no single fragment loops over a whole large tensor. mode: 'sum' | 'square'.
 */
export function reduceSum(e: Engine, x: Storage, n: number, mode: 'sum' | 'square'): Storage {
  const chunk = 256;
  const parts = Math.ceil(n / chunk);
  const expr = mode === 'square' ? 'v * v' : 'v';
  const partial = e.run(
    {
      key: `reduce-${mode}:${n}`,
      size: parts,
      constants: { N: n, CH: chunk },
      source: `function (x) {
        let s = 0;
        const base = this.thread.x * this.constants.CH;
        for (let k = 0; k < this.constants.CH; k++) {
          if (base + k < this.constants.N) { const v = x[base + k]; s += ${expr}; }
        }
        return s;
      }`,
    },
    [x],
  );
  if (parts === 1) return partial;
  const total = reduceSum(e, partial, parts, 'sum');
  releaseAll([partial]);
  return total;
}

/** Scalars a, b: [1] → [1] */
export function scalarOp(e: Engine, op: 'add' | 'safediv', a: KernelArg, b: KernelArg): Storage {
  const body = op === 'add' ? 'return a[0] + b[0];' : 'if (b[0] > 0) { return a[0] / b[0]; } return 0;';
  return e.run({ key: `scalar-${op}`, size: 1, source: `function (a, b) { ${body} }` }, [a, b]);
}

export function releaseAll(xs: readonly Storage[]): void {
  for (const x of xs) release(x);
}
