import { describe, expect, it } from 'vitest';

describe('describeConformance options', () => {
  it('rejects a leakSteps that is not a positive integer, naming it', async () => {
    const { describeConformance } = await import('./index.js');
    const never = () => Promise.reject(new Error('not created'));
    expect(() => describeConformance(never, { leakSteps: 0 })).toThrow(/options.leakSteps: expected a positive integer, got 0/);
    expect(() => describeConformance(never, { leakSteps: 2.5 })).toThrow(/got 2.5/);
  });
});
