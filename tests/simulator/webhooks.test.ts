/**
 * Webhooks (docs/binary-contract.md §10): envelope, Go-identical serialisation, HMAC over the exact bytes,
 * headers, acks after a send, the incoming event family, group events, event filter, per-device config, several
 * URLs, and retry timing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPairedSlot } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { hubSignature, startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from '../helpers/sim-webhooks.js';

// Every event here is triggered through the control API, so the whole file needs the stand-in.
const describeSim = IS_STAND_IN ? describe : describe.skip;

/** Re-serialises like Go's json.Marshal (sorted keys, <>& escaped) to prove the body is exactly that. */
function goJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object') return v;
    const source = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(source).sort().map((k) => [k, sort(source[k])]));
  };
  return JSON.stringify(sort(value)).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let hooks: WebhookReceiver;
let deviceHooks: WebhookReceiver;
let sim: SimProcess;
let jid = '';

const incoming = (body: Record<string, unknown>, deviceId = 'hook') =>
  sim.api<Envelope<{ ids: string[] }>>('POST', '/_sim/incoming', body, { deviceId });

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  deviceHooks = await startWebhookReceiver();
  sim = await startSim({ env: { WHATSAPP_WEBHOOK: hooks.url, WHATSAPP_WEBHOOK_SECRET: 's3cr3t', SIM_ACK_DELAY_MS: '30' } });
  jid = await createPairedSlot(sim, 'hook', { jid: '628100' });
});
afterAll(async () => {
  await cleanupSims();
  await hooks.close();
  await deviceHooks.close();
});

describeSim('delivery format', () => {
  let hook: ReceivedHook;

  beforeAll(async () => {
    const res = await incoming({ from: '628200', body: 'a <b> & "c"', from_name: 'Bob' });
    const id = res.json.results?.ids[0];
    hook = await hooks.waitFor((h) => h.event === 'message' && h.json.payload.id === id);
  });

  it('POSTs the v8+ envelope with the message payload and no top-level timestamp', () => {
    expect(hook.json).toEqual({
      event: 'message',
      device_id: jid,
      session_id: 'hook',
      payload: {
        id: expect.stringMatching(/^[0-9A-F]{20}$/),
        chat_id: '628200@s.whatsapp.net',
        from: '628200@s.whatsapp.net',
        from_name: 'Bob',
        sender_display_name: 'Bob',
        timestamp: expect.stringMatching(RFC3339),
        is_from_me: false,
        body: 'a <b> & "c"',
      },
    });
  });

  it('the body is byte-for-byte Go json.Marshal output', () => {
    const text = hook.body.toString('utf8');
    expect(text).toBe(goJson(hook.json));
    expect(text).toContain('a \\u003cb\\u003e \\u0026 \\"c\\"');
  });

  it('headers: JSON content type, Content-Length, HMAC-SHA256 of the exact bytes', () => {
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['content-length']).toBe(String(hook.body.length));
    expect(hook.headers['transfer-encoding']).toBeUndefined();
    expect(hook.headers['x-hub-signature-256']).toBe(hubSignature(hook.body, 's3cr3t'));
  });
});

