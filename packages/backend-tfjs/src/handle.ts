// Tensor handles and saved state. A handle wraps one tf.Tensor; in-place updates (optimizers,
// scaleInPlace) swap the wrapped tensor and dispose the old one, so core's handle stays valid.
//
// Core checks every argument before a backend sees it, but it cannot see inside a handle: a
// disposed handle, a handle from another backend, or a Saved already freed are caught here.

import * as tf from '@tensorflow/tfjs-core';
import type { DType, Saved, Tensor } from '@rnnkit/core';

export class TfjsTensor implements Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  #value: tf.Tensor | undefined;

  constructor(value: tf.Tensor) {
    // An internal invariant: every kernel returns float32 or int32 (a bool or complex result
    // would be a bug in this package, not bad input).
    if (value.dtype !== 'float32' && value.dtype !== 'int32') {
      throw new Error(`TfjsTensor: dtype: expected float32 or int32, got ${value.dtype}`);
    }
    this.shape = Object.freeze([...value.shape]);
    this.dtype = value.dtype;
    this.#value = value;
  }

  get disposed(): boolean {
    return this.#value === undefined;
  }

  /** The wrapped tensor; throws once the handle is disposed. */
  value(where: string, arg: string): tf.Tensor {
    if (this.#value === undefined) throw new Error(`${where}: ${arg}: the tensor handle was already disposed`);
    return this.#value;
  }

  /** Replace the wrapped tensor (same shape) and free the old one. */
  swap(next: tf.Tensor): void {
    const old = this.#value;
    this.#value = next;
    old?.dispose();
  }

  dispose(): void {
    this.#value?.dispose();
    this.#value = undefined;
  }
}

/** The tf.Tensor behind a handle of this package, or an error naming the argument. */
export function tfValue(where: string, arg: string, t: Tensor | undefined): tf.Tensor {
  if (!(t instanceof TfjsTensor)) {
    throw new Error(`${where}: ${arg}: expected a tensor created by this backend, got ${t === undefined ? 'undefined' : String(t)}`);
  }
  return t.value(where, arg);
}

/** The tf.Tensor behind an optional handle. */
export function optionalTfValue(where: string, arg: string, t: Tensor | undefined): tf.Tensor | undefined {
  return t === undefined ? undefined : tfValue(where, arg, t);
}

/**
 * What a forward kernel keeps for backward: its own tensors (clones or intermediates, never a
 * caller's handle, so the caller may dispose inputs and outputs right after forward) plus host values.
 */
export type SavedTensors = Record<string, tf.Tensor | tf.Tensor[] | null>;

export class TfjsSaved<T extends SavedTensors, M = undefined> implements Saved {
  readonly kind: string;
  #tensors: T | undefined;
  readonly meta: M;

  constructor(kind: string, tensors: T, meta: M) {
    this.kind = kind;
    this.#tensors = tensors;
    this.meta = meta;
  }

  tensors(where: string): T {
    if (this.#tensors === undefined) throw new Error(`${where}: saved: already disposed (disposeSaved was called)`);
    return this.#tensors;
  }

  dispose(): void {
    if (this.#tensors === undefined) return;
    for (const t of Object.values(this.#tensors)) if (t !== null) tf.dispose(t);
    this.#tensors = undefined;
  }
}

/** A Saved of this package and of the expected kind (core cannot tell one backend's Saved from another's). */
export function savedOf<T extends SavedTensors, M>(where: string, s: Saved, kind: string): TfjsSaved<T, M> {
  if (!(s instanceof TfjsSaved)) throw new Error(`${where}: saved: expected a Saved from this backend, got ${String(s)}`);
  if (s.kind !== kind) throw new Error(`${where}: saved: expected kind '${kind}', got '${s.kind}'`);
  return s as TfjsSaved<T, M>;
}
