// Option checks shared by the cell definitions: unknown keys are errors, never ignored.
import type { Activation } from '../backend.js';
import { checkOptions } from '../strict-options.js';

/** Throws naming the first key of `options` that is not in `known`, with advice for familiar names. */
export function rejectUnknown(options: Readonly<Record<string, unknown>>, known: readonly string[], where: string): void {
  checkOptions(options, known, where);
}

export type Nonlinearity = Extract<Activation, 'tanh' | 'relu'>;

export function nonlinearityOption(value: unknown, where: string): Nonlinearity {
  const v = value ?? 'tanh';
  if (v !== 'tanh' && v !== 'relu') throw new Error(`${where}: nonlinearity: expected 'tanh' or 'relu', got ${JSON.stringify(v)}`);
  return v;
}

export function booleanOption(value: unknown, fallback: boolean, name: string, where: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${where}: ${name}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
}
