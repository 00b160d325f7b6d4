// Pieces every recurrent cell shares: the time order, padding masks, per-step slices, and the
// weight products over the whole sequence.
//
// Why the loops avoid slicing big tensors: tfjs-backend-wasm 4.22 implements Slice, SplitV and
// Unpack in JavaScript on a full copy of the source tensor (readSync), so `unstack` of a
// [28, 128, 512] tensor took ~170 ms on the 2-core development machine, and splitting a [B, 4H]
// gate block into gates ~1 ms per step, while a [128,128]×[128,128] product takes ~0.3 ms. So the cells
// (1) compute each gate with its own product on [x_t, h] (no gate split),
// (2) cut sequences into steps by halving (log₂T copies of the source instead of T),
// (3) keep what backward needs as per-step tensors and compute backward's per-step factors in
//     forward, so backward slices nothing but dy (by halving), and
// (4) join per-step tensors with Concat (cheap on every engine) for the whole-sequence products.

import * as tf from '@tensorflow/tfjs-core';

/** One recurrent layer direction's weights, PyTorch layout, as tfjs tensors. */
export interface TfParams {
  /** [G·H, I] */ readonly wIh: tf.Tensor;
  /** [G·H, H] */ readonly wHh: tf.Tensor;
  /** [G·H] */ readonly bIh: tf.Tensor;
  /** [G·H] */ readonly bHh: tf.Tensor;
}

export interface Sequence {
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  readonly reverse: boolean;
  /** Time indices in processing order (T−1 … 0 when reverse). */
  readonly order: readonly number[];
  /** Per-sample valid lengths, or null when every sample has T steps. */
  readonly lengths: Int32Array | null;
}

export function makeSequence(B: number, T: number, I: number, H: number, reverse: boolean, lengths: Int32Array | null): Sequence {
  const order = Array.from({ length: T }, (_, s) => (reverse ? T - 1 - s : s));
  // Lengths of T everywhere mean no padding; skipping the masks then saves ops per step.
  const padded = lengths !== null && lengths.some((l) => l !== T);
  return { B, T, I, H, reverse, order, lengths: padded ? lengths : null };
}

function valid(seq: Sequence, t: number, b: number): boolean {
  return seq.lengths === null || t < (seq.lengths[b] ?? seq.T);
}

/** mask: [T, B, 1] float, 1 at valid steps (t < len_b), 0 at padding; null without padding. */
export function maskTensor(seq: Sequence): tf.Tensor3D | null {
  if (seq.lengths === null) return null;
  const { B, T } = seq;
  const m = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) m[t * B + b] = valid(seq, t, b) ? 1 : 0;
  return tf.tensor3d(m, [T, B, 1]);
}

export interface StepMasks {
  /** keep[t]: bool [B, H], true at valid steps; a padded step keeps the previous state (empty when not asked for). */
  readonly keep: tf.Tensor[];
  /** on[t]: float [B, 1], 1 at valid steps, 0 at padding. */
  readonly on: tf.Tensor[];
  /** off[t]: float [B, 1], 1 − on[t]. */
  readonly off: tf.Tensor[];
}

/** Per-step masks uploaded from the host lengths (no slicing on the device); null without padding. */
export function stepMasks(seq: Sequence, withKeep = true): StepMasks | null {
  if (seq.lengths === null) return null;
  const { B, T, H } = seq;
  const keep: tf.Tensor[] = [], on: tf.Tensor[] = [], off: tf.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const k = new Uint8Array(B * H), o = new Float32Array(B), f = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const v = valid(seq, t, b);
      if (v) k.fill(1, b * H, (b + 1) * H);
      o[b] = v ? 1 : 0;
      f[b] = v ? 0 : 1;
    }
    if (withKeep) keep.push(tf.tensor2d(k, [B, H], 'bool'));
    on.push(tf.tensor2d(o, [B, 1]));
    off.push(tf.tensor2d(f, [B, 1]));
  }
  return { keep, on, off };
}

/** x: [T, ...rest] → T tensors [...rest], by halving (log₂T full copies instead of T). */
export function splitSteps(x: tf.Tensor): tf.Tensor[] {
  const T = x.shape[0] ?? 0;
  const rest = x.shape.slice(1);
  if (T === 1) return [tf.reshape(x, rest)];
  const half = Math.floor(T / 2);
  const [a, b] = tf.split(x, [half, T - half], 0) as [tf.Tensor, tf.Tensor];
  const out = [...splitSteps(a), ...splitSteps(b)];
  a.dispose();
  b.dispose();
  return out;
}

