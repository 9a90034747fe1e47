import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import getPort from 'get-port';
import { WebSocket, WebSocketServer } from 'ws';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { nginxTest, renderNginxConfig, startNginx, type RunningNginx } from './nginx-harness.js';
import { ensurePackages, removeTempDirs, run, SETUP_TIMEOUT_MS, tempDir } from './support.js';

/*
 * nginx/nginx.conf validated by nginx itself, then a real nginx in front of a real gateway.
 *
 * Extending: Socket.IO and the /proxy/whatsapp routes arrive later. Add their checks to the
 * "through a real nginx" block, against `nginx.url`: e.g. a socket.io-client connected to
 * `nginx.url` with `transports: ['websocket']` (location /socket.io/), a ws client on
 * `${nginx.url.replace('http', 'ws')}/proxy/whatsapp/{phone}/ws`, and a 100 MB multipart upload.
 * Use `seen` to assert what reached the gateway. Keep the rate-limit test last: it drains the burst.
 */

afterAll(removeTempDirs);

/** The gateway's WebSocket route registry (`gateway.upgrades`), where present. */
interface UpgradeRegistry {
  register(prefix: string, handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
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

  it('serves the REST API: login, list, register a number', async () => {
    const login = await through('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const created = await through('/api/devices', { method: 'POST', headers: auth, body: JSON.stringify({ phoneNumber: '5511950000001', name: 'via nginx', autoStart: false }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ phoneNumber: '5511950000001', name: 'via nginx' });

    const list = await through('/api/devices', { headers: auth });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { devices: { phoneNumber: string }[] };
    expect(body.devices.map((d) => d.phoneNumber)).toContain('5511950000001');
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

  it('tunnels a WebSocket upgrade both ways', async () => {
    // A stand-in WebSocket endpoint on the gateway's own server until Socket.IO and the proxy exist.
    const echo = new WebSocketServer({ noServer: true });
    echo.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${String(data)}`)));
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (req.url === '/ops-echo/ws') echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req));
    };
    // A gateway with an upgrade router answers 404 to paths it does not know: register there when it exists.
    const router = (gw.gateway as { upgrades?: UpgradeRegistry }).upgrades;
    if (router) router.register('/ops-echo/', onUpgrade);
    else gw.gateway.server.on('upgrade', onUpgrade);
    try {
      const client = new WebSocket(`${nginx?.url.replace('http', 'ws')}/ops-echo/ws`);
      const reply = await new Promise<string>((resolve, reject) => {
        client.once('open', () => client.send('hello'));
        client.once('message', (data) => resolve(String(data)));
        client.once('error', reject);
      });
      expect(reply).toBe('echo:hello');
      const upgrade = seen.find((r) => r.url === '/ops-echo/ws');
      expect(upgrade?.headers['upgrade']).toBe('websocket');
      expect(upgrade?.headers['x-forwarded-for']).toBe('127.0.0.1');
      client.close();
      await waitFor(() => client.readyState === WebSocket.CLOSED, { what: 'the WebSocket to close' });
    } finally {
      gw.gateway.server.off('upgrade', onUpgrade);
      for (const socket of echo.clients) socket.terminate();
      echo.close();
    }
  });

  it('rate-limits a burst per client with 429 before it reaches the gateway (keep last)', async () => {
    const before = seen.length;
    const statuses = await Promise.all(Array.from({ length: 120 }, () => through('/api/health').then((r) => r.status)));
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(seen.length - before).toBe(120 - limited);
  });
});
