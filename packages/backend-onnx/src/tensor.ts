// Tensor handles of the ONNX backend. Data lives in host memory: on the CPU execution provider ONNX Runtime
// tensors wrap host arrays anyway, so a handle is a shape, a dtype and a Float32Array/Int32Array.
//
// Data arrays are never written after a handle is created: "in place" updates (optimizer steps, scaling)
// compute into a new array and swap it behind the handle. So a Saved record or a reshaped handle can share
// an array without copying, and a later update never changes what an earlier forward pass saw.

import type { DType, Saved, Tensor } from '@rnnkit/core';

export type Data = Float32Array | Int32Array;

/** Counts live handles and arrays kept inside Saved records, for `liveTensors()`. */
export class LiveCounter {
  count = 0;
}

export class OnnxTensor implements Tensor {
  private disposed = false;

  constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    private array: Data,
    private readonly live: LiveCounter,
  ) {
    live.count++;
  }

  /** The current data; throws when the handle was disposed. */
  get data(): Data {
    if (this.disposed) throw new Error(`onnx backend: tensor of shape [${this.shape.join(', ')}] used after dispose`);
    return this.array;
  }

  /** Swap the data behind the handle (in-place updates). */
  replace(next: Data): void {
    if (this.disposed) throw new Error(`onnx backend: tensor of shape [${this.shape.join(', ')}] updated after dispose`);
    if (next.length !== this.array.length) throw new Error(`onnx backend: replacement has ${next.length} elements, expected ${this.array.length}`);
    this.array = next;
  }

  get size(): number {
    return this.array.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.live.count--;
    this.array = new Float32Array(0);
  }
}

/** A Saved record that keeps `held` arrays alive; counted in `liveTensors()` until disposed. */
export abstract class OnnxSaved implements Saved {
  abstract readonly kind: string;
  private released = false;

  constructor(
    private readonly held: number,
    private readonly live: LiveCounter,
  ) {
    live.count += held;
  }

  get isReleased(): boolean {
    return this.released;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.live.count -= this.held;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
