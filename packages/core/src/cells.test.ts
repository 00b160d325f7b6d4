import { describe, expect, it } from 'vitest';
import { classicCell } from './cells.js';

describe('classicCell', () => {
  it('accepts the classic cells with their own options only', () => {
    expect(classicCell({ kind: 'rnn', nonlinearity: 'relu' })).toEqual({ kind: 'rnn', nonlinearity: 'relu' });
    expect(classicCell({ kind: 'lstm', unitForgetBias: false })).toEqual({ kind: 'lstm', unitForgetBias: false });
    expect(classicCell({ kind: 'gru', resetAfter: false })).toEqual({ kind: 'gru', resetAfter: false });
  });
  it('declines other kinds, unknown options and invalid values (they run on the generic path)', () => {
    expect(classicCell({ kind: 'ctrnn', alpha: 0.2, nonlinearity: 'tanh' })).toBeUndefined();
    expect(classicCell({ kind: 'lstm', unitForgetBias: true, projSize: 2 })).toBeUndefined();
    expect(classicCell({ kind: 'rnn', nonlinearity: 'gelu' })).toBeUndefined();
    expect(classicCell({ kind: 'gru' })).toBeUndefined();
  });
});
