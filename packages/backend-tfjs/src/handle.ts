// Tensor handles and saved state. A handle wraps one tf.Tensor; in-place updates (optimizers,
// scaleInPlace) swap the wrapped tensor and dispose the old one, so core's handle stays valid.

import * as tf from '@tensorflow/tfjs-core';
import type { DType, Saved, Tensor } from '@rnnkit/core';

export class TfjsTensor implements Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  #value: tf.Tensor | undefined;

  constructor(value: tf.Tensor) {
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
