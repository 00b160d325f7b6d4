// Pieces every recurrent cell shares: the time order, the padding mask, the input projection
// for all steps in one product, and the input-side gradients as single products over the
// whole sequence. Inside the cells, sequences are time-major ([T, B, ·]) so that one step is a
// contiguous slice and `tf.unstack` splits a whole sequence into steps with one op.

import * as tf from '@tensorflow/tfjs-core';
import { matMulNN, matMulNT, matMulTN } from './matmul.js';

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
  // Lengths of T everywhere mean no padding; skipping the mask then saves ops per step.
  const padded = lengths !== null && lengths.some((l) => l !== T);
  return { B, T, I, H, reverse, order, lengths: padded ? lengths : null };
}

/** mask: [T, B, 1] float, 1 at valid steps (t < len_b), 0 at padding; null without padding. */
export function maskTensor(seq: Sequence): tf.Tensor3D | null {
  if (seq.lengths === null) return null;
  const { B, T } = seq;
  const m = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) m[t * B + b] = t < (seq.lengths[b] ?? T) ? 1 : 0;
  return tf.tensor3d(m, [T, B, 1]);
}

/**
 * Per-step keep masks, bool [B, H] each (already the state's shape, so `where` needs no
 * broadcast op): a padded step keeps the previous state, which is how the final state ends up
 * being the state after each sample's last valid step, in either direction.
 */
export function keepMasks(mask: tf.Tensor3D, H: number): tf.Tensor[] {
  return tf.unstack(tf.cast(tf.tile(mask, [1, 1, H]), 'bool'));
}

/**
 * x: [B, T, I], wIh: [G·H, I], bias: [G·H]
 * → xFlat: [T·B, I] (time-major, kept for dW_ih), proj: [T, B, G·H] = x W_ihᵀ + bias for every step at once
 */
export function projectInput(seq: Sequence, x: tf.Tensor, wIh: tf.Tensor, bias: tf.Tensor): { xFlat: tf.Tensor2D; proj: tf.Tensor3D } {
  const { B, T, I } = seq;
  const xFlat = tf.reshape(tf.transpose(x, [1, 0, 2]), [T * B, I]) as tf.Tensor2D;
  const gh = wIh.shape[0] ?? 0;
  const proj = tf.reshape(matMulNT(xFlat, wIh, bias), [T, B, gh]) as tf.Tensor3D;
  return { xFlat, proj };
}

/** Stack per-step tensors [B, ·] indexed by t into [T, B, ·]. */
export function stackTime(steps: readonly (tf.Tensor | undefined)[]): tf.Tensor {
  return tf.stack(steps.map((s, t) => {
    if (s === undefined) throw new Error(`internal: missing step ${t}`);
    return s;
  }));
}

/** states: [T, B, H] (state after each step) → y: [B, T, H], zero at padded steps. */
export function outputFromStates(states: tf.Tensor, mask: tf.Tensor3D | null): tf.Tensor3D {
  const masked = mask === null ? states : tf.mul(states, mask);
  return tf.transpose(masked, [1, 0, 2]) as tf.Tensor3D;
}

/** dy: [B, T, H] → per-step dy_t: [B, H] indexed by t, zero at padded steps (those outputs are constant 0). */
export function upstreamSteps(dy: tf.Tensor | undefined, mask: tf.Tensor3D | null): tf.Tensor[] | null {
  if (dy === undefined) return null;
  const dyT = tf.transpose(dy, [1, 0, 2]);
  return tf.unstack(mask === null ? dyT : tf.mul(dyT, mask));
}

/**
 * dGates: [T·B, G·H] (input-side pre-activation gradients), wIh: [G·H, I], xFlat: [T·B, I]
 * → dx: [B, T, I], dWIh: [G·H, I], dBIh: [G·H], each one product or reduction over the whole sequence
 */
export function inputGradients(
  seq: Sequence,
  dGates: tf.Tensor2D,
  wIh: tf.Tensor,
  xFlat: tf.Tensor,
): { dx: tf.Tensor; dWIh: tf.Tensor; dBIh: tf.Tensor } {
  const { B, T, I } = seq;
  const dx = tf.transpose(tf.reshape(matMulNN(dGates, wIh), [T, B, I]), [1, 0, 2]);
  return { dx, dWIh: matMulTN(dGates, xFlat), dBIh: tf.sum(dGates, 0) };
}
