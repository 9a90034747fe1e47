/**
 * Outbound webhooks end to end, with real stand-in processes and real local receivers: signed envelopes,
 * per-device and global endpoints, retries through an outage with order kept, isolation between endpoints and
 * numbers, dead letters and replay, the delivery log and the health backlog.
 */
import dns from 'node:dns/promises';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstInward } from '../../src/outward/address-policy.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { hubSignature } from '../helpers/sim-webhooks.js';
import { waitFor } from '../helpers/wait.js';
import { incoming, pair, registerRunning } from '../realtime/sim.js';
import { startReceiver, type Hit, type Receiver } from './receiver.js';

const A = '5511943000001';
const B = '5511943000002';
const C = '5511943000003';
const D = '5511943000004';
const SECRET_A = 'device-a-secret';
const GLOBAL_SECRET = 'global-secret-value';

interface Delivery {
  id: number;
  eventId: string;
  type: string;
  phoneNumber: string;
  endpoint: string;
  scope: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

let gw: TestGateway;
let global: Receiver;
let recvA: Receiver;
let slow: Receiver;
let recvD: Receiver;

const messagesTo = (r: Receiver, phone: string, body?: string) => (h: Hit) =>
  h.json.phoneNumber === phone && h.json.type === 'message' && (body === undefined || h.json.payload['body'] === body);

beforeAll(async () => {
  [global, recvA, slow, recvD] = await Promise.all([startReceiver(), startReceiver(), startReceiver(), startReceiver()]);
  gw = await startTestGateway({
    env: {
      WEBHOOK_URL: global.url,
      WEBHOOK_SECRET: GLOBAL_SECRET,
      WEBHOOK_EVENTS: 'message',
      WEBHOOK_RETRY_BASE_DELAY: '50',
      WEBHOOK_RETRY_MAX_DELAY: '300',
      WEBHOOK_RETRY_PERIOD: '4000',
      WEBHOOK_TIMEOUT: '3000',
    },
  });
  await registerRunning(gw, A, undefined, { webhookUrl: recvA.url, webhookSecret: SECRET_A });
  await pair(gw, A);
});
afterAll(async () => {
  await gw.close();
  slow.release(200);
  await Promise.all([global.close(), recvA.close(), slow.close(), recvD.close()]);
});

describe('an incoming message', () => {
  it("reaches the number's webhook and the global one, each signed with its own secret", async () => {
    const [waId] = await incoming(gw, A, 'hello webhook');
    const [own] = await recvA.waitFor(messagesTo(recvA, A, 'hello webhook'));
    const [all] = await global.waitFor(messagesTo(global, A, 'hello webhook'));
    if (!own || !all) throw new Error('unreachable');
    expect(own.json).toEqual({
      id: expect.any(String),
      type: 'message',
      phoneNumber: A,
      seq: expect.any(Number),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      payload: expect.objectContaining({ id: waId, body: 'hello webhook', from: expect.any(String), is_from_me: false }),
    });
    expect(own.headers['x-hub-signature-256']).toBe(hubSignature(own.body, SECRET_A));
    expect(own.headers['x-event-id']).toBe(own.json.id);
    expect(own.headers['x-event-type']).toBe('message');
    expect(own.headers['content-type']).toBe('application/json');
    expect(all.body.equals(own.body)).toBe(true);
    expect(all.headers['x-hub-signature-256']).toBe(hubSignature(all.body, GLOBAL_SECRET));
    // The same event id and sequence number as the Socket.IO message.
    const events = await gw.request<{ events: { eventId: string; seq: number }[] }>('GET', `/api/devices/${A}/events?since=${own.json.seq - 1}&limit=1`);
    expect(events.body.events[0]).toMatchObject({ eventId: own.json.id, seq: own.json.seq });
  });

  it('reaches the number’s webhook with the gateway’s own events too, in order, and the global filter holds', async () => {
    const types = recvA.hits.map((h) => h.json.type);
    expect(types).toEqual(expect.arrayContaining(['device.state', 'device.session', 'message']));
    const seqs = recvA.hits.map((h) => h.json.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(global.hits.every((h) => h.json.type === 'message')).toBe(true);
  });
});

describe('a receiver that is down for a while', () => {
  it('gets every event once it is back, in order, and each again only after a failure', async () => {
    let down = true;
    recvA.respond = () => (down ? 500 : 200);
    const start = recvA.hits.length;
    await incoming(gw, A, 'during the outage', 8);
    // Another endpoint is not held back by the failing one.
    await global.waitFor(messagesTo(global, A, 'during the outage'), 8);
    await recvA.waitFor((h) => h.status === 500, 4);
    const backlog = await gw.request<{ endpoints: { endpoint: string; pending: number; retrying: number }[] }>('GET', '/api/health/webhooks');
    expect(backlog.body.endpoints.find((e) => e.endpoint === recvA.url)).toMatchObject({ pending: 8, retrying: 1 });
    down = false;
    await recvA.waitFor((h) => messagesTo(recvA, A, 'during the outage')(h) && h.status === 200, 8);

    const hits = recvA.hits.slice(start);
    const delivered = hits.filter((h) => h.status === 200);
    expect(delivered.map((h) => h.json.seq)).toEqual([...new Set(delivered.map((h) => h.json.seq))].sort((x, y) => x - y));
    expect(delivered).toHaveLength(8);
    // Every repeat of an event follows a failed attempt of that same event, and nothing later went first.
    const lastStatusOf = new Map<string, number | null>();
    let deliveredUpTo = 0;
    for (const hit of hits) {
      if (lastStatusOf.has(hit.json.id)) expect(lastStatusOf.get(hit.json.id)).toBe(500);
      expect(hit.json.seq).toBeGreaterThan(deliveredUpTo);
      lastStatusOf.set(hit.json.id, hit.status);
      if (hit.status === 200) deliveredUpTo = hit.json.seq;
      expect(Number(hit.headers['x-delivery-attempt'])).toBeGreaterThanOrEqual(1);
    }
    const rows = await gw.request<{ deliveries: Delivery[] }>('GET', `/api/webhooks/deliveries?phoneNumber=${A}&status=delivered&limit=200`);
    const retried = rows.body.deliveries.filter((d) => d.endpoint === recvA.url && d.type === 'message' && d.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
  });

  it('holds back only that number on that endpoint, not other numbers on it', async () => {
    await registerRunning(gw, B, undefined, { webhookUrl: recvA.url, webhookEvents: ['message'] });
    await pair(gw, B);
    let aDown = true;
    recvA.respond = (hit) => (hit.json.phoneNumber === A && aDown ? 500 : 200);
    await incoming(gw, A, 'A is failing');
    await recvA.waitFor((h) => messagesTo(recvA, A, 'A is failing')(h) && h.status === 500);
    await incoming(gw, B, 'B goes through');
    await recvA.waitFor((h) => messagesTo(recvA, B, 'B goes through')(h) && h.status === 200);
    expect(recvA.hits.filter((h) => messagesTo(recvA, A, 'A is failing')(h) && h.status === 200)).toEqual([]);
    aDown = false;
    await recvA.waitFor((h) => messagesTo(recvA, A, 'A is failing')(h) && h.status === 200);
  });

  it('is not slowed by an endpoint that never answers', async () => {
    slow.respond = () => 'hold';
    await registerRunning(gw, C, undefined, { webhookUrl: slow.url, webhookEvents: ['message'] });
    await pair(gw, C);
    await incoming(gw, C, 'to a stuck receiver', 3);
    // The global endpoint gets all three while the stuck one holds the first (and only) request of the lane.
    await global.waitFor(messagesTo(global, C, 'to a stuck receiver'), 3);
    await incoming(gw, A, 'A is unaffected');
    await recvA.waitFor((h) => messagesTo(recvA, A, 'A is unaffected')(h) && h.status === 200);
    // Only the lane's first event was tried (maybe again after a timeout); the later ones wait behind it.
    const firstSeq = Math.min(...slow.hits.map((h) => h.json.seq));
    expect(slow.hits.every((h) => h.json.seq === firstSeq)).toBe(true);
    // Once it answers, the rest follow in order.
    slow.respond = () => 200;
    slow.release(200);
    const done = await slow.waitFor((h) => messagesTo(slow, C, 'to a stuck receiver')(h) && h.status === 200, 3);
    expect(done.map((h) => h.json.seq)).toEqual([...done.map((h) => h.json.seq)].sort((x, y) => x - y));
  });
});

describe('dead letters', () => {
  let dead: Delivery;

  it('dead-letters a delivery that fails for the whole retry period', async () => {
    recvD.respond = () => 503;
    await registerRunning(gw, D, undefined, { webhookUrl: recvD.url, webhookEvents: ['message'] });
    await pair(gw, D);
    await incoming(gw, D, 'nobody listens');
    dead = await waitFor(
      async () => (await gw.request<{ deliveries: Delivery[] }>('GET', `/api/webhooks/deliveries?status=dead&phoneNumber=${D}`)).body.deliveries[0],
      { timeoutMs: 15_000, what: 'a dead letter' },
    );
    expect(dead).toMatchObject({ phoneNumber: D, endpoint: recvD.url, scope: 'device', type: 'message', lastStatus: 503, lastError: expect.stringContaining('HTTP 503') });
    expect(dead.attempts).toBeGreaterThan(1);
    const health = await gw.request<{ status: string; endpoints: { endpoint: string; dead: number; pending: number }[] }>('GET', '/api/health/webhooks');
    expect(health.body.status).toBe('degraded');
    expect(health.body.endpoints.find((e) => e.endpoint === recvD.url)).toMatchObject({ dead: 1, pending: 0 });
  });

  it('replays a dead letter once the receiver is back', async () => {
    recvD.respond = () => 200;
    const before = recvD.hits.length;
    const replay = await gw.request<Delivery>('POST', `/api/webhooks/deliveries/${dead.id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: dead.id, status: 'pending', attempts: 0 });
    const [hit] = await recvD.waitFor((h) => h.json.id === dead.eventId && h.status === 200);
    expect(hit?.headers['x-event-id']).toBe(dead.eventId);
    const after = await waitFor(
      async () => {
        const res = await gw.request<Delivery & { body: { id: string } }>('GET', `/api/webhooks/deliveries/${dead.id}`);
        return res.body.status === 'delivered' ? res.body : null;
      },
      { what: 'delivered after replay' },
    );
    expect(after).toMatchObject({ status: 'delivered', attempts: 1, body: { id: dead.eventId } });
    expect(recvD.hits.length - before).toBe(1);
    const unknown = await gw.request('POST', '/api/webhooks/deliveries/999999/replay');
    expect(unknown.status).toBe(404);
  });
});

describe('settings, log and tenants', () => {
  let aliceToken: string;

  beforeAll(async () => {
    await gw.request('POST', '/api/users', { body: { username: 'alice', password: 'alice-password' } });
    aliceToken = (await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'alice', password: 'alice-password' }, token: null })).body.token;
  });

  it("lets a user set their own number's webhook, and nobody else's", async () => {
    const E = '5511943000005';
    await gw.request('POST', '/api/devices', { body: { phoneNumber: E, autoStart: false }, token: aliceToken });
    const set = await gw.request<{ webhookUrl: string; webhookEvents: string[] }>('PATCH', `/api/devices/${E}`, {
      body: { webhookUrl: 'https://crm.example.com/hooks/wa', webhookSecret: 'alice-secret', webhookEvents: ['message', 'device.*'] },
      token: aliceToken,
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ webhookUrl: 'https://crm.example.com/hooks/wa', webhookEvents: ['message', 'device.*'] });
    expect(JSON.stringify(set.body)).not.toContain('alice-secret');
    const cleared = await gw.request<{ webhookUrl: string | null }>('PATCH', `/api/devices/${E}`, { body: { webhookUrl: null }, token: aliceToken });
    expect(cleared.body.webhookUrl).toBeNull();
    expect((await gw.request('PATCH', `/api/devices/${A}`, { body: { webhookUrl: 'https://evil.example.com/' }, token: aliceToken })).status).toBe(404);
    const bad = await gw.request<{ error: { fields: { field: string }[] } }>('PATCH', `/api/devices/${E}`, { body: { webhookUrl: 'ftp://x' }, token: aliceToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f) => f.field)).toEqual(['webhookUrl']);
    expect((await gw.request('PATCH', `/api/devices/${E}`, { body: {}, token: aliceToken })).status).toBe(400);
  });

  it('pages through the delivery log; a user sees only their own deliveries', async () => {
    const first = await gw.request<{ deliveries: Delivery[]; total: number; limit: number; offset: number }>('GET', '/api/webhooks/deliveries?limit=2');
    expect(first.body.deliveries).toHaveLength(2);
    expect(first.body.total).toBeGreaterThan(4);
    const second = await gw.request<{ deliveries: Delivery[] }>('GET', '/api/webhooks/deliveries?limit=2&offset=2');
    expect(second.body.deliveries[0]?.id).toBeLessThan(first.body.deliveries[1]?.id ?? 0);
    expect((await gw.request('GET', '/api/webhooks/deliveries?status=bogus')).status).toBe(400);

    const mine = await gw.request<{ deliveries: Delivery[]; total: number }>('GET', '/api/webhooks/deliveries', { token: aliceToken });
    expect(mine.body).toMatchObject({ deliveries: [], total: 0 });
    expect((await gw.request('GET', `/api/webhooks/deliveries/${first.body.deliveries[0]?.id}`, { token: aliceToken })).status).toBe(404);
    expect((await gw.request('POST', `/api/webhooks/deliveries/${first.body.deliveries[0]?.id}/replay`, { token: aliceToken })).status).toBe(404);
    const health = await gw.request<{ endpoints: unknown[] }>('GET', '/api/health/webhooks', { token: aliceToken });
    expect(health.body.endpoints).toEqual([]);
  });

  it("keeps a tenant's webhooks off the gateway's network, also through a name that resolves there", async () => {
    // The machine's own name points inward (loopback on Debian, a private address in a container).
    const host = os.hostname();
    expect(firstInward((await dns.lookup(host, { all: true })).map((a) => a.address))).not.toBeNull();
    const viaName = recvD.url.replace('127.0.0.1', host);
    const F = '5511943000006';
    await gw.request('POST', '/api/devices', { body: { phoneNumber: F, autoStart: false }, token: aliceToken });
    const refused = await gw.request<{ error: { fields: { field: string; message: string }[] } }>('PATCH', `/api/devices/${F}`, { body: { webhookUrl: viaName }, token: aliceToken });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields).toEqual([{ field: 'webhookUrl', message: expect.stringMatching(/^must be a public address: resolves to a non-public address \((loopback|private)\)$/) }]);

    // An administrator may set such a URL, but the deliveries of a tenant's number still only connect outward...
    expect((await gw.request('PATCH', `/api/devices/${F}`, { body: { webhookUrl: viaName, webhookEvents: ['device.*'] } })).status).toBe(200);
    expect((await gw.request('POST', `/api/devices/${F}/start`)).status).toBe(200);
    const refusedDelivery = await waitFor(
      async () => (await gw.request<{ deliveries: Delivery[] }>('GET', `/api/webhooks/deliveries?phoneNumber=${F}`)).body.deliveries.find((d) => d.lastError !== null) ?? null,
      { what: "a refused delivery of the tenant's number" },
    );
    expect(refusedDelivery.lastError).toMatch(new RegExp(`^refused, ${host} is not a public address \\(resolves to (loopback|private)\\)$`));
    expect(recvD.hits.filter((h) => h.json.phoneNumber === F)).toHaveLength(0);

    // ...while the same URL on an administrator's number is delivered.
    const G = '5511943000007';
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: G, autoStart: false, webhookUrl: viaName, webhookEvents: ['device.*'] } })).status).toBe(201);
    expect((await gw.request('POST', `/api/devices/${G}/start`)).status).toBe(200);
    await recvD.waitFor((h) => h.json.phoneNumber === G);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await gw.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api-docs/openapi.json', { token: null });
    expect(Object.keys(doc.body.paths['/api/devices/{phone}'] ?? {})).toContain('patch');
    for (const p of ['/api/webhooks/deliveries', '/api/webhooks/deliveries/{id}', '/api/webhooks/deliveries/{id}/replay', '/api/health/webhooks', '/api/devices/{phone}/events']) {
      expect(doc.body.paths[p]).toBeDefined();
    }
    expect(Object.keys(doc.body.paths).some((p) => p.startsWith('/internal'))).toBe(false);
  });
});
