// "Same" 2-D convolution (PyTorch cross-correlation, stride 1, zero padding P = (k − 1)/2, NCHW)
// and its two gradients, for ConvLSTM's gates. Each is a gather: one fragment per output element
// sums over its receptive field, so no fragment writes where another reads and nothing needs
// atomics or a second pass. Taps that fall in the zero padding are skipped by a bounds test
// rather than clamped loops: GLSL ES 1.0 loops need compile-time bounds, and the sizes are
// compiled constants here, so one program serves one shape.
import type { Engine, Storage } from './engine.js';
import { floorDiv } from './index-math.js';
import type { Conv2dSizes } from '@rnnkit/core/host';

/** x: [B, C, H, W], w: [O, C, k, k], y and dy: [B, O, H, W]: the sizes core's host loops take. */
export type { Conv2dSizes } from '@rnnkit/core/host';

function constants(s: Conv2dSizes): Record<string, number> {
  return { C: s.C, H: s.H, W: s.W, O: s.O, K: s.k, P: (s.k - 1) >> 1, HW: s.H * s.W, KK: s.k * s.k };
}

const sizeKey = (s: Conv2dSizes): string => `${s.B}:${s.C}:${s.H}:${s.W}:${s.O}:${s.k}`;

// Flat index i of a [B, Z, H, W] tensor → plane = b·Z + z, row oi, column oj.
const pixel = (Z: string): string => `const i = this.thread.x;
        ${floorDiv('plane', 'i', 'this.constants.HW')}
        ${floorDiv('b', 'plane', `this.constants.${Z}`)}
        const z = plane - b * this.constants.${Z};
        const pix = i - plane * this.constants.HW;
        ${floorDiv('oi', 'pix', 'this.constants.W')}
        const oj = pix - oi * this.constants.W;`;

/** x: [B, C, H, W], w: [O, C, k, k], bias: [O] or absent → y: [B, O, H, W]; C > 0 */
export function conv2d(e: Engine, x: Storage, w: Storage, bias: Storage | undefined, s: Conv2dSizes): Storage {
  return e.run(
    {
      key: `conv2d:${sizeKey(s)}:${bias ? 'b' : ''}`,
      size: s.B * s.O * s.H * s.W,
      constants: constants(s),
      source: `function (x, w${bias ? ', bias' : ''}) {
        ${pixel('O')}
        let acc = ${bias ? 'bias[z]' : '0'};
        for (let c = 0; c < this.constants.C; c++) {
          const xb = (b * this.constants.C + c) * this.constants.HW;
          const wb = (z * this.constants.C + c) * this.constants.KK;
          for (let u = 0; u < this.constants.K; u++) {
            const si = oi + u - this.constants.P;
            if (si >= 0 && si < this.constants.H) {
              for (let v = 0; v < this.constants.K; v++) {
                const sj = oj + v - this.constants.P;
                if (sj >= 0 && sj < this.constants.W) {
                  acc += x[xb + si * this.constants.W + sj] * w[wb + u * this.constants.K + v];
                }
              }
            }
          }
        }
        return acc;
      }`,
    },
    bias ? [x, w, bias] : [x, w],
  );
}

/** bias: [O] → [B, O, H, W], every plane its channel's bias: conv2d of zero input channels */
export function biasPlanes(e: Engine, bias: Storage, s: Conv2dSizes): Storage {
  return e.run(
    {
      key: `conv2d-bias:${sizeKey(s)}`,
      size: s.B * s.O * s.H * s.W,
      constants: { HW: s.H * s.W, O: s.O },
      source: `function (bias) {
        ${floorDiv('plane', 'this.thread.x', 'this.constants.HW')}
        ${floorDiv('b', 'plane', 'this.constants.O')}
        return bias[plane - b * this.constants.O];
      }`,
    },
    [bias],
  );
}

/**
 * dy: [B, O, H, W], w: [O, C, k, k] → dx: [B, C, H, W], the "full" correlation of dy with the
 * flipped filter: input pixel (i, j) fed output (i − u + P, j − v + P) through tap (u, v). O > 0.
 */
export function conv2dGradInput(e: Engine, dy: Storage, w: Storage, s: Conv2dSizes): Storage {
  return e.run(
    {
      key: `conv2d-dx:${sizeKey(s)}`,
      size: s.B * s.C * s.H * s.W,
      constants: constants(s),
      source: `function (dy, w) {
        ${pixel('C')}
        let acc = 0;
        for (let o = 0; o < this.constants.O; o++) {
          const yb = (b * this.constants.O + o) * this.constants.HW;
          const wb = (o * this.constants.C + z) * this.constants.KK;
          for (let u = 0; u < this.constants.K; u++) {
            const si = oi - u + this.constants.P;
            if (si >= 0 && si < this.constants.H) {
              for (let v = 0; v < this.constants.K; v++) {
                const sj = oj - v + this.constants.P;
                if (sj >= 0 && sj < this.constants.W) {
                  acc += dy[yb + si * this.constants.W + sj] * w[wb + u * this.constants.K + v];
                }
              }
            }
          }
        }
        return acc;
      }`,
    },
    [dy, w],
  );
}

/**
 * x: [B, C, H, W], dy: [B, O, H, W] → dw: [O, C, k, k], tap (u, v) of filter (o, c) summed over
 * every sample and output pixel it touched. B·H·W > 0.
 */
export function conv2dGradFilter(e: Engine, x: Storage, dy: Storage, s: Conv2dSizes): Storage {
  return e.run(
    {
      key: `conv2d-dw:${sizeKey(s)}`,
      size: s.O * s.C * s.k * s.k,
      constants: { ...constants(s), B: s.B },
      source: `function (x, dy) {
        const i = this.thread.x;
        ${floorDiv('oc', 'i', 'this.constants.KK')}
        ${floorDiv('o', 'oc', 'this.constants.C')}
        const c = oc - o * this.constants.C;
        const tap = i - oc * this.constants.KK;
        ${floorDiv('u', 'tap', 'this.constants.K')}
        const v = tap - u * this.constants.K;
        let acc = 0;
        for (let b = 0; b < this.constants.B; b++) {
          const xb = (b * this.constants.C + c) * this.constants.HW;
          const yb = (b * this.constants.O + o) * this.constants.HW;
          for (let oi = 0; oi < this.constants.H; oi++) {
            const si = oi + u - this.constants.P;
            if (si >= 0 && si < this.constants.H) {
              for (let oj = 0; oj < this.constants.W; oj++) {
                const sj = oj + v - this.constants.P;
                if (sj >= 0 && sj < this.constants.W) {
                  acc += dy[yb + oi * this.constants.W + oj] * x[xb + si * this.constants.W + sj];
                }
              }
            }
          }
        }
        return acc;
      }`,
    },
    [x, dy],
  );
}
