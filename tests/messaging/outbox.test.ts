import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { failNext, message, registerPaired, send, simSent, waitForStatus, type MessageBody } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const A = '5511940000001';
const B = '5511940000002';
const DONE = ['sent', 'delivered', 'read'];

interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; message: string }[]; messageId?: string };
}

describe('outbox: text messages through the per-number queue', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { QUEUE_INTERVAL: '20', MESSAGE_RETRY_BASE_DELAY: '100', MESSAGE_RETRY_MAX_DELAY: '400' } });
    await registerPaired(gw, A);
    await registerPaired(gw, B);
  });
  afterAll(() => gw.close());

  it('stores the message before answering 202, then sends it and reports its WhatsApp id and timestamps', async () => {
    const res = await gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888888888', message: 'Hello' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/messages/${res.body.id}`);
    expect(res.body).toMatchObject({ from: A, to: '5511888888888@s.whatsapp.net', kind: 'text', content: { message: 'Hello' } });
    const row = gw.gateway.database.sqlite.prepare('SELECT phone_number, recipient FROM messages WHERE id = ?').get(res.body.id);
    expect(row).toEqual({ phone_number: A, recipient: '5511888888888@s.whatsapp.net' });

    const sent = await waitForStatus(gw, res.body.id, DONE);
    expect(sent.waMessageId).toEqual(expect.any(String));
    expect(sent).toMatchObject({ attempts: 1, error: null, sentAt: expect.any(String), createdAt: expect.any(String) });
    const atChild = (await simSent(gw, A)).filter((e) => e.message === 'Hello');
    expect(atChild).toEqual([expect.objectContaining({ message_id: sent.waMessageId, phone: '5511888888888@s.whatsapp.net', route: '/send/message' })]);
  });

  it('delivers 20 messages of one number in order, at most one per interval', async () => {
    const policy = await gw.request<{ policy: { interval: number }; customPolicy: boolean }>('PATCH', `/api/devices/${A}/queue`, { body: { interval: 250 } });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ policy: { concurrency: 1, interval: 250, intervalCap: 1 }, customPolicy: true });
    const texts = Array.from({ length: 20 }, (_, i) => `ordered ${i}`);
    const ids: string[] = [];
    for (const text of texts) ids.push((await send(gw, { from: A, to: '5511888880001', message: text })).id);
    for (const id of ids) await waitForStatus(gw, id, DONE);

    const atChild = (await simSent(gw, A)).filter((e) => e.message?.startsWith('ordered '));
    expect(atChild.map((e) => e.message)).toEqual(texts);
    const times = atChild.map((e) => Date.parse(e.at));
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    // The child stamps a send when it has handled it, so each gap is the interval plus the difference of two
    // handling times, which jitters on a loaded machine (one slow handling shortens one gap and lengthens the
    // next). Over the whole run that jitter counts only twice, and the typical gap is the interval; an unpaced
    // queue gives gaps of a few ms.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(19 * 250 - 100);
    const median = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)] ?? 0;
    expect(median).toBeGreaterThanOrEqual(250 * 0.8);

    const reset = await gw.request<{ customPolicy: boolean; policy: { interval: number } }>('PATCH', `/api/devices/${A}/queue`, { body: { reset: true } });
    expect(reset.body).toMatchObject({ customPolicy: false, policy: { interval: 20 } });
  });

  it('sends once per Idempotency-Key and number, and refuses the key for a different message', async () => {
    const headers = { 'Idempotency-Key': 'order-42' };
    const first = await gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888880002', message: 'once' }, headers });
    const second = await gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888880002', message: 'once' }, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    await waitForStatus(gw, first.body.id, DONE);
    const replay = await gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888880002', message: 'once' }, headers });
    expect(replay.body.id).toBe(first.body.id);

    const other = await gw.request<ErrorBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888880002', message: 'something else' }, headers });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', messageId: first.body.id });
    // Keys are per number: the same key from B is B's own message.
    const fromB = await gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: B, to: '5511888880002', message: 'once' }, headers });
    expect(fromB.body.id).not.toBe(first.body.id);
    await waitForStatus(gw, fromB.body.id, DONE);

    expect((await simSent(gw, A)).filter((e) => e.message === 'once')).toHaveLength(1);
    expect((await simSent(gw, B)).filter((e) => e.message === 'once')).toHaveLength(1);
  });

  it('stores a burst of simultaneous requests (accepts of one turn share a commit) each once, repeated keys as replays', async () => {
    const keyed = { 'Idempotency-Key': 'burst-key' };
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888880010', message: `burst ${i}` } })),
      ...Array.from({ length: 5 }, () => gw.request<MessageBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888880010', message: 'burst keyed' }, headers: keyed })),
    ]);
    expect(answers.map((a) => a.status)).toEqual(new Array<number>(25).fill(202));
    const keyedIds = new Set(answers.slice(20).map((a) => a.body.id));
    expect(keyedIds.size).toBe(1);
    expect(answers.slice(20).filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(21);
    for (const answer of answers) await waitForStatus(gw, answer.body.id, DONE);
    const sent = (await simSent(gw, A)).filter((e) => e.message?.startsWith('burst '));
    expect(sent).toHaveLength(21);
    expect(new Set(sent.map((e) => e.message)).size).toBe(21);
  });

  it('retries transient child errors with backoff, then sends exactly once', async () => {
    await failNext(gw, B, { count: 2, status: 500 });
    const m = await send(gw, { from: B, to: '5511888880003', message: 'after two 500s' });
    const sent = await waitForStatus(gw, m.id, DONE);
    expect(sent.attempts).toBe(3);
    expect((await simSent(gw, B)).filter((e) => e.message === 'after two 500s')).toHaveLength(1);
  });

  it('gives up on a transient error after MESSAGE_MAX_ATTEMPTS, with the reason', async () => {
    await failNext(gw, B, { count: 5, status: 500, code: 'INTERNAL_SERVER_ERROR' });
    const m = await send(gw, { from: B, to: '5511888880004', message: 'never' });
    const failed = await waitForStatus(gw, m.id, ['failed']);
    expect(failed.attempts).toBe(5);
    expect(failed.error).toMatch(/gave up after 5 attempts: INTERNAL_SERVER_ERROR/);
    expect((await simSent(gw, B)).filter((e) => e.message === 'never')).toHaveLength(0);
  });

  it('fails a message to a number that is not on WhatsApp (INVALID_JID) with the reason, and the queue moves on', async () => {
    const bad = await send(gw, { from: B, to: '99912345678', message: 'nobody there' });
    const next = await send(gw, { from: B, to: '5511888880005', message: 'after the bad one' });
    const failed = await waitForStatus(gw, bad.id, ['failed']);
    expect(failed.error).toMatch(/^INVALID_JID: Phone 99912345678@s\.whatsapp\.net is not on whatsapp/);
    expect(failed.attempts).toBe(1);
    await waitForStatus(gw, next.id, DONE);
  });

  it('rejects what cannot be sent with 400 and field-level reasons', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ from: '5511940009999', to: '5511888888888', message: 'x' }, 'from'],
      [{ from: A, to: 'not-a-number', message: 'x' }, 'to'],
      [{ from: A, to: '5511888888888', message: '' }, 'message'],
      [{ from: A, to: '5511888888888' }, 'message'],
      [{ to: '5511888888888', message: 'x' }, 'from'],
    ];
    for (const [body, field] of cases) {
      const res = await gw.request<ErrorBody>('POST', '/api/messages/send', { body });
      expect(res.status).toBe(400);
      expect(res.body.error.fields?.map((f) => f.field)).toContain(field);
    }
    const badKey = await gw.request<ErrorBody>('POST', '/api/messages/send', { body: { from: A, to: '5511888888888', message: 'x' }, headers: { 'Idempotency-Key': 'a'.repeat(201) } });
    expect(badKey.status).toBe(400);
    expect((await gw.request('POST', '/api/messages/send', { body: { from: A, to: '5511888888888', message: 'x' }, token: null })).status).toBe(401);
  });

  it('lists messages by number and status with limit/offset and a total; unknown ids are 404', async () => {
    const page = await gw.request<{ messages: MessageBody[]; total: number; limit: number; offset: number }>('GET', `/api/messages?from=${B}&status=failed&limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(2);
    expect(page.body.messages).toHaveLength(1);
    expect(page.body).toMatchObject({ limit: 1, offset: 0 });
    const second = await gw.request<{ messages: MessageBody[] }>('GET', `/api/messages?from=${B}&status=failed&limit=1&offset=1`);
    expect(second.body.messages[0]?.id).not.toBe(page.body.messages[0]?.id);
    const toFilter = await gw.request<{ total: number }>('GET', '/api/messages?to=5511888880003');
    expect(toFilter.body.total).toBe(1);
    expect((await gw.request('GET', '/api/messages?status=bogus')).status).toBe(400);
    expect((await gw.request<ErrorBody>('GET', '/api/messages/no-such-id')).body.error.code).toBe('MESSAGE_NOT_FOUND');
  });

  it('holds messages while the number is stopped (queue visible in the device), sends them once it is back', async () => {
    await gw.request('POST', `/api/devices/${B}/stop`);
    const ids = [(await send(gw, { from: B, to: '5511888880006', message: 'held 1' })).id, (await send(gw, { from: B, to: '5511888880006', message: 'held 2' })).id];
    const device = await gw.request<{ queue: { depth: number; paused: boolean; reason: string | null } }>('GET', `/api/devices/${B}`);
    expect(device.body.queue).toMatchObject({ depth: 2, paused: false, reason: 'device not running' });
    const status = await gw.request<{ device: { queue: { depth: number } } }>('GET', `/api/devices/${B}/status`);
    expect(status.body.device.queue.depth).toBe(2);
    expect((await message(gw, ids[0] ?? '')).status).toBe('queued');

    await gw.request('POST', `/api/devices/${B}/start`);
    for (const id of ids) await waitForStatus(gw, id, DONE);
    const atChild = (await simSent(gw, B)).filter((e) => e.message?.startsWith('held '));
    expect(atChild.map((e) => e.message)).toEqual(['held 1', 'held 2']);
    await waitFor(async () => (await gw.request<{ queue: { depth: number } }>('GET', `/api/devices/${B}`)).body.queue.depth === 0, { what: 'queue drained' });
  });

  it('keeps sending when a second slot appears in the child (every call names the number\'s slot)', async () => {
    const client = gw.gateway.supervisor.runner(A)?.client;
    await client?.request('POST', '/devices', { body: { device_id: 'second-slot' } });
    try {
      const m = await send(gw, { from: A, to: '5511888880011', message: 'two slots' });
      const done = await waitForStatus(gw, m.id, DONE);
      expect(done.waMessageId).toMatch(/^3EB0/);
    } finally {
      await client?.request('DELETE', '/devices/second-slot');
    }
  });

  it('forgets the messages of a number that is unregistered, so its next owner cannot read them', async () => {
    const C = '5511940000003';
    await gw.request('POST', '/api/devices', { body: { phoneNumber: C, autoStart: false } });
    const m = await send(gw, { from: C, to: '5511888880008', message: 'orphaned' });
    expect((await gw.request('DELETE', `/api/devices/${C}`)).status).toBe(200);
    await waitFor(async () => (await gw.request('GET', `/api/messages/${m.id}`)).status === 404, { what: 'message forgotten' });
    await gw.request('POST', '/api/devices', { body: { phoneNumber: C, autoStart: false } });
    const list = await gw.request<{ total: number }>('GET', `/api/messages?from=${C}`);
    expect(list.body.total).toBe(0);
  });

  it('expires a message that waited longer than its TTL', async () => {
    await gw.request('POST', `/api/devices/${B}/stop`);
    const m = await send(gw, { from: B, to: '5511888880007', message: 'too late', ttlSeconds: 1 });
    expect(m.status).toBe('queued');
    const expired = await waitForStatus(gw, m.id, ['expired'], 10_000);
    expect(expired.error).toMatch(/time to live/);
    await gw.request('POST', `/api/devices/${B}/start`);
    const probe = await send(gw, { from: B, to: '5511888880007', message: 'probe after expiry' });
    await waitForStatus(gw, probe.id, DONE);
    expect((await simSent(gw, B)).filter((e) => e.message === 'too late')).toHaveLength(0);
  });
});
