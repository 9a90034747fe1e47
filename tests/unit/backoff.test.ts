import { describe, expect, it } from '@jest/globals';
import { backoffDelay, type Backoff } from '../../src/domain/backoff.js';

const backoff: Backoff = { baseDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.2 };

describe('backoff', () => {
  it('doubles from the base delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(backoff, n, 0.5))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(backoff, 1000, 0.5)).toBe(30_000);
  });

  it('spreads each delay by ± the jitter share', () => {
    expect(backoffDelay(backoff, 1, 0)).toBe(800);
    expect(backoffDelay(backoff, 1, 1)).toBe(1200);
    expect(backoffDelay({ ...backoff, jitter: 0 }, 3, 1)).toBe(4000);
  });

  it('never answers less than 1 ms (a zero timer would spin)', () => {
    expect(backoffDelay({ baseDelayMs: 0, maxDelayMs: 0, jitter: 0.2 }, 1, 0)).toBe(1);
  });
});
