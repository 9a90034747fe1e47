import { describe, expect, it } from '@jest/globals';
import { KeyedLock } from '../../src/lib/keyed-lock.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedLock', () => {
  it('runs work for one key one at a time, in order', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const gate = deferred();
    const a = lock.run('k', async () => {
      order.push('a-start');
      await gate.promise;
      order.push('a-end');
    });
    const b = lock.run('k', async () => {
      order.push('b');
    });
    await Promise.resolve();
    expect(order).toEqual(['a-start']);
    gate.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a-start', 'a-end', 'b']);
  });

  it('never makes different keys wait on each other', async () => {
    const lock = new KeyedLock();
    const gate = deferred();
    const slow = lock.run('one', () => gate.promise);
    await expect(lock.run('two', async () => 'done')).resolves.toBe('done');
    gate.resolve();
    await slow;
  });

  it('keeps going after a failure', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('k', async () => 1)).resolves.toBe(1);
    expect(lock.isBusy('k')).toBe(false);
  });
});
