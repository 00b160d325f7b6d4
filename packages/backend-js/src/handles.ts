// The handle bookkeeping of one JsBackend: wrapping arrays in handles, counting what is live
// (handles and the arrays kept inside Saved) for the leak check, and the misuses core's argument
// checks cannot see from outside: a handle of another backend, a handle or Saved already
// disposed, a Saved of another kernel, a closed backend. Shapes and dtypes are core's to check.

import type { DType, Saved, Tensor } from '@rnnkit/core';
import type { F } from './recurrent-types.js';
import { JsSaved, JsTensor, type JsArray } from './tensor.js';

export class Handles {
  private live = 0;
  private closed = false;

  /** `backend`: the backend's name, for messages. */
  constructor(private readonly backend: string) {}

  get liveCount(): number {
    return this.live;
  }

  close(): void {
    this.closed = true;
  }

  assertOpen(where: string): void {
    if (this.closed) throw new Error(`${where}: the backend '${this.backend}' was closed`);
  }

  wrap(shape: readonly number[], dtype: DType, data: JsArray): JsTensor {
    this.live++;
    return new JsTensor(shape, dtype, data);
  }

  /** `arrays`: how many arrays the payload keeps alive that count as live tensors. */
  save<P>(kind: string, payload: P, arrays: number): JsSaved<P> {
    this.live += arrays;
    return new JsSaved(kind, payload, arrays);
  }

  get(where: string, arg: string, t: Tensor | undefined): JsTensor {
    if (!(t instanceof JsTensor)) throw new Error(`${where}: ${arg}: expected a tensor of the '${this.backend}' backend, got ${describe(t)}`);
    if (t.disposed) throw new Error(`${where}: ${arg}: tensor ${shapeString(t.shape)} was used after it was disposed`);
    return t;
  }

  /** The data of a float tensor (core has checked the dtype). */
  floats(where: string, arg: string, t: Tensor | undefined): F {
    return this.get(where, arg, t).data as F;
  }

  payload<P>(where: string, s: Saved | undefined, kind: string): P {
    if (!(s instanceof JsSaved)) throw new Error(`${where}: saved: expected the Saved of a '${this.backend}' forward pass, got ${describe(s)}`);
    if (s.kind !== kind) throw new Error(`${where}: saved: expected kind '${kind}', got '${s.kind}'`);
    if (s.disposed) throw new Error(`${where}: saved: this '${kind}' saved state was already disposed`);
    return s.payload as P;
  }

  dispose(t: Tensor): void {
    if (!(t instanceof JsTensor)) throw new Error(`dispose: t: expected a tensor of the '${this.backend}' backend, got ${describe(t)}`);
    if (t.disposed) throw new Error(`dispose: t: tensor ${shapeString(t.shape)} ${t.dtype} was already disposed (double free)`);
    t.disposed = true;
    this.live--;
  }

  /** Marks `s` disposed and returns it, for the caller to free what its payload holds elsewhere. */
  disposeSaved(s: Saved): JsSaved {
    if (!(s instanceof JsSaved)) throw new Error(`disposeSaved: s: expected a Saved of the '${this.backend}' backend, got ${describe(s)}`);
    if (s.disposed) throw new Error(`disposeSaved: s: saved state '${s.kind}' was already disposed (double free)`);
    s.disposed = true;
    this.live -= s.arrays;
    return s;
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${typeof v} ${String(v)}`;
}
