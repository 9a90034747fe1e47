/**
 * The one backoff formula (child restarts, message retries, webhook retries): base, 2×base, 4×base … capped at
 * max, with ± `jitter` of the delay at random so many numbers or deliveries never retry in lock-step.
 */
export interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** 0..1: the share of the delay that is randomised. */
  readonly jitter: number;
}

/** Delay before retry number `attempt` (1 = the first retry); `random` is 0..1, injected so tests are exact. */
export function backoffDelay(backoff: Backoff, attempt: number, random: number): number {
  const doublings = Math.max(0, Math.min(attempt - 1, 30));
  const raw = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** doublings);
  return Math.max(1, Math.round(raw * (1 - backoff.jitter + 2 * backoff.jitter * random)));
}
