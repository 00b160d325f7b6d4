import { describe, expect, it } from 'vitest';
import { ModelLock } from './model-lock.js';

/** A body that finishes when `open()` is called. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const p = new Promise<void>((r) => (open = r));
  return { wait: () => p, open };
}

describe('ModelLock', () => {
  it('runs turns one at a time, in call order, and frees the turn when a body throws', async () => {
    const lock = new ModelLock();
    const log: string[] = [];
    const g = gate();
    const a = lock.run('a', async () => {
      log.push('a starts');
      await g.wait();
      log.push('a ends');
    });
    const b = lock.run('b', async () => {
      log.push('b');
      throw new Error('b failed');
    });
    const c = lock.run('c', async () => void log.push('c'));
    await Promise.resolve();
    expect(log).toEqual(['a starts']);
    g.open();
    await a;
    await expect(b).rejects.toThrow('b failed');
    await c;
    expect(log).toEqual(['a starts', 'a ends', 'b', 'c']);
  });

  it('synchronous operations fail while a turn runs, naming it; a second fit fails; onIdle waits for the queue', async () => {
    const lock = new ModelLock();
    const g = gate();
    const running = lock.run('predict', () => g.wait());
    expect(() => lock.checkIdle('setWeights')).toThrow(/^setWeights: model is busy: predict\(\) is running on this model; await it first$/);
    const idle: string[] = [];
    const queued = lock.run('save', async () => void idle.push('save'));
    lock.onIdle(() => idle.push('idle'));
    const fit = lock.fit(() => g.wait());
    await expect(lock.fit(async () => 1)).rejects.toThrow(/^fit: model is busy: fit\(\) is running/);
    expect(() => lock.checkNotFitting('trainStep')).toThrow(/^trainStep: model is busy: fit\(\) is running/);
    g.open();
    await Promise.all([running, queued, fit]);
    expect(idle).toEqual(['save', 'idle']);
    expect(() => lock.checkIdle('setWeights')).not.toThrow();
    expect(() => lock.checkNotFitting('trainStep')).not.toThrow();
    lock.onIdle(() => idle.push('now'));
    expect(idle).toEqual(['save', 'idle', 'now']);
  });
});
