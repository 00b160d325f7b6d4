// Element-wise kernels on flat textures, and the reductions the losses and sumSquares share.
// Index maths: `floorDiv` (index-math.ts) gives the row of flat index i in rows of n, exactly for
// every i below 2^24.
//
// Every kernel is cached by its flat size only: scalars (affine's scale and shift, fill's value)
// are uniforms, not compiled constants, so a new value never compiles a new program.
import type { Activation } from '@rnnkit/core';
import { release, type Engine, type KernelArg, type Storage } from './engine.js';
import { floorDiv } from './index-math.js';

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
  sub: 'function (a, b) { return a[this.thread.x] - b[this.thread.x]; }',
  mul: 'function (a, b) { return a[this.thread.x] * b[this.thread.x]; }',
  div: 'function (a, b) { return a[this.thread.x] / b[this.thread.x]; }',
} as const;

export type BinaryOp = keyof typeof binarySources;

/** a, b: [n] → [n] */
export function binary(e: Engine, op: BinaryOp, a: Storage, b: Storage, n: number): Storage {
  return e.run({ key: `${op}:${n}`, size: n, source: binarySources[op] }, [a, b]);
}

/** x: [n] → x·scale + shift */
export function affine(e: Engine, x: Storage, scale: number, shift: number, n: number): Storage {
  return e.run({ key: `affine:${n}`, size: n, source: 'function (x, s, h) { return x[this.thread.x] * s + h; }' }, [x, scale, shift]);
}

/** x: [N, K], b: [K] → x + b on every row */
export function addRow(e: Engine, x: Storage, b: Storage, N: number, K: number): Storage {
  return e.run(
    {
      key: `addrow:${N}:${K}`,
      size: N * K,
      constants: { K },
      source: `function (x, b) {
        const i = this.thread.x;
        ${floorDiv('r', 'i', 'this.constants.K')}
        return x[i] + b[i - r * this.constants.K];
      }`,
    },
    [x, b],
  );
}

// The primitives' activations are accurate over the whole float range, unlike the clamped forms
// inside the fused recurrent kernels (recurrent.ts): a cell's step may take tanh of a tiny value
// and divide by it, and the generic path is checked against the fused one.
const activationBodies: Record<Activation, string> = {
  // exp of a non-positive number only: neither side overflows
  sigmoid: `if (v >= 0) { return 1 / (1 + Math.exp(-v)); }
        const ev = Math.exp(v);
        return ev / (1 + ev);`,
  // (1 − e^{−2|v|}) / (1 + e^{−2|v|}) cancels for small |v|: its odd Taylor series there
  // (truncation error below 1e-8 relative for |v| < 0.25)
  tanh: `const a = Math.abs(v);
        if (a < 0.25) {
          const v2 = v * v;
          return v * (1 + v2 * (-0.3333333333 + v2 * (0.1333333333 + v2 * (-0.0539682540 + v2 * 0.0218694885))));
        }
        const ev = Math.exp(-2 * Math.min(a, 15));
        const t = (1 - ev) / (1 + ev);
        if (v < 0) { return -t; }
        return t;`,
  relu: 'return Math.max(v, 0);',
};

/** x: [n] → f(x) */
export function activation(e: Engine, f: Activation, x: Storage, n: number): Storage {
  return e.run(
    {
      key: `act-${f}:${n}`,
      size: n,
      source: `function (x) {
        const v = x[this.thread.x];
        ${activationBodies[f]}
      }`,
    },
    [x],
  );
}

/** From the output y = f(x): dy ⊙ f′ */
const activationGradBodies: Record<Activation, string> = {
  sigmoid: 'return g * v * (1 - v);',
  tanh: 'return g * (1 - v * v);',
  relu: 'if (v > 0) { return g; } return 0;',
};

/** y, dy: [n] → dy ⊙ f′(x), with f′ written in y = f(x) */
export function activationGrad(e: Engine, f: Activation, y: Storage, dy: Storage, n: number): Storage {
  return e.run(
    {
      key: `actgrad-${f}:${n}`,
      size: n,
      source: `function (y, dy) {
        const v = y[this.thread.x];
        const g = dy[this.thread.x];
        ${activationGradBodies[f]}
      }`,
    },
    [y, dy],
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
