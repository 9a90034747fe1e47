/** Logic written once for both store modes: synchronous answers stay synchronous, asynchronous ones are awaited. */
import { describe, expect, it } from '@jest/globals';
import { ask, run, type Steps } from '../../src/messaging/steps.js';

function* total(read: (n: number) => number | Promise<number>, seen: string[]): Steps<number> {
  let sum = 0;
  for (const n of [1, 2, 3]) {
    const value = yield* ask(read(n));
    seen.push(`read ${n}`);
    sum += value;
  }
  return sum;
}

describe('store steps', () => {
  it('runs a synchronous store to the end before returning, with no promise in between', () => {
    const seen: string[] = [];
    const result = run('sync', total((n) => n * 10, seen));
    seen.push('returned');
    expect(result).toBe(60);
    expect(seen).toEqual(['read 1', 'read 2', 'read 3', 'returned']);
  });

  it('awaits an asynchronous store at each step, in order', async () => {
    const seen: string[] = [];
    const result = run('async', total(async (n) => n * 10, seen));
    seen.push('returned');
    await expect(result).resolves.toBe(60);
    expect(seen).toEqual(['returned', 'read 1', 'read 2', 'read 3']);
  });

  it('rejects with what a step rejected with, and runs nothing after it', async () => {
    const seen: string[] = [];
    const failing = (n: number): Promise<number> => (n === 2 ? Promise.reject(new Error('store down')) : Promise.resolve(n));
    await expect(run('async', total(failing, seen))).rejects.toThrow('store down');
    expect(seen).toEqual(['read 1']);
  });
});
