// The backend primitives (backend.ts) as loops over host arrays, precision-generic: the result
// has the array type of the first operand. backend-js runs them directly; a backend whose
// tensors live on the host (onnx on its CPU provider) can too. Shapes are checked by core's
// checked backend before any of these run.
import type { Activation, FloatArray } from '../backend.js';
import { allocLike } from './alloc.js';

type Any = FloatArray | Int32Array;

function like<A extends Any>(x: A, n: number): A {
  if (x instanceof Int32Array) return new Int32Array(n) as A;
  return allocLike(x as FloatArray, n) as A;
}

/** op(a): [M, K], op(b): [K, N] → [M, N]; a stored [M, K] (or [K, M] when transposeA), b [K, N] (or [N, K]). */
export function matmul<A extends FloatArray>(a: A, b: FloatArray, M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): A {
  const out = allocLike(a, M * N);
  if (transposeB) {
    // bᵀ: rows of b are contiguous along k, so each output is one dot product.
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const r = j * K;
        if (transposeA) for (let k = 0; k < K; k++) acc += a[k * M + i]! * b[r + k]!;
        else {
          const ar = i * K;
          for (let k = 0; k < K; k++) acc += a[ar + k]! * b[r + k]!;
        }
        out[i * N + j] = acc;
      }
    }
    return out;
  }
  // i-k-j order: the inner loop runs along contiguous rows of b and of the result.
  for (let i = 0; i < M; i++) {
    const o = i * N;
    for (let k = 0; k < K; k++) {
      const av = transposeA ? a[k * M + i]! : a[i * K + k]!;
      const r = k * N;
      for (let j = 0; j < N; j++) out[o + j] = out[o + j]! + av * b[r + j]!;
    }
  }
  return out;
}

export function add<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

export function sub<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

export function mul<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

export function affine<A extends FloatArray>(x: A, scale: number, shift: number): A {
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * scale + shift;
  return out;
}

/** x: [N, K], b: [K] → x + b per row */
export function addRow<A extends FloatArray>(x: A, b: FloatArray): A {
  const K = b.length;
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i += K) for (let k = 0; k < K; k++) out[i + k] = x[i + k]! + b[k]!;
  return out;
}

/** x: [N, K] → [K] */
export function sumRows<A extends FloatArray>(x: A, K: number): A {
  const out = allocLike(x, K);
  for (let i = 0; i < x.length; i += K) for (let k = 0; k < K; k++) out[k] = out[k]! + x[i + k]!;
  return out;
}

function sigmoidOf(z: number): number {
  // Stable on both sides: exp of a non-positive number only.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function activation<A extends FloatArray>(f: Activation, x: A): A {
  const out = allocLike(x, x.length);
  switch (f) {
    case 'sigmoid':
      for (let i = 0; i < x.length; i++) out[i] = sigmoidOf(x[i]!);
      break;
    case 'tanh':
      for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i]!);
      break;
    case 'relu':
      for (let i = 0; i < x.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
      break;
  }
  return out;
}

export function activationGrad<A extends FloatArray>(f: Activation, y: A, dy: FloatArray): A {
  const out = allocLike(y, y.length);
  switch (f) {
    case 'sigmoid':
      for (let i = 0; i < y.length; i++) out[i] = dy[i]! * y[i]! * (1 - y[i]!);
      break;
    case 'tanh':
      for (let i = 0; i < y.length; i++) out[i] = dy[i]! * (1 - y[i]! * y[i]!);
      break;
    case 'relu':
      for (let i = 0; i < y.length; i++) out[i] = y[i]! > 0 ? dy[i]! : 0;
      break;
  }
  return out;
}

