import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import getPort from 'get-port';
import { io as ioClient } from 'socket.io-client';
import { WebSocket } from 'ws';
import { PNG } from 'pngjs';
import { ADMIN, ROOT, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { nginxTest, renderNginxConfig, startNginx, type RunningNginx } from './nginx-harness.js';
import { ensurePackages, removeTempDirs, run, SETUP_TIMEOUT_MS, tempDir } from './support.js';

/*
 * nginx/nginx.conf validated by nginx itself, then a real nginx in front of a real gateway.
 *
 * REST, Socket.IO over WebSocket, the proxied child WebSocket and a multipart upload through the proxy all
 * go through nginx. Use `seen` to assert what reached the gateway. Keep the rate-limit test last: it drains
 * the burst.
 */

afterAll(removeTempDirs);

/** A PNG that does not compress well, so the upload is a few hundred kB of real image. */
function noisyPng(size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 7919) % 251;
  return PNG.sync.write(png);
}

describe('nginx config (nginx -t)', () => {
  beforeAll(() => ensurePackages('nginx', 'openssl'), SETUP_TIMEOUT_MS);

  it('is valid as shipped (upstream and paths pointed at loopback and a temp prefix)', async () => {
    const prefix = tempDir('ops-nginx-t-');
    const conf = renderNginxConfig(prefix, { upstreamPort: 3000, httpPort: 8080 });
    const result = await nginxTest(prefix, conf);
    expect(result.stderr).toContain('test is successful');
    expect(result.code).toBe(0);
  });

  it('is valid with the TLS server enabled', async () => {
    const prefix = tempDir('ops-nginx-tls-');
    const certs = path.join(prefix, 'certs');
    fs.mkdirSync(certs);
    const cert = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', path.join(certs, 'privkey.pem'), '-out', path.join(certs, 'fullchain.pem')], {}, { cwd: prefix });
    expect(cert.code).toBe(0);
    const conf = renderNginxConfig(prefix, { upstreamPort: 3000, httpPort: 8080, tlsPort: 8443 });
    const result = await nginxTest(prefix, conf);
    expect(result.stderr).toContain('test is successful');
    expect(result.code).toBe(0);
  });
});

