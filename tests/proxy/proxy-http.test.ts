import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, pair, register, registerPaired, simSent } from '../helpers/messaging.js';

const PAIRED = '5511990000001';
const STOPPED = '5511990000002';
const FRESH = '5511990000003';
const ALICE_PHONE = '5511990000004';

interface Envelope {
  code: string;
  message: string;
  results?: Record<string, unknown>;
}

describe('/proxy/whatsapp: HTTP', () => {
  let gw: TestGateway;
  let alice = '';

  const login = async (username: string, password: string): Promise<string> =>
    (await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username, password }, token: null })).body.token;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { QUEUE_INTERVAL: '20' } });
    await registerPaired(gw, PAIRED);
    await register(gw, STOPPED, false);
    await register(gw, FRESH);
    expect((await gw.request('POST', '/api/users', { body: { username: 'alice', password: 'alice-password', role: 'user' } })).status).toBe(201);
    alice = await login('alice', 'alice-password');
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: ALICE_PHONE }, token: alice })).status).toBe(201);
    await pair(gw, ALICE_PHONE);
  });
  afterAll(() => gw.close());

  it("forwards to the number's child with the child's credentials and passes status and envelope through unchanged", async () => {
    const body = JSON.stringify({ phone: '', message: '' });
    const viaProxy = await fetch(`${gw.url}/proxy/whatsapp/${PAIRED}/send/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gw.token()}`, 'content-type': 'application/json' },
      body,
    });
    const direct = await fetch(`${child(gw, PAIRED).baseUrl}/send/message`, {
      method: 'POST',
      headers: { authorization: child(gw, PAIRED).authorization, 'content-type': 'application/json' },
      body,
    });
    expect(viaProxy.status).toBe(400);
    const text = await viaProxy.text();
    expect(text).toBe(await direct.text());
    expect(JSON.parse(text)).toEqual({ code: 'VALIDATION_ERROR', message: 'message: cannot be blank; phone: cannot be blank.' });

    const ok = await gw.request<Envelope>('POST', `/proxy/whatsapp/${PAIRED}/send/message`, { body: { phone: '+5511888884000@s.whatsapp.net', message: 'through the proxy' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ code: 'SUCCESS', results: { message_id: expect.any(String) } });
    expect((await simSent(gw, PAIRED)).filter((e) => e.message === 'through the proxy')).toHaveLength(1);

    const status = await gw.request<Envelope>('GET', `/proxy/whatsapp/${PAIRED}/app/status`);
    expect(status.body).toMatchObject({ code: 'SUCCESS', results: { is_logged_in: true, device_id: PAIRED } });
    expect(JSON.stringify(status.body)).not.toContain(child(gw, PAIRED).authorization.slice(6));
    const query = await gw.request<Envelope>('GET', `/proxy/whatsapp/${PAIRED}/user/check?phone=99911112222`);
    expect(query.body.results).toEqual({ is_on_whatsapp: false });
  });

  it('streams a multipart /send/image upload through (larger than the JSON body limit)', async () => {
    // The stand-in checks the part's type, not its pixels: 3 MB of noise is an honest streaming load.
    const image = crypto.randomBytes(3_000_000);
    const form = new FormData();
    form.append('phone', '5511888884001');
    form.append('caption', 'streamed');
    form.append('image', new Blob([image], { type: 'image/png' }), 'big.png');
    const res = await fetch(`${gw.url}/proxy/whatsapp/${PAIRED}/send/image`, { method: 'POST', headers: { authorization: `Bearer ${await gw.token()}` }, body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Envelope).code).toBe('SUCCESS');
    expect((await simSent(gw, PAIRED)).find((e) => e.caption === 'streamed')).toMatchObject({ route: '/send/image', size: image.length });
  });

  it('rewrites qr_link to a gateway URL that serves the PNG with a token and refuses it without', async () => {
    const res = await gw.request<Envelope & { results: { qr_link: string; qr_duration: number } }>('GET', `/proxy/whatsapp/${FRESH}/app/login`);
    expect(res.status).toBe(200);
    const link = res.body.results.qr_link;
    expect(link).toMatch(new RegExp(`^${gw.url}/proxy/whatsapp/${FRESH}/statics/qrcode/scan-qr-[0-9a-f-]{36}\\.png$`));
    expect(res.body.results.qr_duration).toBe(30);

    const image = await fetch(link, { headers: { authorization: `Bearer ${await gw.token()}` } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await image.arrayBuffer()));
    expect([png.width, png.height]).toEqual([512, 512]);
    expect((await fetch(link)).status).toBe(401);
  });

  it('waits its turn in the number\'s queue for /send/* calls, so the pacing holds', async () => {
    await gw.request('PATCH', `/api/devices/${PAIRED}/queue`, { body: { interval: 400 } });
    const results = await Promise.all(
      [0, 1, 2].map((i) => gw.request<Envelope>('POST', `/proxy/whatsapp/${PAIRED}/send/message`, { body: { phone: '5511888884002', message: `paced ${i}` } })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const times = (await simSent(gw, PAIRED)).filter((e) => e.message?.startsWith('paced ')).map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    expect(times).toHaveLength(3);
    // Send stamps jitter with the child's handling time (see the outbox pacing test): check the span, and that
    // no two sends came in a burst.
    expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2 * 400 - 100);
    expect(Math.min((times[1] ?? 0) - (times[0] ?? 0), (times[2] ?? 0) - (times[1] ?? 0))).toBeGreaterThanOrEqual(400 / 2);
    await gw.request('PATCH', `/api/devices/${PAIRED}/queue`, { body: { reset: true } });
  });

  it('chooses the number from X-Phone-Number, or the caller\'s only number, and says how to choose otherwise', async () => {
    const ambiguous = await gw.request<{ error: { code: string; message: string } }>('GET', '/proxy/whatsapp/app/status');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.message).toMatch(/X-Phone-Number/);
    expect(ambiguous.body.error.message).toMatch(/\/proxy\/whatsapp\/\{phoneNumber\}/);

    const byHeader = await gw.request<Envelope>('GET', '/proxy/whatsapp/app/status', { headers: { 'X-Phone-Number': PAIRED } });
    expect(byHeader.body.results).toMatchObject({ device_id: PAIRED });
    expect((await gw.request('GET', '/proxy/whatsapp/app/status', { headers: { 'X-Phone-Number': 'abc' } })).status).toBe(400);

    const only = await gw.request<Envelope>('GET', '/proxy/whatsapp/app/status', { token: alice });
    expect(only.status).toBe(200);
    expect(only.body.results).toMatchObject({ device_id: ALICE_PHONE, is_logged_in: true });
    // Someone else's number does not exist for alice.
    expect((await gw.request('GET', `/proxy/whatsapp/${PAIRED}/app/status`, { token: alice })).status).toBe(404);
    expect((await gw.request('GET', '/proxy/whatsapp/app/status', { token: alice, headers: { 'X-Phone-Number': PAIRED } })).status).toBe(404);
  });

  it('lists the proxy, message, queue and QR routes in the OpenAPI document', async () => {
    const doc = await gw.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api-docs/openapi.json', { token: null });
    for (const p of ['/proxy/whatsapp/{phone}/{path}', '/api/messages/send', '/api/messages/send-image', '/api/messages/{id}', '/api/devices/{phone}/qr', '/api/devices/{phone}/pair-code', '/api/devices/{phone}/queue']) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
    expect(Object.keys(doc.body.paths['/proxy/whatsapp/{phone}/{path}'] ?? {})).toEqual(['get', 'post', 'put', 'patch', 'delete']);
  });

  it('answers 404 for unknown numbers, 503 with the state when stopped, 401 without a token, 403 for gateway-managed routes', async () => {
    const unknown = await gw.request<{ error: { code: string } }>('GET', '/proxy/whatsapp/5511990009999/app/status');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('DEVICE_NOT_FOUND');
    const stopped = await gw.request<{ error: { code: string; state: string } }>('GET', `/proxy/whatsapp/${STOPPED}/app/status`);
    expect(stopped.status).toBe(503);
    expect(stopped.body.error).toMatchObject({ code: 'DEVICE_NOT_RUNNING', state: 'stopped' });
    expect((await gw.request('GET', `/proxy/whatsapp/${PAIRED}/app/status`, { token: null })).status).toBe(401);
    expect((await gw.request('GET', `/proxy/whatsapp/${PAIRED}/app/status`, { token: 'not-a-token' })).status).toBe(401);
    const managed = await gw.request<{ error: { code: string } }>('DELETE', `/proxy/whatsapp/${PAIRED}/devices/${PAIRED}`);
    expect(managed.status).toBe(403);
    expect((await gw.request('PATCH', `/proxy/whatsapp/${PAIRED}/devices/${PAIRED}/webhook`, { body: { webhook_url: 'http://evil.example' } })).status).toBe(403);
    // The child's router ignores case and extra slashes: so do the guards.
    expect((await gw.request('POST', `/proxy/whatsapp/${PAIRED}/DEVICES`, { body: { device_id: 'intruder' } })).status).toBe(403);
    expect((await gw.request('POST', `/proxy/whatsapp/${PAIRED}//devices/`, { body: { device_id: 'intruder' } })).status).toBe(403);
    // A login of another slot would create it in the child, and a second slot breaks header-less calls.
    expect((await gw.request('GET', `/proxy/whatsapp/${PAIRED}/devices/intruder/login`)).status).toBe(403);
    // Reading the child's devices is fine.
    const slots = await gw.request<Envelope>('GET', `/proxy/whatsapp/${PAIRED}/devices`);
    expect(slots.body.code).toBe('SUCCESS');
    expect((slots.body.results as unknown as { id: string }[]).map((d) => d.id)).toEqual([PAIRED]);
    expect((await gw.request<Envelope>('GET', `/proxy/whatsapp/${PAIRED}/devices/${PAIRED}/status`)).status).toBe(200);
  });

  it('paces /send/* however the path is spelled', async () => {
    await gw.request('PATCH', `/api/devices/${PAIRED}/queue`, { body: { interval: 400 } });
    const spellings = ['/SEND/message', '//send//message/', '/Send/Message'];
    const results = await Promise.all(spellings.map((p, i) => gw.request<Envelope>('POST', `/proxy/whatsapp/${PAIRED}${p}`, { body: { phone: '5511888884003', message: `spelled ${i}` } })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const times = (await simSent(gw, PAIRED)).filter((e) => e.message?.startsWith('spelled ')).map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    expect(times).toHaveLength(3);
    expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2 * 400 - 100);
    await gw.request('PATCH', `/api/devices/${PAIRED}/queue`, { body: { reset: true } });
  });
});
