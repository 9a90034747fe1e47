/**
 * rack-attack as `config/initializers/rack_attack.rb` sets it up: fixed windows, a per-IP throttle on every
 * request and a per-account throttle on contact search; 127.0.0.1, ::1 and RACK_ATTACK_ALLOWED_IPS are
 * exempt (the `rate_limit_loopback` knob lifts the loopback exemption, so tests can be throttled).
 */
import type { KnobStore } from '../config/knobs.js';
import type { Clock } from '../lib/time.js';
import { isLoopback } from './client-ip.js';
import { throttled } from './error-pages.js';
import type { Reply } from './reply.js';

interface Window {
  readonly epoch: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly knobs: KnobStore,
    private readonly now: Clock,
  ) {}

  /** Counts the request and answers 429 when a throttle is over its limit. */
  check(ip: string, routeId: string | undefined, accountId: string | undefined): Reply | undefined {
    const k = this.knobs.current;
    if (!k.rate_limit_enabled) return undefined;
    if ((isLoopback(ip) && !k.rate_limit_loopback) || k.rate_limit_allowed_ips.includes(ip)) return undefined;
    const throttles: [string, number][] = [[`req/ip:${ip}`, k.rate_limit]];
    if (routeId === 'contacts.search' && accountId) throttles.push([`contact_search:${accountId}`, k.contact_search_limit]);
    let over = false;
    for (const [key, limit] of throttles) if (this.hit(key, k.rate_limit_period_ms) > limit) over = true;
    if (!over) return undefined;
    const period = Math.ceil(k.rate_limit_period_ms / 1000);
    const now = Math.floor(this.now() / 1000);
    return throttled(k.rate_limit_retry_after ? period - (now % period) : undefined);
  }

  reset(): void {
    this.windows.clear();
  }

  private hit(key: string, periodMs: number): number {
    const epoch = Math.floor(this.now() / periodMs);
    const window = this.windows.get(key);
    if (window?.epoch === epoch) return ++window.count;
    if (this.windows.size > 10_000) this.windows.clear();
    this.windows.set(key, { epoch, count: 1 });
    return 1;
  }
}