describe('the gateway through a real nginx', () => {
  const PHONE = '5511950000001';
  let gw: TestGateway;
  let nginx: RunningNginx | null = null;
  /** Every request and upgrade that reached the gateway, as the gateway saw it. */
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const record = (req: IncomingMessage): void => void seen.push({ url: req.url ?? '', headers: req.headers });
  const through = (urlPath: string, init: RequestInit = {}): Promise<Response> => fetch(`${nginx?.url}${urlPath}`, init);
  let token = '';

  beforeAll(async () => {
    await ensurePackages('nginx');
    gw = await startTestGateway({ env: { TRUST_PROXY: '1' } });
    gw.gateway.server.on('request', record);
    gw.gateway.server.on('upgrade', record);
    nginx = await startNginx(tempDir('ops-nginx-'), { upstreamPort: Number(new URL(gw.url).port), httpPort: await getPort({ host: '127.0.0.1' }) });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await nginx?.stop();
    await gw?.close();
    if (gw) fs.rmSync(gw.dataRoot, { recursive: true, force: true });
  });

  it.each(['gateway-upstream.conf', 'cluster-upstream.conf'])('never reuses an upstream connection the gateway may be closing (%s: the gateway waits longer when idle)', (file) => {
    const conf = fs.readFileSync(path.join(ROOT, 'nginx', file), 'utf8');
    const upstream = /upstream gateway \{[^}]*keepalive_timeout (\d+)s;/.exec(conf);
    expect(upstream).not.toBeNull();
    // A POST sent on a connection Node closes at that instant cannot be retried by nginx: a 502 for the client.
    expect(gw.gateway.server.keepAliveTimeout).toBeGreaterThan(Number(upstream?.[1]) * 1000);
  });

  it('serves the REST API: login, list, register a number', async () => {
    const login = await through('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const created = await through('/api/devices', { method: 'POST', headers: auth, body: JSON.stringify({ phoneNumber: PHONE, name: 'via nginx', autoStart: false }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ phoneNumber: PHONE, name: 'via nginx' });

    const list = await through('/api/devices', { headers: auth });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { devices: { phoneNumber: string }[] };
    expect(body.devices.map((d) => d.phoneNumber)).toContain(PHONE);
  });

  it('passes a 10 MB body on to the gateway, which gives its own answer', async () => {
    const marker = crypto.randomUUID();
    const big = Buffer.alloc(10 * 1024 * 1024, 'a');
    const res = await through('/api/devices', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-ops-probe': marker }, body: big });
    // The gateway's JSON limit answers (its error format), not nginx's client_max_body_size page.
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const arrived = seen.find((r) => r.headers['x-ops-probe'] === marker);
    expect(arrived?.headers['content-length']).toBe(String(big.length));
  });

  it('sends X-Forwarded-* headers, appending the client to an existing X-Forwarded-For', async () => {
    const marker = crypto.randomUUID();
    expect((await through('/api/health', { headers: { 'x-ops-probe': marker, 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
    const headers = seen.find((r) => r.headers['x-ops-probe'] === marker)?.headers;
    expect(headers?.['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(headers?.['x-real-ip']).toBe('127.0.0.1');
    expect(headers?.['x-forwarded-proto']).toBe('http');
    expect(headers?.['host']).toBe(new URL(nginx?.url ?? '').host);
  });

  it('carries Socket.IO events (WebSocket transport) from a number started through nginx', async () => {
    const socket = ioClient(nginx?.url ?? '', { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const connected = new Promise<{ phoneNumber: string; port: number }>((resolve) => socket.on('container-websocket-connected', resolve));
      const started = await through(`/api/devices/${PHONE}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(started.status).toBe(200);
      expect(await connected).toMatchObject({ phoneNumber: PHONE, port: expect.any(Number) });
      expect(seen.some((r) => r.url.startsWith('/socket.io/') && r.headers['upgrade'] === 'websocket')).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('tunnels the proxied child WebSocket', async () => {
    const client = new WebSocket(`${nginx?.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws?token=${token}`);
    try {
      const frame = await new Promise<{ code: string }>((resolve, reject) => {
        client.once('open', () => client.send(JSON.stringify({ code: 'FETCH_DEVICES' })));
        client.on('message', (data) => resolve(JSON.parse(String(data)) as { code: string }));
        client.once('error', reject);
      });
      expect(frame.code).toBe('LIST_DEVICES');
    } finally {
      client.close();
    }
    // The token travelled in the query string; the access log keeps the path only.
    const log = path.join(nginx?.prefix ?? '', 'access.log');
    await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(`/proxy/whatsapp/${PHONE}/ws`), { what: 'the access log line' });
    expect(fs.readFileSync(log, 'utf8')).not.toContain(token);
  });

  it('streams a multipart image upload through nginx and the proxy to the child', async () => {
    const auth = { authorization: `Bearer ${token}` };
    expect((await through(`/proxy/whatsapp/${PHONE}/app/login`, { headers: auth })).status).toBe(200);
    expect((await through(`/proxy/whatsapp/${PHONE}/_sim/pair`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
    const image = noisyPng(600);
    const form = new FormData();
    form.set('phone', '5511888888888');
    form.set('caption', 'via nginx');
    form.set('image', new Blob([image], { type: 'image/png' }), 'upload.png');
    const res = await through(`/proxy/whatsapp/${PHONE}/send/image`, { method: 'POST', headers: auth, body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { code: string }).code).toBe('SUCCESS');
    const sent = (await (await through(`/proxy/whatsapp/${PHONE}/_sim/sent`, { headers: auth })).json()) as { results: { sent: { route: string; size?: number; caption?: string }[] } };
    expect(sent.results.sent.at(-1)).toMatchObject({ route: '/send/image', caption: 'via nginx', size: image.length });
  });

  it('rate-limits a burst per client with 429 before it reaches the gateway (keep last)', async () => {
    // Tagged, so requests still arriving from earlier tests (a socket's reconnect, say) are not counted.
    const burst = crypto.randomUUID();
    const statuses = await Promise.all(Array.from({ length: 120 }, () => through('/api/health', { headers: { 'x-ops-probe': burst } }).then((r) => r.status)));
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(seen.filter((r) => r.headers['x-ops-probe'] === burst).length).toBe(120 - limited);
  });
});