/** Outer, axis and inner extents of `shape` around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

export function slice<A extends Any>(x: A, shape: readonly number[], axis: number, start: number, size: number): A {
  const [outer, n, inner] = around(shape, axis);
  const out = like(x, outer * size * inner);
  const run = size * inner;
  for (let o = 0; o < outer; o++) out.set(x.subarray((o * n + start) * inner, (o * n + start) * inner + run), o * run);
  return out;
}

export function concat<A extends Any>(xs: readonly A[], shapes: readonly (readonly number[])[], axis: number): A {
  const [outer, , inner] = around(shapes[0]!, axis);
  const total = shapes.reduce((a, s) => a + s[axis]!, 0);
  const out = like(xs[0]!, outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    xs.forEach((x, i) => {
      const run = shapes[i]![axis]! * inner;
      out.set(x.subarray(o * run, (o + 1) * run), at);
      at += run;
    });
  }
  return out;
}

/** Σ x² over every array. */
export function sumSquares(xs: readonly FloatArray[]): number {
  let s = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

export function div<A extends FloatArray>(a: A, b: FloatArray): A {
  const out = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! / b[i]!;
  return out;
}

/** Mean and 1/√(var + eps) of row r of x: [N, K] (biased variance, two passes for accuracy). */
function rowMoments(x: FloatArray, r: number, K: number, eps: number): [number, number] {
  let mean = 0;
  for (let k = 0; k < K; k++) mean += x[r * K + k]!;
  mean /= K;
  let v = 0;
  for (let k = 0; k < K; k++) {
    const d = x[r * K + k]! - mean;
    v += d * d;
  }
  return [mean, 1 / Math.sqrt(v / K + eps)];
}

/** x: [N, K] → (x − mean) / √(var + eps) per row */
export function layerNorm<A extends FloatArray>(x: A, K: number, eps: number): A {
  const out = allocLike(x, x.length);
  for (let r = 0; r < x.length / K; r++) {
    const [mean, rstd] = rowMoments(x, r, K, eps);
    for (let k = 0; k < K; k++) out[r * K + k] = (x[r * K + k]! - mean) * rstd;
  }
  return out;
}

/** dx = rstd · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)) per row, x̂ the normalised row */
export function layerNormGrad<A extends FloatArray>(x: A, dy: FloatArray, K: number, eps: number): A {
  const out = allocLike(x, x.length);
  for (let r = 0; r < x.length / K; r++) {
    const [mean, rstd] = rowMoments(x, r, K, eps);
    let mdy = 0;
    let mdyx = 0;
    for (let k = 0; k < K; k++) {
      const g = dy[r * K + k]!;
      mdy += g;
      mdyx += g * (x[r * K + k]! - mean) * rstd;
    }
    mdy /= K;
    mdyx /= K;
    for (let k = 0; k < K; k++) out[r * K + k] = rstd * (dy[r * K + k]! - mdy - (x[r * K + k]! - mean) * rstd * mdyx);
  }
  return out;
}

/** Sizes of a "same" conv2d: x [B, C, H, W], w [O, C, k, k]. */
export interface Conv2dSizes {
  readonly B: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly k: number;
}

/**
 * Every tap of a "same" convolution: for each sample b, output channel o, input channel c and
 * kernel offset (u, v), the row range [i0, i1) × [j0, j1) of outputs whose input pixel
 * (i + u − p, j + v − p) lies inside the image, with the planes' base offsets. The three conv
 * loops differ only in what they do with one tap.
 */
function forEachTap(
  s: Conv2dSizes,
  tap: (xBase: number, yBase: number, w: number, i0: number, i1: number, j0: number, j1: number, shift: number) => void,
): void {
  const { B, C, H, W, O, k } = s;
  const p = (k - 1) >> 1;
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const yBase = (b * O + o) * H * W;
      for (let c = 0; c < C; c++) {
        const xBase = (b * C + c) * H * W;
        for (let u = 0; u < k; u++) {
          for (let v = 0; v < k; v++) {
            // shift: x's flat offset of output (i, j) is xBase + i·W + j + shift.
            tap(xBase, yBase, ((o * C + c) * k + u) * k + v, Math.max(0, p - u), Math.min(H, H + p - u), Math.max(0, p - v), Math.min(W, W + p - v), (u - p) * W + (v - p));
          }
        }
      }
    }
  }
}

/** y[b, o, i, j] = bias[o] + Σ_c,u,v x[b, c, i + u − p, j + v − p] · w[o, c, u, v], p = (k − 1)/2, zero outside */
export function conv2d<A extends FloatArray>(x: A, w: FloatArray, bias: FloatArray | undefined, s: Conv2dSizes): A {
  const { B, H, W, O } = s;
  const out = allocLike(x, B * O * H * W);
  if (bias) for (let b = 0; b < B; b++) for (let o = 0; o < O; o++) out.fill(bias[o]!, (b * O + o) * H * W, (b * O + o + 1) * H * W);
  forEachTap(s, (xb, yb, wi, i0, i1, j0, j1, shift) => {
    const wv = w[wi]!;
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[yb + i * W + j] = out[yb + i * W + j]! + wv * x[xb + i * W + j + shift]!;
  });
  return out;
}

/** dx[b, c, i', j'] = Σ_o,u,v dy[b, o, i' − u + p, j' − v + p] · w[o, c, u, v] */
export function conv2dGradInput<A extends FloatArray>(dy: A, w: FloatArray, s: Conv2dSizes): A {
  const { B, C, H, W } = s;
  const out = allocLike(dy, B * C * H * W);
  forEachTap(s, (xb, yb, wi, i0, i1, j0, j1, shift) => {
    const wv = w[wi]!;
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[xb + i * W + j + shift] = out[xb + i * W + j + shift]! + wv * dy[yb + i * W + j]!;
  });
  return out;
}

/** dw[o, c, u, v] = Σ_b,i,j dy[b, o, i, j] · x[b, c, i + u − p, j + v − p] */
export function conv2dGradFilter<A extends FloatArray>(x: A, dy: FloatArray, s: Conv2dSizes): A {
  const { C, O, k } = s;
  const out = allocLike(x, O * C * k * k);
  const { W } = s;
  forEachTap(s, (xb, yb, wi, i0, i1, j0, j1, shift) => {
    let acc = 0;
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) acc += dy[yb + i * W + j]! * x[xb + i * W + j + shift]!;
    out[wi] = out[wi]! + acc;
  });
  return out;
}

/** a, b: [B, T, N], h0: [B, N] → h: [B, T, N], h_t = a_t ⊙ h_{t−1} + b_t (reverse: from t = T − 1 down) */
export function linearScan<A extends FloatArray>(a: A, b: FloatArray, h0: FloatArray, B: number, T: number, N: number, reverse: boolean): A {
  const out = allocLike(a, B * T * N);
  for (let s = 0; s < B; s++) {
    for (let n = 0; n < N; n++) {
      let h = h0[s * N + n]!;
      for (let k = 0; k < T; k++) {
        const t = reverse ? T - 1 - k : k;
        const at = (s * T + t) * N + n;
        h = a[at]! * h + b[at]!;
        out[at] = h;
      }
    }
  }
  return out;
}
