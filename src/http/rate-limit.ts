import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ipKeyGenerator } from 'express-rate-limit';
import { GatewayError } from '../domain/errors.js';
import { clientAddress, vouchedByPeer } from '../lib/client-address.js';
import type { PlainHandler } from './plain-handler.js';

export interface RateLimitOptions {
  readonly windowMs: number;
  /** Requests per client per window. */
  readonly limit: number;
  /** TRUST_PROXY hops, to find the client's address behind them. */
  readonly trustHops: number;
  readonly now?: () => number;
}

interface Window {
  hits: number;
  resetAt: number;
  /** The `RateLimit-Policy` value (it carries a hash of the client key, so it is made once per client). */
  readonly policy: string;
}

/**
 * Requests per client address (an IPv6 client counts by its /56) in windows of `windowMs` that start at the
 * client's first request, answered with the IETF draft-8 headers (`RateLimit`, `RateLimit-Policy`) and, over
 * the limit, `Retry-After` and a RATE_LIMITED error for the error handler. What express-rate-limit did with
 * its memory store, in one synchronous step that works on a plain Node.js request, so the lean /proxy chain
 * and the Express /api stack share one limiter (one count per client across both).
 */
export class RateLimiter {
  private current = new Map<string, Window>();
  private previous = new Map<string, Window>();
  private readonly name: string;
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
    this.name = `${options.limit}-in-${windowName(options.windowMs)}`;
    // Clients not seen for a whole window are dropped in bulk: each sweep forgets what the previous one kept.
    this.sweeper = setInterval(() => {
      this.previous = this.current;
      this.current = new Map();
    }, options.windowMs);
    this.sweeper.unref();
  }

  readonly middleware: PlainHandler = (req, res, next) => {
    // Counted where the client connected, against its own address.
    if (vouchedByPeer(req)) {
      next();
      return;
    }
    const key = clientKey(req, this.options.trustHops);
    const now = this.now();
    const window = this.window(key, now);
    if (window.resetAt <= now) {
      window.hits = 0;
      window.resetAt = now + this.options.windowMs;
    }
    window.hits++;
    const resetSeconds = Math.max(0, Math.ceil((window.resetAt - now) / 1000));
    setHeaders(res, window, this.name, Math.max(this.options.limit - window.hits, 0), resetSeconds);
    if (window.hits <= this.options.limit) {
      next();
      return;
    }
    if (!res.headersSent) res.setHeader('Retry-After', String(resetSeconds));
    next(new GatewayError('RATE_LIMITED', `more than ${this.options.limit} requests per minute; retry later`));
  };

  close(): void {
    clearInterval(this.sweeper);
  }

  private window(key: string, now: number): Window {
    let window = this.current.get(key);
    if (window) return window;
    window = this.previous.get(key);
    if (window) this.previous.delete(key);
    else window = { hits: 0, resetAt: now + this.options.windowMs, policy: `"${this.name}"; q=${this.options.limit}; w=${Math.ceil(this.options.windowMs / 1000)}; pk=:${partitionKey(key)}:` };
    this.current.set(key, window);
    return window;
  }
}

function setHeaders(res: ServerResponse, window: Window, name: string, remaining: number, resetSeconds: number): void {
  if (res.headersSent) return;
  res.setHeader('RateLimit', `"${name}"; r=${remaining}; t=${resetSeconds}`);
  res.setHeader('RateLimit-Policy', window.policy);
}

function clientKey(req: IncomingMessage, hops: number): string {
  const ip = clientAddress(req, hops);
  return ip ? ipKeyGenerator(ip) : 'unknown';
}

/** draft-8 `pk`: a short hash of the client key, so the header names the partition without revealing the address. */
function partitionKey(key: string): string {
  return Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
}

function windowName(windowMs: number): string {
  const seconds = windowMs / 1000;
  const minutes = seconds / 60;
  const hours = minutes / 60;
  const days = hours / 24;
  if (seconds < 60) return `${seconds}sec`;
  if (minutes < 60) return `${minutes}min`;
  if (hours < 24) return `${hours}hr${hours > 1 ? 's' : ''}`;
  return `${days}day${days > 1 ? 's' : ''}`;
}
