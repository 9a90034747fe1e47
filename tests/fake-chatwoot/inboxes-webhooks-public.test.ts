/** FC-17 inboxes, FC-18 account webhooks, FC-19 the Public API. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { cleanupFakeChatwoots, startChatwootReceiver, startFakeChatwoot, type ChatwootReceiver, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { A, conversationFor, postMessage, seed } from './support.js';

interface InboxJson {
  id: number;
  name: string;
  channel_type: string;
  webhook_url: string;
  inbox_identifier: string;
  hmac_token?: string;
  secret?: string;
  lock_to_single_conversation: boolean;
}

let cw: FakeChatwoot;
let hooks: ChatwootReceiver;

beforeAll(async () => {
  hooks = await startChatwootReceiver();
  cw = await startFakeChatwoot({ seed: seed(hooks.url) });
});
afterAll(async () => {
  await cleanupFakeChatwoots();
  await hooks.close();
});

describe('FC-17 inboxes', () => {
  it('GET /inboxes is {payload: [...]}, GET /inboxes/:id the inbox at the root', async () => {
    const list = await cw.api<{ payload: InboxJson[] }>('GET', `${A}/inboxes`);
    expect(list.json.payload.map((i) => [i.id, i.channel_type])).toEqual([[2, 'Channel::WebWidget'], [1, 'Channel::Api']]);
    const one = await cw.api<InboxJson>('GET', `${A}/inboxes/1`);
    expect(one.json).toMatchObject({ id: 1, name: 'WhatsApp', channel_type: 'Channel::Api', webhook_url: hooks.url, inbox_identifier: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{24}$/) });
  });

  it('POST /inboxes {name, channel: {type: api, webhook_url}} → the inbox at the root with fresh identifier, hmac_token and secret', async () => {
    const res = await cw.api<InboxJson>('POST', `${A}/inboxes`, { name: 'Created', channel: { type: 'api', webhook_url: 'https://bridge.example/hook' }, lock_to_single_conversation: true });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'Created', channel_type: 'Channel::Api', webhook_url: 'https://bridge.example/hook', lock_to_single_conversation: true });
    expect(res.json.secret).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(res.json.hmac_token).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
  });

  it.each([
    ['an unsupported channel type', { name: 'X', channel: { type: 'carrier_pigeon' } }, 422, { message: 'Channel must exist', attributes: ['channel'] }],
    ['no name', { channel: { type: 'api' } }, 422, { message: "Name can't be blank", attributes: ['name'] }],
  ])('%s is %i', async (_name, body, status, json) => {
    const res = await cw.api('POST', `${A}/inboxes`, body);
    expect(res.status).toBe(status);
    expect(res.json).toEqual(json);
  });

  it('no channel at all is a 500 (a NoMethodError in the controller)', async () => {
    expect((await cw.api('POST', `${A}/inboxes`, { name: 'X' })).status).toBe(500);
  });

  it('PATCH /inboxes/:id {channel: {webhook_url}} moves where the events go', async () => {
    const other = await startChatwootReceiver();
    const res = await cw.api<InboxJson>('PATCH', `${A}/inboxes/1`, { channel: { webhook_url: other.url } });
    expect(res.json.webhook_url).toBe(other.url);
    const { conversationId } = await conversationFor(cw);
    const posted = await postMessage(cw, conversationId, { content: 'moved', message_type: 'incoming' });
    await other.waitFor((h) => h.event === 'message_created' && h.json.id === posted.id);
    await cw.api('PATCH', `${A}/inboxes/1`, { channel: { webhook_url: hooks.url } });
    await other.close();
  });

  it('reset_secret: administrators only, API inboxes only', async () => {
    expect((await cw.api('POST', `${A}/inboxes/1/reset_secret`, undefined, { token: 'agent-token' })).json).toEqual({ error: 'You are not authorized to do this action' });
    expect((await cw.api('POST', `${A}/inboxes/2/reset_secret`)).status).toBe(404);
    const before = (await cw.api<InboxJson>('GET', `${A}/inboxes/1`)).json.secret;
    const after = (await cw.api<InboxJson>('POST', `${A}/inboxes/1/reset_secret`)).json.secret;
    expect(after).not.toBe(before);
  });
});

describe('FC-18 account webhooks', () => {
  it('POST {webhook: {url, subscriptions, name}} → {payload: {webhook: {..., secret}}}; list, update, delete', async () => {
    const created = await cw.api<{ payload: { webhook: Record<string, unknown> } }>('POST', `${A}/webhooks`, { webhook: { url: 'https://hooks.example/a', subscriptions: ['message_created', 'contact_created'], name: 'A' } });
    expect(created.status).toBe(200);
    const webhook = created.json.payload.webhook;
    expect(webhook).toMatchObject({ id: expect.any(Number), url: 'https://hooks.example/a', name: 'A', account_id: 1, subscriptions: ['message_created', 'contact_created'], secret: expect.any(String) });
    const list = await cw.api<{ payload: { webhooks: { id: number }[] } }>('GET', `${A}/webhooks`);
    expect(list.json.payload.webhooks.map((w) => w.id)).toContain(webhook.id);
    const updated = await cw.api<{ payload: { webhook: Record<string, unknown> } }>('PATCH', `${A}/webhooks/${String(webhook.id)}`, { webhook: { subscriptions: ['message_updated'] } });
    expect(updated.json.payload.webhook).toMatchObject({ url: 'https://hooks.example/a', subscriptions: ['message_updated'], secret: webhook.secret });
    expect((await cw.api('DELETE', `${A}/webhooks/${String(webhook.id)}`)).status).toBe(200);
    expect((await cw.api('PATCH', `${A}/webhooks/${String(webhook.id)}`, { webhook: { url: 'https://x.example/' } })).status).toBe(404);
  });

  it.each([
    ['an unknown subscription', { url: 'https://hooks.example/b', subscriptions: ['message_sent'] }, { message: 'Subscriptions Invalid events', attributes: ['subscriptions'] }],
    ['no subscriptions', { url: 'https://hooks.example/c', subscriptions: [] }, { message: 'Subscriptions Invalid events', attributes: ['subscriptions'] }],
    ['a non-http url', { url: 'ftp://hooks.example/', subscriptions: ['message_created'] }, { message: 'Url is invalid', attributes: ['url'] }],
  ])('%s is 422', async (_name, webhook, json) => {
    const res = await cw.api('POST', `${A}/webhooks`, { webhook });
    expect(res.status).toBe(422);
    expect(res.json).toEqual(json);
  });

  it('a url already used in the account is 422; without the webhook wrapper it is a 400', async () => {
    await cw.api('POST', `${A}/webhooks`, { webhook: { url: 'https://hooks.example/dup', subscriptions: ['message_created'] } });
    expect((await cw.api('POST', `${A}/webhooks`, { webhook: { url: 'https://hooks.example/dup', subscriptions: ['message_created'] } })).json).toEqual({ message: 'Url has already been taken', attributes: ['url'] });
    expect((await cw.api('POST', `${A}/webhooks`, { url: 'https://hooks.example/bare', subscriptions: ['message_created'] })).status).toBe(400);
  });
});

describe('FC-19 Public API', () => {
  let identifier = '';
  const base = () => `/public/api/v1/inboxes/${identifier}`;

  beforeAll(async () => {
    identifier = (await cw.api<InboxJson>('GET', `${A}/inboxes/1`)).json.inbox_identifier;
  });

  it('POST contacts (no token) → {source_id, pubsub_token, …}; a conversation; an incoming message with echo_id only', async () => {
    const contact = await cw.api<{ source_id: string; pubsub_token: string; id: number; name: string }>('POST', `${base()}/contacts`, { name: 'Widget Wendy', email: 'wendy@x.test' }, { token: null });
    expect(contact.status).toBe(200);
    expect(contact.json).toMatchObject({ name: 'Widget Wendy', email: 'wendy@x.test', pubsub_token: expect.any(String), source_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const conversation = await cw.api<{ id: number; status: string }>('POST', `${base()}/contacts/${contact.json.source_id}/conversations`, {}, { token: null });
    expect(conversation.json.status).toBe('open');
    const message = await cw.api<{ id: number; message_type: number; echo_id: string }>('POST', `${base()}/contacts/${contact.json.source_id}/conversations/${conversation.json.id}/messages`, { content: 'from the widget', echo_id: 'w-1', source_id: 'ignored', message_type: 'outgoing' }, { token: null });
    expect(message.json).toMatchObject({ message_type: 0, echo_id: 'w-1' });
    const stored = (await cw.messages({ accountId: 1, conversationId: conversation.json.id })).find((m) => m.id === message.json.id);
    expect(stored).toMatchObject({ message_type: 'incoming', source_id: null, sender: { type: 'Contact', id: contact.json.id } });
    await hooks.waitFor((h) => h.event === 'message_created' && h.json.id === message.json.id);
  });

  it('update_last_seen sets contact_last_seen_at and marks the agent\'s messages read (no webhook)', async () => {
    const { conversationId, sourceId } = await conversationFor(cw);
    const reply = await postMessage(cw, conversationId, { content: 'agent says hi' });
    const res = await cw.api('POST', `${base()}/contacts/${sourceId}/conversations/${conversationId}/update_last_seen`, {}, { token: null });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const state = await cw.state(1);
    const row = (state.conversations as { display_id: number; contact_last_seen_at: string | null }[]).find((c) => c.display_id === conversationId);
    expect(row?.contact_last_seen_at).toEqual(expect.any(String));
    expect((await cw.messages({ accountId: 1, conversationId })).find((m) => m.id === reply.id)?.status).toBe('read');
  });

  it('the conversation must belong to that contact_inbox (an orphan UUID contact_inbox finds nothing)', async () => {
    const contact = await cw.api<{ payload: { contact: { id: number }; contact_inbox: { source_id: string } } }>('POST', `${A}/contacts`, { name: 'Orphan', phone_number: '+5511922223333', inbox_id: 1 });
    const orphanSource = contact.json.payload.contact_inbox.source_id;
    const conversation = await cw.api<{ id: number }>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: contact.json.payload.contact.id, source_id: '5511922223333@s.whatsapp.net' });
    const res = await cw.api('POST', `${base()}/contacts/${orphanSource}/conversations/${conversation.json.id}/update_last_seen`, {}, { token: null });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'Resource could not be found' });
  });

  it('hmac_mandatory: identifier_hash must be HMAC-SHA256(hmac_token, identifier)', async () => {
    const inbox = await cw.api<InboxJson>('POST', `${A}/inboxes`, { name: 'Strict', channel: { type: 'api', hmac_mandatory: true } });
    const strict = `/public/api/v1/inboxes/${inbox.json.inbox_identifier}/contacts`;
    const refused = await cw.api(`POST`, strict, { identifier: 'user-1', identifier_hash: 'nope' }, { token: null });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ error: 'HMAC failed: Invalid Identifier Hash Provided' });
    const hash = createHmac('sha256', inbox.json.hmac_token ?? '').update('user-1').digest('hex');
    expect((await cw.api('POST', strict, { identifier: 'user-1', identifier_hash: hash }, { token: null })).status).toBe(200);
  });

  it('toggle_status only resolves', async () => {
    const { conversationId, sourceId } = await conversationFor(cw);
    const res = await cw.api<{ status: string }>('POST', `${base()}/contacts/${sourceId}/conversations/${conversationId}/toggle_status`, {}, { token: null });
    expect(res.json.status).toBe('resolved');
    const again = await cw.api<{ status: string }>('POST', `${base()}/contacts/${sourceId}/conversations/${conversationId}/toggle_status`, {}, { token: null });
    expect(again.json.status).toBe('resolved');
  });
});
