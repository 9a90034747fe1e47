import { GatewayError } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';

export interface ThrottleSettings {
  readonly maxPerUser: number;
  readonly maxPerAddress: number;
  readonly windowMs: number;
}

/** Enough for a busy gateway under attack; beyond it the oldest counters are dropped first. */
const MAX_KEYS = 50_000;

/**
 * Failed logins counted per user name (existing or not, so the answer does not tell which names exist) and per
 * client address, over a sliding window. Past the limit the login is refused with 429 and Retry-After before the
 * password is even checked; a success clears its user name's count (not the address's).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: ThrottleSettings,
  ) {}

  /** Throws RATE_LIMITED (with retryAfterSeconds) when either count is at its limit. */
  check(username: string, address: string | null): void {
    const now = this.clock.now();
    const waits = [this.waitFor(userKey(username), this.settings.maxPerUser, now), address ? this.waitFor(addressKey(address), this.settings.maxPerAddress, now) : 0];
    const wait = Math.max(...waits);
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      throw new GatewayError('RATE_LIMITED', `too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  failed(username: string, address: string | null): void {
    const now = this.clock.now();
    this.add(userKey(username), now);
    if (address) this.add(addressKey(address), now);
  }

  succeeded(username: string): void {
    this.failures.delete(userKey(username));
  }

  /** ms until the count under `key` drops below `max`, or 0. */
  private waitFor(key: string, max: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < max) return 0;
    const oldestThatCounts = times[times.length - max] ?? now;
    return oldestThatCounts + this.settings.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const kept = times.filter((t) => now - t < this.settings.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  private add(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    this.failures.delete(key);
    if (this.failures.size >= MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(key, times.slice(-1000));
  }
}

const userKey = (username: string) => `u:${username.toLowerCase()}`;
const addressKey = (address: string) => `a:${address}`;
