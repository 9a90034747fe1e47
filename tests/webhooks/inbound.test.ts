/**
 * The loopback receiver every child posts its webhooks to: the child's own secret signs each body, a forged
 * or missing signature is refused and nothing is stored, repeats are acknowledged once, and only local peers
 * may call it.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hubSignature } from '../helpers/sim-webhooks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { lastSeq, pair, registerRunning } from '../realtime/sim.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';

const PHONE = '5511942000001';

let gw: TestGateway;
let socket: TestClient;
const webhooks: { phoneNumber: string; event: string }[] = [];

const secret = () => {
  const value = gw.gateway.supervisor.runner(PHONE)?.webhookSecret;
  if (!value) throw new Error('no running child');
  return value;
};
const eventRows = () => (gw.gateway.database.sqlite.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;

function envelope(body: string): Buffer {
  return Buffer.from(
    JSON.stringify({ event: 'message', device_id: `${PHONE}@s.whatsapp.net`, session_id: PHONE, payload: { id: `X-${body}`, from: '6280000@s.whatsapp.net', body } }),
  );
}

function post(raw: Buffer, headers: Record<string, string>, phone = PHONE) {
  return gw.request<{ ok?: boolean; seq?: number | null; duplicate?: boolean; error?: { code: string } }>('POST', `/internal/webhooks/${phone}`, {
    raw,
    token: null,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

beforeAll(async () => {
  // Listen on every interface, so the test can also call from a non-loopback address.
  gw = await startTestGateway({ env: { API_HOST: '0.0.0.0' } });
  gw.gateway.pipeline.events.on('recorded', ({ phoneNumber, message }) => {
    if (message.source === 'webhook') webhooks.push({ phoneNumber, event: message.event });
  });
  await registerRunning(gw, PHONE);
  await pair(gw, PHONE);
  socket = await connectClient(gw.url, await gw.token());
});
afterAll(async () => {
  socket.close();
  await gw.close();
});

describe('signature', () => {
  it('rejects a forged signature and stores nothing', async () => {
    const before = eventRows();
    const raw = envelope('forged');
    const forged = await post(raw, { 'x-hub-signature-256': hubSignature(raw, 'not-the-secret') });
    expect(forged.status).toBe(401);
    expect(forged.body.error?.code).toBe('UNAUTHORIZED');
    // Signed correctly, but for other bytes.
    const swapped = await post(envelope('other'), { 'x-hub-signature-256': hubSignature(raw, secret()) });
    expect(swapped.status).toBe(401);
    const missing = await post(raw, {});
    expect(missing.status).toBe(401);
    const malformed = await post(raw, { 'x-hub-signature-256': 'sha256=zz' });
    expect(malformed.status).toBe(401);
    const unknownNumber = await post(raw, { 'x-hub-signature-256': hubSignature(raw, secret()) }, '5511942999999');
    expect(unknownNumber.status).toBe(401);
    expect(eventRows()).toBe(before);
    expect(webhooks.filter((w) => w.event === 'message')).toEqual([]);
    expect(socket.all('whatsapp-websocket-message', (d) => d.message.type === 'message')).toEqual([]);
  });

  it("accepts the child's own signature: stored, numbered, published, announced", async () => {
    const raw = envelope('genuine');
    const res = await post(raw, { 'x-hub-signature-256': hubSignature(raw, secret()) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, seq: lastSeq(gw, PHONE), duplicate: false });
    const hit = await socket.waitFor('whatsapp-websocket-message', (d) => d.message.type === 'message');
    expect(hit.message).toMatchObject({ seq: res.body.seq, payload: { body: 'genuine' }, raw: JSON.parse(raw.toString()) });
    expect(webhooks).toContainEqual({ phoneNumber: PHONE, event: 'message' });
  });

  it('acknowledges a repeat of the same bytes (the child retrying) without storing it twice', async () => {
    const raw = envelope('sent twice');
    const signature = hubSignature(raw, secret());
    const before = eventRows();
    const first = await post(raw, { 'x-hub-signature-256': signature });
    const again = await post(raw, { 'x-hub-signature-256': signature });
    expect(first.body).toMatchObject({ ok: true, duplicate: false });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, seq: null, duplicate: true });
    expect(eventRows()).toBe(before + 1);
  });

  it('refuses a signed body that is not a webhook envelope', async () => {
    for (const raw of [Buffer.from('not json'), Buffer.from('{"payload":{}}'), Buffer.from('[1,2]')]) {
      const res = await post(raw, { 'x-hub-signature-256': hubSignature(raw, secret()) });
      expect(res.status).toBe(400);
    }
  });

  it("keeps taking the child's events (an unlink from the phone becomes logged_out)", async () => {
    await gw.gateway.supervisor.runner(PHONE)?.client?.request('POST', '/_sim/unlink');
    await socket.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === PHONE && d.message.type === 'logged_out');
    await waitFor(() => gw.gateway.supervisor.runner(PHONE)?.session === 'logged_out', { what: 'session logged out' });
  });
});

describe('bad calls', () => {
  it('get the error envelope and store nothing', async () => {
    const before = eventRows();
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x20);
    const tooLarge = await post(big, { 'x-hub-signature-256': hubSignature(big, secret()) });
    expect({ status: tooLarge.status, code: tooLarge.body.error?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const raw = envelope('odd call');
    const signed = { 'x-hub-signature-256': hubSignature(raw, secret()) };
    const zipped = await post(raw, { ...signed, 'content-encoding': 'gzip' });
    expect({ status: zipped.status, code: zipped.body.error?.code }).toEqual({ status: 400, code: 'MALFORMED_BODY' });
    const notPhone = await post(raw, signed, 'not-a-phone');
    expect({ status: notPhone.status, code: notPhone.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const get = await gw.request<{ error?: { code: string } }>('GET', `/internal/webhooks/${PHONE}`, { token: null });
    expect({ status: get.status, code: get.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(eventRows()).toBe(before);
  });

  it('takes the path with a trailing slash or a query, as Express did', async () => {
    for (const suffix of ['/', '?from=child']) {
      const raw = envelope(`path${suffix}`);
      const res = await post(raw, { 'x-hub-signature-256': hubSignature(raw, secret()) }, `${PHONE}${suffix}`);
      expect({ suffix, status: res.status, ok: res.body.ok }).toEqual({ suffix, status: 200, ok: true });
    }
  });
});

describe('who may call it', () => {
  it('refuses requests that came through a proxy', async () => {
    const raw = envelope('proxied');
    const res = await post(raw, { 'x-hub-signature-256': hubSignature(raw, secret()), 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('FORBIDDEN');
  });

  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  (external ? it : it.skip)('refuses a peer that is not on this host’s loopback', async () => {
    const port = new URL(gw.url).port;
    const raw = envelope('remote');
    const res = await fetch(`http://${external}:${port}/internal/webhooks/${PHONE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(raw, secret()) },
      body: raw,
    });
    expect(res.status).toBe(403);
  });
});
