import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { API_RATE_LIMIT: '8' } });
});
afterAll(async () => {
  await gw.close();
});

describe('rate limiting per client', () => {
  it('answers 429 with Retry-After once API_RATE_LIMIT requests were made in a minute', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestGateway['request']>> | null = null;
    for (let i = 0; i < 10; i++) {
      last = await gw.request('GET', '/api/devices');
      statuses.push(last.status);
    }
    // One request went to the login that fetched the token.
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });
});

describe('failed logins are throttled', () => {
  it('answers 429 with Retry-After after LOGIN_MAX_FAILURES_PER_USER failures, even to the right password', async () => {
    const fresh = await startTestGateway();
    try {
      for (let i = 0; i < 5; i++) {
        const res = await fresh.request('POST', '/api/auth/login', { body: { username: 'admin', password: `wrong-${i}` }, token: null });
        expect(res.status).toBe(401);
      }
      const locked = await fresh.request('POST', '/api/auth/login', { body: ADMIN, token: null });
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      // LOGIN_FAILURE_WINDOW (15 min) from the first failure.
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(890);
    } finally {
      await fresh.close();
    }
  });
});
