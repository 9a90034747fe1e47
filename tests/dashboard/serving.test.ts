import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { ROOT, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const DIST = path.join(ROOT, 'dist', 'ui');
const assetOf = (ext: string) => fs.readdirSync(path.join(DIST, 'assets')).find((f) => f.endsWith(ext)) as string;

/** How the gateway serves the built dashboard (npm run build puts it in dist/ui). */
describe('serving the dashboard', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('redirects / and the bare base path to /dashboard/', async () => {
    for (const from of ['/', '/dashboard']) {
      const res = await fetch(`${gw.url}${from}`, { redirect: 'manual' });
      expect([from, res.status, res.headers.get('location')]).toEqual([from, 302, '/dashboard/']);
    }
  });

  it('answers every page route with the app, the base injected, never cached, with strict security headers', async () => {
    for (const route of ['/dashboard/', '/dashboard/numbers', '/dashboard/numbers/5511999999999/pair']) {
      const res = await fetch(`${gw.url}${route}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(csp).toMatch(/default-src 'none'; script-src 'self'; style-src 'self' 'nonce-[A-Za-z0-9+/=]+';/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/unsafe|\*|https?:/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('<base href="/dashboard/">');
      expect(html).toContain(`&quot;nonce&quot;:&quot;${nonce}&quot;`);
      // No inline script: every script is a file of the build.
      expect(html.match(/<script\b[^>]*>/g)).toEqual([expect.stringMatching(/^<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">$/)]);
      expect(html).not.toMatch(/https?:\/\//);
    }
    const a = (await fetch(`${gw.url}/dashboard/`)).headers.get('content-security-policy');
    const b = (await fetch(`${gw.url}/dashboard/`)).headers.get('content-security-policy');
    expect(a).not.toBe(b);
  });

  it('caches hashed assets for a year, and answers a missing one with 404 rather than the app', async () => {
    const js = await fetch(`${gw.url}/dashboard/assets/${assetOf('.js')}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await js.text();
    // Nothing is fetched from elsewhere at run time (no CDN, fonts or analytics).
    expect(body).not.toMatch(/https:\/\/(?!github\.com|reactjs\.org|react\.dev|tanstack\.com)[a-z0-9.-]+\.[a-z]{2,}\/[\w/.-]*\.(js|css|woff2?)/);
    expect((await fetch(`${gw.url}/dashboard/assets/${assetOf('.css')}`)).headers.get('content-type')).toMatch(/text\/css/);
    const missing = await fetch(`${gw.url}/dashboard/assets/index-gone.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<html');
    const icon = await fetch(`${gw.url}/dashboard/favicon.svg`);
    expect(icon.status).toBe(200);
  });

  it('keeps the API answering JSON 404s under /api (no app fallback there)', async () => {
    const res = await gw.request<{ error: { code: string } }>('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('behind a reverse proxy on a sub-path', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { DASHBOARD_BASE_PATH: '/console', PUBLIC_PATH_PREFIX: '/wa' } });
  });
  afterAll(() => gw.close());

  it('serves at the configured path and points the page, the API, Socket.IO and the cookie at the public prefix', async () => {
    expect((await fetch(`${gw.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/wa/console/');
    const html = await (await fetch(`${gw.url}/console/numbers`)).text();
    expect(html).toContain('<base href="/wa/console/">');
    expect(html).toContain('&quot;api&quot;:&quot;/wa/api&quot;,&quot;socketPath&quot;:&quot;/wa/socket.io&quot;');
    expect((await fetch(`${gw.url}/dashboard/`, { redirect: 'manual' })).status).toBe(404);
    const res = await fetch(`${gw.url}/api/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dashboard-request': '1' }, body: JSON.stringify({ username: 'admin', password: 'test-admin-password' }) });
    expect(res.headers.get('set-cookie')).toMatch(/; Path=\/wa\/api\/auth;/);
  });
});

describe('dashboard settings', () => {
  it('refuses base paths that are not plain paths or that would shadow the API', () => {
    for (const [key, value] of [
      ['DASHBOARD_BASE_PATH', '/api/ui'],
      ['DASHBOARD_BASE_PATH', '/socket.io'],
      ['DASHBOARD_BASE_PATH', 'dashboard'],
      ['DASHBOARD_BASE_PATH', '/dash/'],
      ['DASHBOARD_BASE_PATH', '/a"b'],
      ['PUBLIC_PATH_PREFIX', '/wa/'],
      ['PUBLIC_PATH_PREFIX', 'https://x'],
    ] as const) {
      expect(() => loadConfig({ [key]: value }, '/x')).toThrow(ConfigError);
    }
    expect(loadConfig({}, '/x')).toMatchObject({ DASHBOARD_BASE_PATH: '/dashboard', PUBLIC_PATH_PREFIX: '', AUTH_ACCESS_TTL: '15m' });
  });
});
