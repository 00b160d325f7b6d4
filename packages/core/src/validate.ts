// Input checks at the model's edge. Every message names the argument, what was expected and
// what arrived, so a user can fix the call without reading rnnkit's source.
import type { Dataset, HostTensor } from './dataset.js';
import type { LayerIO } from './layers/layer.js';
import type { LossName } from './losses.js';

export function shapeString(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkHostTensor(name: string, t: HostTensor | undefined): HostTensor {
  if (!t || typeof t !== 'object' || !('data' in t) || !('shape' in t)) {
    throw new Error(`${name}: expected { data, shape }, got ${t === undefined ? 'undefined' : typeof t}`);
  }
  if (!(t.data instanceof Float32Array) && !(t.data instanceof Int32Array)) {
    throw new Error(`${name}: expected data as Float32Array or Int32Array, got ${(t.data as object)?.constructor?.name ?? typeof t.data}`);
  }
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${name}: shape: expected an array of non-negative integers, got ${JSON.stringify(t.shape)}`);
  }
  if (product(t.shape) !== t.data.length) {
    throw new Error(`${name}: data has ${t.data.length} elements but shape ${shapeString(t.shape)} needs ${product(t.shape)}`);
  }
  return t;
}

function checkFinite(name: string, data: Float32Array | Int32Array): void {
  if (data instanceof Int32Array) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new Error(`${name}: expected finite values, got ${v} at flat index ${i}`);
  }
}

/**
 * Checks that a data set's parts agree before any batch is drawn from it: x and y have the same
 * number of samples, `lengths` one per sample, and there is at least one sample.
 */
export function checkDataset(data: Dataset, name = 'data'): number {
  if (!data || typeof data !== 'object') throw new Error(`${name}: expected { x, y, lengths? }, got ${data === null ? 'null' : typeof data}`);
  const x = checkHostTensor(`${name}.x`, data.x);
  const y = checkHostTensor(`${name}.y`, data.y);
  const N = x.shape[0] ?? 0;
  if (N === 0) throw new Error(`${name}.x: expected at least one sample, got shape ${shapeString(x.shape)}`);
  if (y.shape[0] !== N) throw new Error(`${name}.y: expected ${N} samples (as many as x), got shape ${shapeString(y.shape)}`);
  if (data.lengths !== undefined) {
    if (!(data.lengths instanceof Int32Array)) throw new Error(`${name}.lengths: expected Int32Array, got ${(data.lengths as object)?.constructor?.name ?? typeof data.lengths}`);
    if (data.lengths.length !== N) throw new Error(`${name}.lengths: expected ${N} entries (one per sample), got ${data.lengths.length}`);
  }
  return N;
}

/** Float32Array host values with only finite numbers (initial states, weights, streamed steps). */
export function checkFloats(name: string, data: unknown, expected?: number): Float32Array {
  if (!(data instanceof Float32Array)) throw new Error(`${name}: expected Float32Array values, got ${(data as object)?.constructor?.name ?? typeof data}`);
  if (expected !== undefined && data.length !== expected) throw new Error(`${name}: expected ${expected} values, got ${data.length}`);
  checkFinite(name, data);
  return data;
}

/** Checks model input x against what the first layer takes; returns [B, T]. */
export function checkInput(x: HostTensor, io: LayerIO, name = 'x'): [number, number] {
  checkHostTensor(name, x);
  if (io.kind !== 'vector' && io.kind !== 'image' && x.shape.length >= 2 && x.shape[1] === 0) {
    throw new Error(`${name}: expected at least one time step, got shape ${shapeString(x.shape)}`);
  }
  if (io.kind === 'ids') {
    if (!(x.data instanceof Int32Array)) {
      throw new Error(`${name}: expected token ids as Int32Array (the model starts with an embedding), got ${x.data.constructor.name}`);
    }
    if (x.shape.length !== 2) throw new Error(`${name}: expected shape [B, T] of token ids, got ${shapeString(x.shape)}`);
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i]!;
      if (v < 0 || v >= io.vocab) throw new Error(`${name}: token id ${v} at flat index ${i} is out of range [0, ${io.vocab})`);
    }
    return [x.shape[0]!, x.shape[1]!];
  }
  if (!(x.data instanceof Float32Array)) {
    throw new Error(`${name}: expected Float32Array features, got ${x.data.constructor.name}`);
  }
  if (io.kind === 'sequence') {
    if (x.shape.length !== 3 || x.shape[2] !== io.features) {
      throw new Error(`${name}: expected shape [B, T, ${io.features}], got ${shapeString(x.shape)}`);
    }
  } else if (io.kind === 'frames') {
    if (x.shape.length !== 5 || x.shape[2] !== io.features) {
      throw new Error(`${name}: expected frames of shape [B, T, ${io.features}, H, W], got ${shapeString(x.shape)}`);
    }
  } else if (x.shape.length !== 2 || x.shape[1] !== io.features) {
    throw new Error(`${name}: expected shape [B, ${io.features}], got ${shapeString(x.shape)}`);
  }
  checkFinite(name, x.data);
  return [x.shape[0]!, x.shape[1] ?? 1];
}

export function checkLengths(lengths: Int32Array | undefined, B: number, T: number, name = 'lengths'): void {
  if (lengths === undefined) return;
  if (!(lengths instanceof Int32Array)) {
    throw new Error(`${name}: expected Int32Array, got ${(lengths as object)?.constructor?.name ?? typeof lengths}`);
  }
  if (lengths.length !== B) throw new Error(`${name}: expected ${B} entries (one per sample), got ${lengths.length}`);
  for (let i = 0; i < B; i++) {
    const l = lengths[i]!;
    if (l < 1 || l > T) throw new Error(`${name}: lengths[${i}] = ${l} is out of range [1, ${T}]`);
  }
}

/** Checks targets y against the loss and the model's output; `outShape` uses B and T of x. */
export function checkTargets(y: HostTensor, loss: LossName, outShape: readonly number[], name = 'y'): void {
  checkHostTensor(name, y);
  const B = outShape[0]!;
  switch (loss) {
    case 'softmaxCrossEntropy':
    case 'sequenceCrossEntropy': {
      const expected = loss === 'softmaxCrossEntropy' ? [B] : [B, outShape[1]!];
      if (!(y.data instanceof Int32Array)) throw new Error(`${name}: expected class labels as Int32Array for ${loss}, got ${y.data.constructor.name}`);
      if (shapeString(y.shape) !== shapeString(expected)) {
        throw new Error(`${name}: expected shape ${shapeString(expected)} for ${loss} on output ${shapeString(outShape)}, got ${shapeString(y.shape)}`);
      }
      const C = outShape[outShape.length - 1]!;
      for (let i = 0; i < y.data.length; i++) {
        const v = y.data[i]!;
        if (v < 0 || v >= C) throw new Error(`${name}: label ${v} at flat index ${i} is out of range [0, ${C})`);
      }
      return;
    }
    case 'sigmoidBinaryCrossEntropy': {
      if (outShape[outShape.length - 1] !== 1 || outShape.length !== 2) {
        throw new Error(`loss: sigmoidBinaryCrossEntropy needs model output [B, 1], got ${shapeString(outShape)}`);
      }
      if (!(y.data instanceof Float32Array)) throw new Error(`${name}: expected binary targets as Float32Array, got ${y.data.constructor.name}`);
      if (y.shape.length !== 1 || y.shape[0] !== B) throw new Error(`${name}: expected shape [${B}], got ${shapeString(y.shape)}`);
      for (let i = 0; i < y.data.length; i++) {
        const v = y.data[i]!;
        if (!(v >= 0 && v <= 1)) throw new Error(`${name}: binary target ${v} at index ${i} is outside [0, 1]`);
      }
      return;
    }
    case 'meanSquaredError':
      if (!(y.data instanceof Float32Array)) throw new Error(`${name}: expected Float32Array targets, got ${y.data.constructor.name}`);
      if (shapeString(y.shape) !== shapeString(outShape)) {
        throw new Error(`${name}: expected shape ${shapeString(outShape)} (the model's output), got ${shapeString(y.shape)}`);
      }
      checkFinite(name, y.data);
  }
}
