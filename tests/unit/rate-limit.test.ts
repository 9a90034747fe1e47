import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { GatewayError } from '../../src/domain/errors.js';
import { RateLimiter } from '../../src/http/rate-limit.js';

function call(limiter: RateLimiter, peer: string): { error: unknown; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const req = { socket: { remoteAddress: peer }, headers: {} } as unknown as IncomingMessage;
  const res = { headersSent: false, setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value) } as unknown as ServerResponse;
  let error: unknown = 'not called';
  void limiter.middleware(req, res, (err) => (error = err));
  return { error, headers };
}

describe('rate limiter', () => {
  const limiters: RateLimiter[] = [];
  afterEach(() => limiters.splice(0).forEach((l) => l.close()));

  it('counts per client in a window that starts with its first request, and refuses past the limit', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ windowMs: 60_000, limit: 2, trustHops: 0, now: () => now });
    limiters.push(limiter);
    expect(call(limiter, '192.0.2.1')).toEqual({ error: undefined, headers: { ratelimit: '"2-in-1min"; r=1; t=60', 'ratelimit-policy': expect.stringMatching(/^"2-in-1min"; q=2; w=60; pk=:.+:$/) } });
    now += 10_000;
    expect(call(limiter, '192.0.2.1').error).toBeUndefined();
    const refused = call(limiter, '192.0.2.1');
    expect(refused.error).toBeInstanceOf(GatewayError);
    expect((refused.error as GatewayError).code).toBe('RATE_LIMITED');
    expect(refused.headers).toMatchObject({ 'retry-after': '50', ratelimit: '"2-in-1min"; r=0; t=50' });
    // Another client has its own count; the first one's window ends 60 s after its first request.
    expect(call(limiter, '192.0.2.2').error).toBeUndefined();
    now += 50_000;
    expect(call(limiter, '192.0.2.1')).toMatchObject({ error: undefined, headers: { ratelimit: '"2-in-1min"; r=1; t=60' } });
  });

  it('counts an IPv6 client by its /56', () => {
    const limiter = new RateLimiter({ windowMs: 60_000, limit: 1, trustHops: 0 });
    limiters.push(limiter);
    expect(call(limiter, '2001:db8:0:1::1').error).toBeUndefined();
    expect(call(limiter, '2001:db8:0:2::7').error).toBeInstanceOf(GatewayError);
    expect(call(limiter, '2001:db8:1::1').error).toBeUndefined();
  });
});
