// Plain-array arguments of the recurrent kernels, shared by the float64 reference path and
// the float32 fast path. Core checks shapes before a call reaches the backend; kernels trust them.

export type F = Float32Array | Float64Array;

/** B batch, T time steps, I input features, H hidden size. */
export interface RecurrentDims {
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
}

export interface RecurrentWeights<A extends F> {
  /** wIh: [G·H, I] */
  readonly wIh: A;
  /** wHh: [G·H, H] */
  readonly wHh: A;
  /** bIh: [G·H] */
  readonly bIh: A;
  /** bHh: [G·H] */
  readonly bHh: A;
}

export interface RecurrentInputs<A extends F> {
  /** x: [B, T, I] */
  readonly x: A;
  /** h0: [B, H] */
  readonly h0: A;
  /** c0: [B, H] (LSTM only; zeros for other cells) */
  readonly c0: A;
  /** lengths: [B], each in [1, T] (all T when the caller gave none) */
  readonly lengths: Int32Array;
  /** Sample b runs t = len_b − 1 down to 0 instead of 0 up to len_b − 1. */
  readonly reverse: boolean;
}

export interface RecurrentOutputs<A extends F, C> {
  /** y: [B, T, H], 0 at padded steps */
  readonly y: A;
  /** hT: [B, H] */
  readonly hT: A;
  /** cT: [B, H] (LSTM; zeros otherwise) */
  readonly cT: A;
  /** What backward needs; undefined when not training. */
  readonly cache: C | undefined;
}

export interface RecurrentUpstream<A extends F> {
  /** dy: [B, T, H] or undefined (zero) */
  readonly dy: A | undefined;
  /** dhT: [B, H] or undefined (zero) */
  readonly dhT: A | undefined;
  /** dcT: [B, H] or undefined (zero; LSTM only) */
  readonly dcT: A | undefined;
}

export interface RecurrentGrads<A extends F> {
  /** dx: [B, T, I] */
  readonly dx: A;
  /** dh0: [B, H] */
  readonly dh0: A;
  /** dc0: [B, H] (LSTM; zeros otherwise) */
  readonly dc0: A;
  /** dWIh: [G·H, I] */
  readonly dWIh: A;
  /** dWHh: [G·H, H] */
  readonly dWHh: A;
  /** dBIh: [G·H] */
  readonly dBIh: A;
  /** dBHh: [G·H] */
  readonly dBHh: A;
}

/** Time index that sample b processes at its step s (s counts the sample's own steps from 0). */
export function timeAt(s: number, len: number, reverse: boolean): number {
  return reverse ? len - 1 - s : s;
}

/** The number of steps the longest sample runs. */
export function maxLength(lengths: Int32Array): number {
  let m = 0;
  for (let b = 0; b < lengths.length; b++) m = Math.max(m, lengths[b]!);
  return m;
}

export function sigmoid(a: number): number {
  return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
}
