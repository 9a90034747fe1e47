/** When to try a failed webhook delivery again, and when to give up (pure; time and randomness are passed in). */
export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long after it was queued (or replayed) a delivery is still retried; then it is dead-lettered. */
  readonly periodMs: number;
  /** ± share of the delay added at random, so many failing deliveries do not retry in lockstep. */
  readonly jitter: number;
}

export type RetryDecision = { readonly action: 'retry'; readonly at: number; readonly delayMs: number } | { readonly action: 'dead' };

/** Delay before attempt `failures + 1`: base doubling per failure, capped, with ± jitter. */
export function retryDelay(policy: RetryPolicy, failures: number, random: number): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.max(1, Math.round(raw * (1 - policy.jitter + 2 * policy.jitter * random)));
}

/** After `failures` failed attempts: retry at a time before `giveUpAt`, or dead-letter. */
export function decideRetry(policy: RetryPolicy, failures: number, now: number, giveUpAt: number, random: number): RetryDecision {
  const delayMs = retryDelay(policy, failures, random);
  const at = now + delayMs;
  return at > giveUpAt ? { action: 'dead' } : { action: 'retry', at, delayMs };
}
