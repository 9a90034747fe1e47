import { backoffDelay, type Backoff } from '../domain/backoff.js';

/** When to try a failed webhook delivery again, and when to give up (pure; time and randomness are passed in). */
export interface RetryPolicy extends Backoff {
  /** How long after it was queued (or replayed) a delivery is still retried; then it is dead-lettered. */
  readonly periodMs: number;
}

export type RetryDecision = { readonly action: 'retry'; readonly at: number; readonly delayMs: number } | { readonly action: 'dead' };

/** After `failures` failed attempts: retry at a time before `giveUpAt`, or dead-letter. */
export function decideRetry(policy: RetryPolicy, failures: number, now: number, giveUpAt: number, random: number): RetryDecision {
  const delayMs = backoffDelay(policy, failures, random);
  const at = now + delayMs;
  return at > giveUpAt ? { action: 'dead' } : { action: 'retry', at, delayMs };
}
