import { describe, expect, it } from '@jest/globals';
import { decideRestart, EMPTY_HISTORY, type CrashHistory, type RestartPolicy } from '../../src/domain/restart-policy.js';

const policy: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 8000, jitter: 0.2, resetAfterMs: 60_000, maxCrashes: 5, crashWindowMs: 600_000 };
const mid = () => 0.5;

function crashAt(history: CrashHistory, now: number, runningSince: number | null = null) {
  return decideRestart(policy, history, now, runningSince, mid);
}

describe('restart policy', () => {
  it('doubles the delay up to the cap', () => {
    let history = EMPTY_HISTORY;
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = crashAt(history, i * 100_000 + 1);
      if (d.action !== 'restart') throw new Error('expected a restart');
      delays.push(d.delayMs);
      history = { crashes: [], attempt: d.history.attempt };
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('spreads delays with jitter within ±20 %', () => {
    const low = decideRestart(policy, EMPTY_HISTORY, 1, null, () => 0);
    const high = decideRestart(policy, EMPTY_HISTORY, 1, null, () => 1);
    expect(low).toMatchObject({ action: 'restart', delayMs: 800 });
    expect(high).toMatchObject({ action: 'restart', delayMs: 1200 });
  });

  it('resets the delay after a stretch of clean running', () => {
    const history: CrashHistory = { crashes: [1], attempt: 4 };
    const d = crashAt(history, 200_000, 100_000);
    expect(d).toMatchObject({ action: 'restart', delayMs: 1000 });
  });

  it('gives up after more than maxCrashes in the window, but forgets old crashes', () => {
    const recent: CrashHistory = { crashes: [1, 2, 3, 4, 5], attempt: 5 };
    expect(crashAt(recent, 10).action).toBe('give_up');
    const old: CrashHistory = { crashes: [1, 2, 3, 4, 5], attempt: 5 };
    expect(crashAt(old, 700_000).action).toBe('restart');
  });
});
