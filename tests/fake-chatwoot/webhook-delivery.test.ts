/**
 * FC-20 and FC-22: signed or unsigned by version, one attempt and never a retry, a failed API-inbox delivery
 * marks the message failed (and says so in one more message_updated), SafeFetch, duplicate copies, held and
 * reordered deliveries, and delivering before or after the REST answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import {
  cleanupFakeChatwoots, startChatwootReceiver, startFakeChatwoot, verifyChatwootSignature, type ChatwootReceiver, type FakeChatwoot,
} from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { A, ACCOUNT_HOOK_SECRET, conversationFor, INBOX_SECRET, postMessage, seed } from './support.js';

let hooks: ChatwootReceiver;
let accountHooks: ChatwootReceiver;

/** The message_created attempts among an agent action's deliveries (a reply also announces conversation_updated). */
const createdOf = (reply: { deliveries: Record<string, unknown>[] }) => reply.deliveries.filter((d) => d.event === 'message_created');

beforeAll(async () => {
  [hooks, accountHooks] = await Promise.all([startChatwootReceiver(), startChatwootReceiver()]);
});
afterEach(() => {
  hooks.respond = () => 200;
});
afterAll(async () => {
  await cleanupFakeChatwoots();
  await Promise.all([hooks.close(), accountHooks.close()]);
});

describe('FC-20 signed or unsigned, by the version the fake claims', () => {
  it.each([
    ['4.16.2', true, true, true],
    ['4.13.0', true, true, true],
    ['4.12.1', true, false, true],
    ['4.11.2', true, false, true],
    ['4.10.0', false, false, false],
  ])('%s: delivery id %s, inbox signed %s, account webhook signed %s', async (version, deliveryId, inboxSigned, accountSigned) => {
    const cw = await startFakeChatwoot({ version, seed: seed(hooks.url, { accountWebhookUrl: accountHooks.url }) });
    const { conversationId } = await conversationFor(cw);
    const message = await postMessage(cw, conversationId, { content: `v${version}`, message_type: 'incoming' });
    const match = (h: { event: string; json: Record<string, unknown> }) => h.event === 'message_created' && h.json.content === `v${version}`;
    const [inboxHook, accountHook] = await Promise.all([hooks.waitFor(match), accountHooks.waitFor(match)]);
    expect(inboxHook.json.id).toBe(message.id);
    expect(inboxHook.headers['x-chatwoot-delivery'] !== undefined).toBe(deliveryId);
    expect(inboxHook.headers['x-chatwoot-signature'] !== undefined).toBe(inboxSigned);
    expect(inboxHook.headers['x-chatwoot-timestamp'] !== undefined).toBe(inboxSigned);
    if (inboxSigned) expect(verifyChatwootSignature(inboxHook, INBOX_SECRET)).toBe(true);
    expect(accountHook.headers['x-chatwoot-signature'] !== undefined).toBe(accountSigned);
    if (accountSigned) expect(verifyChatwootSignature(accountHook, ACCOUNT_HOOK_SECRET)).toBe(true);
    const inbox = await cw.api<Record<string, unknown>>('GET', `${A}/inboxes/1`);
    expect('secret' in inbox.json).toBe(inboxSigned);
    expect((await cw.api<{ version: string }>('GET', '/api')).json.version).toBe(version);
    await cw.stop();
  });
});