/** x: [B, T, F] → per-step x_t: [B, F] indexed by t, and xFlat: [T·B, F] (time-major) */
export function inputSteps(x: tf.Tensor): { steps: tf.Tensor[]; xFlat: tf.Tensor2D } {
  const [B = 0, T = 0, F = 0] = x.shape;
  const xT = tf.transpose(x, [1, 0, 2]);
  return { steps: splitSteps(xT), xFlat: tf.reshape(xT, [T * B, F]) as tf.Tensor2D };
}

/** Per-step tensors [B, F] indexed by t → [T·B, F] (time-major), one Concat. */
export function joinSteps(steps: readonly (tf.Tensor | undefined)[]): tf.Tensor2D {
  return tf.concat(
    steps.map((s, t) => {
      if (s === undefined) throw new Error(`internal: missing step ${t}`);
      return s;
    }),
    0,
  ) as tf.Tensor2D;
}

/** Per-step states [B, H] indexed by t → y: [B, T, H], zero at padded steps. */
export function outputFromStates(seq: Sequence, states: readonly tf.Tensor[]): tf.Tensor3D {
  const { B, T, H } = seq;
  const mask = maskTensor(seq);
  const stacked = tf.reshape(joinSteps(states), [T, B, H]);
  return tf.transpose(mask === null ? stacked : tf.mul(stacked, mask), [1, 0, 2]) as tf.Tensor3D;
}

/** dy: [B, T, H] → per-step dy_t: [B, H] indexed by t, zero at padded steps (those outputs are constant 0). */
export function upstreamSteps(seq: Sequence, dy: tf.Tensor | undefined): tf.Tensor[] | null {
  if (dy === undefined) return null;
  const mask = maskTensor(seq);
  const dyT = tf.transpose(dy, [1, 0, 2]);
  return splitSteps(mask === null ? dyT : tf.mul(dyT, mask));
}

/**
 * Per-gate weights for [x_t, h] products: wIh: [G·H, I], wHh: [G·H, H], bias: [G·H]
 * → w[k]: [I+H, H] = [W_ih,k | W_hh,k]ᵀ, b[k]: [H]. Gate k of a step is then one fused product
 * concat(x_t, h) w[k] + b[k], with no split of a [B, G·H] block.
 */
export function gateWeights(
  wIh: tf.Tensor,
  wHh: tf.Tensor,
  bias: tf.Tensor,
  G: number,
  doubled: readonly number[] = [],
): { w: tf.Tensor[]; b: tf.Tensor[] } {
  const wT = tf.transpose(tf.concat([wIh, wHh], 1)); // [I+H, G·H]
  const w = tf.split(wT, G, 1);
  const b = tf.split(bias, G, 0);
  // Gates listed in `doubled` get 2·W and 2·b, for tanh(a) = 2σ(2a) − 1 (see tanhFromSigmoid).
  for (const k of doubled) {
    w[k] = tf.add(w[k]!, w[k]!);
    b[k] = tf.add(b[k]!, b[k]!);
  }
  return { w, b };
}

/**
 * dA: [N, G] (pre-activation gradients of every step, stacked), v: [N, F] → dAᵀ v: [G, F].
 * Computed as (vᵀ dA)ᵀ: the transposes touch v and the small result instead of the large dA
 * (a [3584, 512] Transpose costs more than the product on wasm).
 */
export function weightGradient(dA: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.matMul(tf.transpose(v), dA)) as tf.Tensor2D;
}

/** dA: [N, G] → Σ_n dA[n]: [G], as a product with a row of ones (a Sum over axis 0 transposes dA first on wasm). */
export function biasGradient(dA: tf.Tensor2D): tf.Tensor1D {
  const [N = 0, G = 0] = dA.shape;
  return tf.reshape(tf.matMul(tf.ones([1, N]), dA), [G]);
}

/**
 * dGates: [T·B, G·H] (input-side pre-activation gradients, time-major), wIh: [G·H, I], xFlat: [T·B, I]
 * → dx: [B, T, I], dWIh: [G·H, I], dBIh: [G·H], each one product over the whole sequence
 */
export function inputGradients(seq: Sequence, dGates: tf.Tensor2D, wIh: tf.Tensor, xFlat: tf.Tensor): { dx: tf.Tensor; dWIh: tf.Tensor; dBIh: tf.Tensor } {
  const { B, T, I } = seq;
  const dx = tf.transpose(tf.reshape(tf.matMul(dGates, wIh as tf.Tensor2D), [T, B, I]), [1, 0, 2]);
  return { dx, dWIh: weightGradient(dGates, xFlat as tf.Tensor2D), dBIh: biasGradient(dGates) };
}
