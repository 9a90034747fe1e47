import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const ALLOWED = 'https://desk.example.com';
const OTHER = 'https://evil.example.net';

/** Browser dashboards on other origins: only the configured ones get CORS answers, from the API and Socket.IO. */
describe('CORS_ORIGINS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { CORS_ORIGINS: ALLOWED }, restore: false });
  });
  afterAll(() => gw.close());

  const preflight = (origin: string) =>
    fetch(`${gw.url}/api/devices`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  it('answers the preflight of an allowed origin without a token', async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets an allowed origin read answers, and still needs the token', async () => {
    const token = await gw.token();
    const ok = await fetch(`${gw.url}/api/devices`, { headers: { origin: ALLOWED, authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    const anonymous = await fetch(`${gw.url}/api/devices`, { headers: { origin: ALLOWED } });
    expect(anonymous.status).toBe(401);
  });

  it('gives other origins no CORS headers', async () => {
    const res = await preflight(OTHER);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const token = await gw.token();
    const get = await fetch(`${gw.url}/api/devices`, { headers: { origin: OTHER, authorization: `Bearer ${token}` } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('applies the same list to the Socket.IO polling handshake', async () => {
    const handshake = (origin: string) => fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const allowed = await handshake(ALLOWED);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect((await handshake(OTHER)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