describe('FC-22 one attempt; a failed API-inbox delivery marks the message failed', () => {
  let cw: FakeChatwoot;
  beforeAll(async () => {
    cw = await startFakeChatwoot({ seed: seed(hooks.url) });
  });

  const failedBy = async (conversationId: number, messageId: unknown): Promise<Record<string, unknown>> =>
    waitFor(async () => (await cw.messages({ accountId: 1, conversationId })).find((m) => m.id === messageId && m.status === 'failed'), { what: 'the failed mark' });

  it('a 503 answer: status failed, external_error "503 Service Unavailable", one more message_updated, and no retry', async () => {
    hooks.respond = (h) => (h.event === 'message_created' ? 503 : 200);
    const { conversationId } = await conversationFor(cw);
    const reply = await cw.agentMessage(1, conversationId, { content: 'will fail' });
    expect(createdOf(reply)).toMatchObject([{ event: 'message_created', status: 503, error: '503 Service Unavailable' }]);
    const message = await failedBy(conversationId, reply.message.id);
    expect(message.content_attributes).toEqual({ external_error: '503 Service Unavailable' });
    const updated = await hooks.waitFor((h) => h.event === 'message_updated' && h.json.id === reply.message.id);
    expect(updated.json).not.toHaveProperty('status');
    expect(updated.json.content_attributes).toEqual({ external_error: '503 Service Unavailable' });
    const attempts = await cw.deliveries({ event: 'message_created' });
    expect(attempts.filter((d) => d.message_id === reply.message.id)).toHaveLength(1);
    expect(hooks.received.filter((h) => h.event === 'message_created' && h.json.content === 'will fail')).toHaveLength(1);
  });

  it('a receiver slower than the timeout: "Timed out reading data from server"', async () => {
    await cw.knobs({ webhook_timeout_ms: 300 });
    hooks.respond = (h) => (h.event === 'message_created' ? { status: 200, delayMs: 3000 } : 200);
    const { conversationId } = await conversationFor(cw);
    const reply = await cw.agentMessage(1, conversationId, { content: 'slow receiver' });
    expect(createdOf(reply)).toMatchObject([{ status: null, error: 'Timed out reading data from server' }]);
    expect((await failedBy(conversationId, reply.message.id)).content_attributes).toEqual({ external_error: 'Timed out reading data from server' });
    await cw.knobs({ webhook_timeout_ms: 5000 });
  });

  it('a refused connection, and the follow-up message_updated fails the same way without looping', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    await cw.api('PATCH', `${A}/inboxes/1`, { channel: { webhook_url: `http://127.0.0.1:${closed}/gone` } });
    const { conversationId } = await conversationFor(cw);
    const reply = await cw.agentMessage(1, conversationId, { content: 'nobody home' });
    const error = `Failed to open TCP connection to 127.0.0.1:${closed} (Connection refused - connect(2) for "127.0.0.1" port ${closed})`;
    expect(createdOf(reply)).toMatchObject([{ error }]);
    expect((await failedBy(conversationId, reply.message.id)).content_attributes).toEqual({ external_error: error });
    const followUps = await waitFor(async () => {
      const list = (await cw.deliveries({ event: 'message_updated' })).filter((d) => d.message_id === reply.message.id);
      return list.length > 0 && list.every((d) => d.finished_at !== null) ? list : undefined;
    });
    expect(followUps).toHaveLength(1);
    await cw.api('PATCH', `${A}/inboxes/1`, { channel: { webhook_url: hooks.url } });
  });

  it('account webhook failures change nothing on the message', async () => {
    const local = await startFakeChatwoot({ seed: seed('', { accountWebhookUrl: hooks.url, subscriptions: ['message_created'] }) });
    hooks.respond = () => 500;
    const { conversationId } = await conversationFor(local);
    const reply = await local.agentMessage(1, conversationId, { content: 'account hook fails' });
    expect(createdOf(reply)).toMatchObject([{ kind: 'account', status: 500 }]);
    expect((await local.messages({ accountId: 1, conversationId })).find((m) => m.id === reply.message.id)?.status).toBe('sent');
    await local.stop();
  });
});

