/**
 * When to restart a crashed child, and when to give up (OTP/systemd style): exponential backoff with
 * jitter, reset after a stretch of clean running, and a crash-loop breaker over a sliding window.
 */
import { backoffDelay, type Backoff } from './backoff.js';

export interface RestartPolicy extends Backoff {
  /** A child that ran this long without crashing starts again from the base delay. */
  readonly resetAfterMs: number;
  readonly maxCrashes: number;
  readonly crashWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0.2,
  resetAfterMs: 10 * 60_000,
  maxCrashes: 5,
  crashWindowMs: 10 * 60_000,
};

export interface CrashHistory {
  /** Times of recent crashes, oldest first. */
  readonly crashes: readonly number[];
  /** Consecutive restarts since the last reset; drives the exponent. */
  readonly attempt: number;
}

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly history: CrashHistory }
  | { readonly action: 'give_up'; readonly history: CrashHistory };

export const EMPTY_HISTORY: CrashHistory = { crashes: [], attempt: 0 };

/**
 * Who asked for a start. A person's start or restart (the API) gives the number a fresh crash budget and
 * backoff, since a human looked at it; automatic ones (backoff timer, boot restore, update rollout) keep counting.
 */
export type StartOrigin = 'person' | 'automatic';

/**
 * Decide what to do about a crash at `now`, given when the child last became ready (`runningSince`).
 * `random` returns 0..1 and is injected so tests are deterministic.
 */
export function decideRestart(
  policy: RestartPolicy,
  history: CrashHistory,
  now: number,
  runningSince: number | null,
  random: () => number,
): RestartDecision {
  const stable = runningSince !== null && now - runningSince >= policy.resetAfterMs;
  const attempt = stable ? 0 : history.attempt;
  const crashes = [...history.crashes.filter((t) => now - t < policy.crashWindowMs), now];
  if (crashes.length > policy.maxCrashes) {
    return { action: 'give_up', history: { crashes, attempt } };
  }
  const delayMs = backoffDelay(policy, attempt + 1, random());
  return { action: 'restart', delayMs, history: { crashes, attempt: attempt + 1 } };
}
