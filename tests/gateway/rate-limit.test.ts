import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

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

describe('failed logins slow down', () => {
  it('delays the attempts after the third failure by growing steps', async () => {
    const fresh = await startTestGateway();
    try {
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        const res = await fresh.request('POST', '/api/auth/login', { body: { username: 'admin', password: `wrong-${i}` }, token: null });
        expect(res.status).toBe(401);
        times.push(performance.now() - started);
      }
      // Lower bounds only: the 5th and 6th failures are held back at least 1 s and 1.5 s by design.
      expect(times[4]).toBeGreaterThanOrEqual(1000);
      expect(times[5]).toBeGreaterThanOrEqual(1500);
    } finally {
      await fresh.close();
    }
  });
});