describeSim('events', () => {
  it('a send is followed by message.ack delivered, then read, with a top-level timestamp', async () => {
    const sent = await sim.api<Envelope<{ message_id: string }>>('POST', '/send/message', { phone: '628300', message: 'hi' }, { deviceId: 'hook' });
    const id = sent.json.results?.message_id;
    const acks = await hooks.waitForCount((h) => h.event === 'message.ack' && (h.json.payload.ids as string[])[0] === id, 2);
    expect(acks.map((a) => a.json.payload.receipt_type)).toEqual(['delivered', 'read']);
    expect(acks[0]?.json).toEqual({
      event: 'message.ack',
      device_id: jid,
      session_id: 'hook',
      timestamp: expect.stringMatching(RFC3339),
      payload: {
        ids: [id],
        chat_id: '628300@s.whatsapp.net',
        from: '628300@s.whatsapp.net',
        sender_display_name: '',
        receipt_type: 'delivered',
        receipt_type_description: expect.any(String),
      },
    });
  });

  it.each([
    ['image', { type: 'image' }, 'message', (p: Record<string, unknown>) => expect(p.image).toMatch(/^statics\/media\/\d+-[0-9a-f-]{36}\.jpeg$/)],
    ['image with caption', { type: 'image', caption: 'look' }, 'message', (p: Record<string, unknown>) => {
      expect(p.body).toBe('look');
      expect(p.image).toEqual({ path: expect.stringMatching(/^statics\/media\//), caption: 'look' });
    }],
    ['document', { type: 'document', filename: 'a.pdf' }, 'message', (p: Record<string, unknown>) => expect(p.document).toMatch(/\.pdf$/)],
    ['reaction', { type: 'reaction', reacted_message_id: 'M1', reaction: '❤' }, 'message.reaction',
      (p: Record<string, unknown>) => expect(p).toMatchObject({ reaction: '❤', reacted_message_id: 'M1' })],
    ['revoked', { type: 'revoked', revoked_message_id: 'M1' }, 'message.revoked',
      (p: Record<string, unknown>) => expect(p).toMatchObject({ revoked_message_id: 'M1', revoked_from_me: false })],
    ['edited', { type: 'edited', original_message_id: 'M1', body: 'new' }, 'message.edited',
      (p: Record<string, unknown>) => expect(p).toMatchObject({ original_message_id: 'M1', body: 'new' })],
  ])('/_sim/incoming %s → %s', async (_name, body, event, check) => {
    const res = await incoming(body);
    const id = res.json.results?.ids[0];
    const hook = await hooks.waitFor((h) => h.json.payload.id === id);
    expect(hook.event).toBe(event);
    expect(hook.json.timestamp).toBeUndefined();
    check(hook.json.payload);
  });

  it('count fires that many distinct messages', async () => {
    const res = await incoming({ count: 50, body: 'burst' });
    const ids = res.json.results?.ids ?? [];
    expect(new Set(ids).size).toBe(50);
    await hooks.waitForCount((h) => h.json.payload.body === 'burst', 50);
  });

  it('/_sim/group → group.participants with a top-level timestamp', async () => {
    const res = await sim.api('POST', '/_sim/group', { chat_id: '120363000000000001@g.us', type: 'promote', jids: ['628400'] }, { deviceId: 'hook' });
    expect(res.status).toBe(200);
    const hook = await hooks.waitFor((h) => h.event === 'group.participants');
    expect(hook.json.payload).toEqual({ chat_id: '120363000000000001@g.us', type: 'promote', jids: ['628400@s.whatsapp.net'] });
    expect(hook.json.timestamp).toMatch(RFC3339);
  });

  it('/_sim/incoming needs a logged-in slot and validates its input', async () => {
    const bad = await incoming({ type: 'bogus' });
    expect([bad.status, (bad.json as unknown as Envelope).code]).toEqual([400, 'VALIDATION_ERROR']);
    const missingTarget = await incoming({ type: 'reaction' });
    expect((missingTarget.json as unknown as Envelope).message).toBe('reacted_message_id: cannot be blank.');
    await sim.api('POST', '/devices', { device_id: 'offline' });
    expect((await incoming({}, 'offline')).status).toBe(500);
  });

  it('a per-device webhook replaces the global URL and secret', async () => {
    await sim.api('PATCH', '/devices/hook/webhook', { webhook_url: deviceHooks.url, webhook_secret: 'dev-secret' });
    const res = await incoming({ body: 'to device hook' });
    const id = res.json.results?.ids[0];
    const hook = await deviceHooks.waitFor((h) => h.json.payload.id === id);
    expect(hook.headers['x-hub-signature-256']).toBe(hubSignature(hook.body, 'dev-secret'));
    await sim.api('PATCH', '/devices/hook/webhook', { webhook_url: '' });
    const back = await incoming({ body: 'back to global' });
    await hooks.waitFor((h) => h.json.payload.id === back.json.results?.ids[0]);
    expect(hooks.received.some((h) => h.json.payload.id === id)).toBe(false);
  });
});

describeSim('configuration', () => {
  it('default secret, several URLs, and a case-insensitive event whitelist', async () => {
    const [first, second] = [await startWebhookReceiver(), await startWebhookReceiver()];
    try {
      const other = await startSim({ env: { WHATSAPP_WEBHOOK: `${first.url},${second.url}`, WHATSAPP_WEBHOOK_EVENTS: 'Message.ACK', SIM_ACK_DELAY_MS: '10' } });
      await createPairedSlot(other, 'filter');
      await other.api('POST', '/_sim/incoming', { body: 'filtered out' });
      await other.api('POST', '/send/message', { phone: '628500', message: 'x' });
      for (const receiver of [first, second]) {
        const [delivered, read] = await receiver.waitForCount((h) => h.event === 'message.ack', 2);
        expect(delivered?.headers['x-hub-signature-256']).toBe(hubSignature(delivered?.body ?? Buffer.alloc(0), 'secret'));
        expect(read?.json.payload.receipt_type).toBe('read');
        expect(receiver.received.map((h) => h.event)).toEqual(['message.ack', 'message.ack']);
      }
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('retries a failing receiver after 1 s, then 2 s, with the same bytes', async () => {
    const flaky = await startWebhookReceiver();
    flaky.respond = (_hook, index) => (index < 2 ? 500 : 200);
    try {
      const other = await startSim({ env: { WHATSAPP_WEBHOOK: flaky.url } });
      await createPairedSlot(other, 'retry');
      await other.api('POST', '/_sim/incoming', { body: 'retry me' });
      const attempts = await flaky.waitForCount((h) => h.event === 'message', 3, 8000);
      const [a, b, c] = attempts.map((h) => h.at);
      expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(900);
      expect((b ?? 0) - (a ?? 0)).toBeLessThan(1600);
      expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(1900);
      expect((c ?? 0) - (b ?? 0)).toBeLessThan(2700);
      expect(new Set(attempts.map((h) => h.body.toString('hex'))).size).toBe(1);
    } finally {
      await flaky.close();
    }
  });
});