describe('FC-22 SafeFetch: private addresses are refused from 4.14.0 unless allowed', () => {
  it.each([
    ['4.16.2', false, 'blocked'],
    ['4.16.2', true, 'delivered'],
    ['4.14.0', true, 'blocked'],
    ['4.13.0', false, 'delivered'],
  ])('%s with SAFE_FETCH_ALLOW_PRIVATE_NETWORK=%s: %s', async (version, allowPrivateNetwork, outcome) => {
    const cw = await startFakeChatwoot({ version, allowPrivateNetwork, seed: seed(hooks.url) });
    const { conversationId } = await conversationFor(cw);
    const reply = await cw.agentMessage(1, conversationId, { content: `safefetch ${version} ${String(allowPrivateNetwork)}` });
    if (outcome === 'blocked') {
      expect(createdOf(reply)).toMatchObject([{ status: null, error: "Hostname '127.0.0.1' has no public ip addresses" }]);
      const message = await waitFor(async () => (await cw.messages({ accountId: 1, conversationId })).find((m) => m.status === 'failed'));
      expect(message.content_attributes).toEqual({ external_error: "Hostname '127.0.0.1' has no public ip addresses" });
      expect(hooks.received.some((h) => h.json.content === `safefetch ${version} ${String(allowPrivateNetwork)}`)).toBe(false);
    } else {
      expect(createdOf(reply)).toMatchObject([{ status: 200, error: null }]);
    }
    await cw.stop();
  });
});

describe('FC-22 knobs: duplicates, held and reordered deliveries, delivery before or after the answer', () => {
  let cw: FakeChatwoot;
  beforeAll(async () => {
    cw = await startFakeChatwoot({ seed: seed(hooks.url) });
  });

  it.each([
    [false, 'a new delivery id (two enqueues, chatwoot#11901)'],
    [true, 'the same delivery id'],
  ])('webhook_duplicates=1, same id %s: %s, identical bytes', async (sameId) => {
    await cw.knobs({ webhook_duplicates: 1, webhook_duplicate_same_delivery_id: sameId });
    const { conversationId } = await conversationFor(cw);
    const reply = await cw.agentMessage(1, conversationId, { content: `twice ${String(sameId)}` });
    const copies = await hooks.waitForCount((h) => h.event === 'message_created' && h.json.id === reply.message.id && h.json.content === `twice ${String(sameId)}`, 2);
    expect(copies[0]?.body.equals(copies[1]?.body ?? Buffer.alloc(0))).toBe(true);
    expect(copies[0]?.headers['x-chatwoot-delivery'] === copies[1]?.headers['x-chatwoot-delivery']).toBe(sameId);
    await cw.knobs({ webhook_duplicates: 0, webhook_duplicate_same_delivery_id: false });
  });

  it('hold, then release newest first: the receiver sees the reverse order', async () => {
    const { conversationId } = await conversationFor(cw);
    await cw.holdWebhooks();
    const ids: unknown[] = [];
    for (const n of [1, 2, 3]) ids.push((await postMessage(cw, conversationId, { content: `held ${n}`, message_type: 'incoming' })).id);
    expect((await cw.deliveries({ event: 'message_created' })).filter((d) => ids.includes(d.message_id))).toEqual([]);
    await cw.releaseWebhooks('lifo');
    const created = hooks.received.filter((h) => h.event === 'message_created' && ids.includes(h.json.id)).map((h) => h.json.id);
    expect(created).toEqual([...ids].reverse());
  });

  it('before_response: the webhook has arrived when the REST answer comes', async () => {
    await cw.knobs({ webhook_timing: 'before_response' });
    const { conversationId } = await conversationFor(cw);
    const res = await cw.api<{ id: number }>('POST', `${A}/conversations/${conversationId}/messages`, { content: 'race', message_type: 'incoming' });
    expect(hooks.received.some((h) => h.event === 'message_created' && h.json.id === res.json.id && h.json.content === 'race')).toBe(true);
    await cw.knobs({ webhook_timing: 'after_response' });
  });

  it('after_response (default): the REST answer does not wait for the receiver', async () => {
    hooks.respond = (h) => (h.json.content === 'no wait' ? { status: 200, delayMs: 3000 } : 200);
    const { conversationId } = await conversationFor(cw);
    const res = await cw.api<{ id: number }>('POST', `${A}/conversations/${conversationId}/messages`, { content: 'no wait', message_type: 'incoming' });
    expect(res.status).toBe(200);
    // The receiver holds its answer for 3 s: the attempt has started but not finished, yet the REST answer is here.
    const delivery = await waitFor(async () => (await cw.deliveries({ event: 'message_created' })).find((d) => d.message_id === res.json.id && String(d.body).includes('no wait')));
    expect(delivery.finished_at).toBeNull();
  });
});
