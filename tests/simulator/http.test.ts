/**
 * HTTP surface (docs/binary-contract.md §5, §6; health §3, body limit §2): health, basic auth, statics before auth,
 * envelope serialisation, the device middleware with 0, 1 and 2 slots, `/devices` CRUD, body binding, 404 / 405,
 * body limit, CORS.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { cleanupSims, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';

let sim: SimProcess;

beforeAll(async () => {
  sim = await startSim({ basicAuth: 'user:pass' });
});
afterAll(cleanupSims);

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('health, auth and statics', () => {
  it('/health answers 200 text/plain OK without auth', async () => {
    const res = await sim.api('GET', '/health', undefined, { auth: null });
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it.each([
    ['no header', null],
    ['wrong password', basic('user:nope')],
    ['another scheme', 'Bearer abc'],
  ])('%s → 401 Unauthorized with WWW-Authenticate and Cache-Control', async (_name, auth) => {
    const res = await sim.api('GET', '/devices', undefined, { auth });
    expect(res.status).toBe(401);
    expect(res.text).toBe('Unauthorized');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Restricted", charset="UTF-8"');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('a malformed Basic header → 400', async () => {
    expect((await sim.api('GET', '/devices', undefined, { auth: 'Basic !!!notbase64' })).status).toBe(400);
    expect((await sim.api('GET', '/devices', undefined, { auth: basic('no-colon') })).status).toBe(400);
  });

  it('?authorization= is not accepted outside WebSocket upgrades', async () => {
    const query = Buffer.from('user:pass').toString('base64');
    expect((await sim.api('GET', `/devices?authorization=${query}`, undefined, { auth: null })).status).toBe(401);
  });

  it('/statics/* is served before auth', async () => {
    mkdirSync(join(sim.cwd, 'statics/media'), { recursive: true });
    writeFileSync(join(sim.cwd, 'statics/media/hello.txt'), 'hello');
    const res = await sim.api('GET', '/statics/media/hello.txt', undefined, { auth: null });
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
  });

  it('CORS allows any origin by default', async () => {
    const res = await sim.api('GET', '/health', undefined, { headers: { Origin: 'http://example.test' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('device middleware and /devices', () => {
  it('with 0 slots, device-scoped and unmatched paths → 400 DEVICE_ID_REQUIRED', async () => {
    for (const path of ['/app/status', '/no/such/route', '/send/message']) {
      const res = await sim.api('GET', path);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ code: 'DEVICE_ID_REQUIRED', message: 'device_id is required via X-Device-Id header or device_id query' });
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
  });

  it('an unknown id → 404 DEVICE_NOT_FOUND with results {device_id}', async () => {
    const res = await sim.api('GET', '/app/status?device_id=ghost');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      code: 'DEVICE_NOT_FOUND',
      message: 'device not found; create a device first from /api/devices or provide a valid X-Device-Id',
      results: { device_id: 'ghost' },
    });
  });

  it('GET /devices with none → results null; /app/info is not device-scoped', async () => {
    expect((await sim.api('GET', '/devices')).text).toBe('{"code":"SUCCESS","message":"List devices","results":null}');
    const info = await sim.api<Envelope<{ version: string }>>('GET', '/app/info');
    expect(info.status).toBe(200);
    expect(info.json.results?.version).toBe('v9.2.0');
  });

  it('POST /devices adds a slot; a duplicate → 500; a bad body → 400 BAD_REQUEST', async () => {
    const res = await sim.api<Envelope<Record<string, unknown>>>('POST', '/devices', { device_id: 'alpha' });
    expect(res.status).toBe(200);
    expect(res.json.message).toBe('Device added');
    expect(res.json.results).toMatchObject({ id: 'alpha', jid: '', display_name: '', state: 'disconnected' });
    expect(res.json.results?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const dup = await sim.api('POST', '/devices', { device_id: 'alpha' });
    expect(dup.status).toBe(500);
    expect(dup.json).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'device alpha already exists' });
    const bad = await sim.api('POST', '/devices', undefined, { raw: '{"device_id":', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ code: 'BAD_REQUEST', message: 'Invalid request body' });
  });

  it('with 1 slot the middleware picks it; unmatched paths are 404, wrong methods 405', async () => {
    const status = await sim.api<Envelope<Record<string, unknown>>>('GET', '/app/status');
    expect(status.json).toEqual({
      code: 'SUCCESS',
      message: 'Connection status retrieved',
      results: { device_id: 'alpha', is_connected: false, is_logged_in: false, jid: '' },
    });
    const missing = await sim.api('GET', '/no/such/route');
    expect([missing.status, missing.text]).toEqual([404, 'Not Found']);
    const wrong = await sim.api('PUT', '/app/status');
    expect([wrong.status, wrong.text]).toEqual([405, 'Method Not Allowed']);
  });

  it('an omitted device_id gets a UUID; with 2 slots an id is required (header, URL-decoded, or query)', async () => {
    const res = await sim.api<Envelope<{ id: string }>>('POST', '/devices', {});
    const id = res.json.results?.id ?? '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await sim.api('GET', '/app/status')).status).toBe(400);
    expect((await sim.api('GET', '/no/such/route')).status).toBe(400);
    const byHeader = await sim.api<Envelope<{ device_id: string }>>('GET', '/app/status', undefined, { deviceId: 'al%70ha' });
    expect(byHeader.json.results?.device_id).toBe('alpha');
    const byQuery = await sim.api<Envelope<{ device_id: string }>>('GET', `/app/status?device_id=${id}`);
    expect(byQuery.json.results?.device_id).toBe(id);
    const list = await sim.api<Envelope<{ id: string }[]>>('GET', '/devices');
    expect(list.json.results?.map((d) => d.id)).toEqual(['alpha', id]);
    const removed = await sim.api('DELETE', `/devices/${id}`);
    expect(removed.text).toBe('{"code":"SUCCESS","message":"Device removed"}');
  });

  it('GET /devices/{id}, its status, and unknown ids', async () => {
    const info = await sim.api<Envelope<{ id: string; state: string }>>('GET', '/devices/alpha');
    expect(info.json.message).toBe('Device info');
    expect(info.json.results).toMatchObject({ id: 'alpha', state: 'disconnected' });
    const status = await sim.api('GET', '/devices/alpha/status');
    expect(status.json).toEqual({ code: 'SUCCESS', message: 'Device status', results: { device_id: 'alpha', is_connected: false, is_logged_in: false } });
    const unknown = await sim.api('GET', '/devices/nobody');
    expect([unknown.status, unknown.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message: 'device nobody not found' }]);
  });

  it('GET/PATCH /devices/{id}/webhook', async () => {
    const missing = await sim.api('PATCH', '/devices/alpha/webhook', { webhook_secret: 'x' });
    expect([missing.status, missing.json]).toEqual([400, { code: 'BAD_REQUEST', message: 'webhook_url is required' }]);
    const patch = { webhook_url: 'http://127.0.0.1:9/hook', webhook_secret: 'k', webhook_events: 'message', webhook_insecure_skip_verify: true };
    const patched = await sim.api('PATCH', '/devices/alpha/webhook', patch);
    expect(patched.json).toEqual({ code: 'SUCCESS', message: 'Device webhook updated', results: { device_id: 'alpha', ...patch } });
    const got = await sim.api('GET', '/devices/alpha/webhook');
    expect(got.json).toEqual({ code: 'SUCCESS', message: 'Device webhook retrieved', results: { device_id: 'alpha', ...patch } });
    const cleared = await sim.api<Envelope<{ webhook_url: string }>>('PATCH', '/devices/alpha/webhook', { webhook_url: '' });
    expect(cleared.json.results?.webhook_url).toBe('');
    const unknown = await sim.api('GET', '/devices/nobody/webhook');
    expect([unknown.status, unknown.json]).toEqual([404, { code: 'NOT_FOUND', message: 'device not found' }]);
  });
});

describe('envelope and body binding', () => {
  it('serialises like Go: sorted keys, <>& escaped, results omitted when nil', async () => {
    const id = 'a<b>&c';
    const res = await sim.api('POST', '/devices', { device_id: id });
    expect(res.text).toMatch(/^\{"code":"SUCCESS","message":"Device added","results":\{"created_at":"[^"]+","display_name":"","id":"a\\u003cb\\u003e\\u0026c","jid":"","state":"disconnected"\}\}$/);
    const removed = await sim.api('DELETE', `/devices/${encodeURIComponent(id)}`, undefined, {});
    expect(removed.text).toBe('{"code":"SUCCESS","message":"Device removed"}');
  });

  it('JSON, urlencoded and multipart bodies all bind; other content types are a binder error', async () => {
    // alpha has no client yet, so a well-formed send reaches the INVALID_WA_CLI check.
    const json = await sim.api('POST', '/send/message', { phone: '628123', message: 'hi' });
    expect([json.status, (json.json as Envelope).code]).toEqual([500, 'INVALID_WA_CLI']);
    const form = await sim.api('POST', '/send/message', undefined, { raw: new URLSearchParams({ phone: '628123', message: 'hi' }) });
    expect([form.status, (form.json as Envelope).code]).toEqual([500, 'INVALID_WA_CLI']);
    const multipart = new FormData();
    multipart.set('phone', '628123');
    const partial = await sim.api('POST', '/send/message', undefined, { raw: multipart });
    expect([partial.status, partial.json]).toEqual([400, { code: 'VALIDATION_ERROR', message: 'message: cannot be blank.' }]);
    const plain = await sim.api('POST', '/send/message', undefined, { raw: 'phone=1', headers: { 'Content-Type': 'text/plain' } });
    expect([plain.status, plain.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message: 'Unprocessable Entity' }]);
  });

  it('a body over 100 MB → 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${sim.baseUrl}/send/message`, {
        method: 'POST',
        headers: { Authorization: sim.authorization ?? '', 'Content-Type': 'application/json', 'Content-Length': String(100 * 1024 * 1024 + 1) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"phone":"');
    });
    expect(status).toBe(413);
  });
});
