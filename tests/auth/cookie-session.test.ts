import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient } from '../realtime/socket-helpers.js';

interface SignedIn {
  token: string;
  expiresIn: number;
  user: { id: number; username: string; role: string };
}

/** The dashboard's sign-in over HTTP: refresh cookie, CSRF guard, rotation, sign-out (one, everywhere). */
describe('cookie sessions for the dashboard', () => {
  let gw: TestGateway;
  const csrf = { 'x-dashboard-request': '1' };

  const post = (path: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const signIn = async (headers: Record<string, string> = {}) => {
    const res = await post('/api/auth/session', { ...csrf, ...headers }, ADMIN);
    expect(res.status).toBe(200);
    return { res, body: (await res.json()) as SignedIn, cookie: cookieOf(res) };
  };
  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] as string;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { TRUST_PROXY: '1' } });
  });
  afterAll(() => gw.close());

  it('signs in with a short-lived access token naming its session, and an httpOnly SameSite=Strict cookie for the auth routes only', async () => {
    const { res, body } = await signIn();
    expect(body).toMatchObject({ expiresIn: 900, tokenType: 'Bearer', user: { username: 'admin', role: 'admin' } });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(typeof (jwt.decode(body.token) as { sid?: unknown }).sid).toBe('string');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^wmp_refresh=[A-Za-z0-9_-]{43}; Path=\/api\/auth; Max-Age=604800; HttpOnly; SameSite=Strict$/);
    expect(JSON.stringify(body)).not.toContain(cookie.split(';')[0]?.split('=')[1] ?? 'x');
    // Behind a TLS proxy (TRUST_PROXY) the cookie is Secure.
    const tls = await signIn({ 'x-forwarded-proto': 'https' });
    expect(tls.res.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('refuses the cookie routes without the custom header, from another origin, or from a cross-site context', async () => {
    const { cookie } = await signIn();
    const cases: Record<string, string>[] = [{}, { ...csrf, origin: 'https://evil.example' }, { ...csrf, 'sec-fetch-site': 'cross-site' }];
    for (const headers of cases) {
      for (const path of ['/api/auth/session', '/api/auth/refresh', '/api/auth/logout']) {
        const res = await post(path, { cookie, ...headers }, path === '/api/auth/session' ? ADMIN : undefined);
        expect([path, headers, res.status]).toEqual([path, headers, 403]);
      }
    }
    // The same origin is fine.
    expect((await post('/api/auth/refresh', { cookie, ...csrf, origin: gw.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('rotates the refresh cookie; the previous one gets a grace answer without a new cookie', async () => {
    const { cookie } = await signIn();
    const first = await post('/api/auth/refresh', { cookie, ...csrf });
    expect(first.status).toBe(200);
    const next = cookieOf(first);
    expect(next).not.toBe(cookie);
    const again = await post('/api/auth/refresh', { cookie, ...csrf });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect((await post('/api/auth/refresh', { cookie: next, ...csrf })).status).toBe(200);
  });

  it('answers 401 and clears the cookie when there is no session', async () => {
    const res = await post('/api/auth/refresh', { ...csrf, cookie: 'wmp_refresh=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toMatch(/^wmp_refresh=; Path=\/api\/auth; Max-Age=0;/);
    expect((await post('/api/auth/refresh', csrf)).status).toBe(401);
  });

  it('signs out one session: its access token, refresh cookie and live socket stop working at once', async () => {
    const { body, cookie } = await signIn();
    const other = await signIn();
    expect((await gw.request('GET', '/api/devices', { token: body.token })).status).toBe(200);
    const socket = await connectClient(gw.url, body.token);
    const res = await post('/api/auth/logout', { cookie, ...csrf });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await gw.request('GET', '/api/devices', { token: body.token })).status).toBe(401);
    expect((await post('/api/auth/refresh', { cookie, ...csrf })).status).toBe(401);
    await waitFor(() => !socket.socket.connected, { what: 'the socket of the ended session to close' });
    socket.close();
    // Another session of the same user is untouched.
    expect((await gw.request('GET', '/api/devices', { token: other.body.token })).status).toBe(200);
  });

  it('signs out everywhere: every session of the user ends; password-login API tokens are not sessions', async () => {
    const a = await signIn();
    const b = await signIn();
    const apiToken = await gw.token();
    const res = await gw.request<{ ended: number }>('POST', '/api/auth/logout-all', { token: a.body.token });
    expect(res.status).toBe(200);
    expect(res.body.ended).toBeGreaterThanOrEqual(2);
    for (const session of [a, b]) {
      expect((await gw.request('GET', '/api/devices', { token: session.body.token })).status).toBe(401);
      expect((await post('/api/auth/refresh', { cookie: session.cookie, ...csrf })).status).toBe(401);
    }
    expect((await gw.request('GET', '/api/devices', { token: apiToken })).status).toBe(200);
    expect((await gw.request('POST', '/api/auth/logout-all', { token: null })).status).toBe(401);
  });

  it('keeps the dashboard settings per user on the server, refusing unknown values', async () => {
    expect((await gw.request('GET', '/api/me')).body).toEqual({ user: { id: 1, username: 'admin', role: 'admin' }, settings: {} });
    const bad = await gw.request<{ error: { fields: { field: string }[] } }>('PATCH', '/api/me/settings', { body: { language: 'fr' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0]?.field).toBe('language');
    expect((await gw.request('PATCH', '/api/me/settings', { body: { theme: 'dark' } })).status).toBe(400);
    expect((await gw.request('PATCH', '/api/me/settings', { body: { language: 'pt-BR' } })).body).toMatchObject({ settings: { language: 'pt-BR' } });
    expect((await gw.request('GET', '/api/me')).body).toMatchObject({ settings: { language: 'pt-BR' } });
  });
});
