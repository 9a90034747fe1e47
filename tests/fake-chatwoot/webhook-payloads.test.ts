/** FC-20, FC-21, FC-23: what a delivery looks like — headers and signature, payload shapes, where each event goes. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  chatwootSignature, cleanupFakeChatwoots, startChatwootReceiver, startFakeChatwoot, verifyChatwootSignature, type ChatwootHook, type ChatwootReceiver, type FakeChatwoot,
} from '../helpers/fake-chatwoot.js';
import { A, ACCOUNT_HOOK_SECRET, conversationFor, INBOX_SECRET, postMessage, seed } from './support.js';

let hooks: ChatwootReceiver;
let accountHooks: ChatwootReceiver;
let cw: FakeChatwoot;

beforeAll(async () => {
  [hooks, accountHooks] = await Promise.all([startChatwootReceiver(), startChatwootReceiver()]);
  cw = await startFakeChatwoot({ seed: seed(hooks.url, { accountWebhookUrl: accountHooks.url }) });
});
afterAll(async () => {
  await cleanupFakeChatwoots();
  await Promise.all([hooks.close(), accountHooks.close()]);
});

const messageHook = (id: unknown, event = 'message_created') => hooks.waitFor((h) => h.event === event && h.json.id === id);

describe('FC-20 headers and signature', () => {
  let hook: ChatwootHook;
  let messageId: number;

  beforeAll(async () => {
    const { conversationId } = await conversationFor(cw);
    messageId = (await postMessage(cw, conversationId, { content: 'signed <b> & "quoted"', message_type: 'incoming' })).id as number;
    hook = await messageHook(messageId);
  });

  it('JSON with Accept, a UUID delivery id, a unix timestamp and sha256=HMAC(secret, ts + "." + raw body)', () => {
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers.accept).toBe('application/json');
    expect(hook.headers['x-chatwoot-delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const timestamp = String(hook.headers['x-chatwoot-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(hook.headers['x-chatwoot-signature']).toBe(chatwootSignature(INBOX_SECRET, timestamp, hook.body));
    expect(verifyChatwootSignature(hook, INBOX_SECRET)).toBe(true);
    expect(verifyChatwootSignature(hook, 'wrong-secret')).toBe(false);
  });

  it('the body is ActiveSupport JSON: <, > and & escaped, `event` the last key', () => {
    const text = hook.body.toString('utf8');
    expect(text).toContain('signed \\u003cb\\u003e \\u0026 \\"quoted\\"');
    expect(Object.keys(hook.json).at(-1)).toBe('event');
  });

  it('reset_secret rotates the secret the next deliveries are signed with', async () => {
    const reset = await cw.api<{ secret: string }>('POST', `${A}/inboxes/1/reset_secret`);
    expect(reset.status).toBe(200);
    expect(reset.json.secret).not.toBe(INBOX_SECRET);
    const { conversationId } = await conversationFor(cw);
    const id = (await postMessage(cw, conversationId, { content: 'after rotation', message_type: 'incoming' })).id;
    const next = await messageHook(id);
    expect(verifyChatwootSignature(next, reset.json.secret)).toBe(true);
    expect(verifyChatwootSignature(next, INBOX_SECRET)).toBe(false);
  });
});

describe('FC-21 payload shapes', () => {
  it('message_created: string message_type, no status, ISO created_at, display id, contact_inbox, meta.sender with type contact', async () => {
    const { conversationId, sourceId, contactId, phone } = await conversationFor(cw, 'Payload Ann');
    const posted = await postMessage(cw, conversationId, { content: 'shape', message_type: 'incoming', source_id: 'WAID:SHAPE' });
    const hook = await messageHook(posted.id);
    expect(hook.json).not.toHaveProperty('status');
    expect(hook.json).toMatchObject({
      event: 'message_created',
      id: posted.id,
      content: 'shape',
      message_type: 'incoming',
      private: false,
      source_id: 'WAID:SHAPE',
      content_type: 'text',
      content_attributes: {},
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      account: { id: 1, name: 'Acme Support' },
      inbox: { id: 1, name: 'WhatsApp' },
      sender: { id: contactId, name: 'Payload Ann', phone_number: phone, account: { id: 1, name: 'Acme Support' } },
      conversation: {
        id: conversationId,
        inbox_id: 1,
        status: 'open',
        channel: 'Channel::Api',
        contact_inbox: { contact_id: contactId, inbox_id: 1, source_id: sourceId },
        meta: { sender: { id: contactId, type: 'contact', phone_number: phone } },
        messages: [{ id: posted.id, message_type: 0, conversation_id: conversationId }],
      },
    });
    expect(hook.json.sender).not.toHaveProperty('type');
  });

  it('sender shapes: a user {id, name, email, type: user}; an agent bot {id, name, type: agent_bot}', async () => {
    const { conversationId } = await conversationFor(cw);
    const byUser = await postMessage(cw, conversationId, { content: 'from Alice' });
    const byBot = await postMessage(cw, conversationId, { content: 'from the bot' }, 'bot-token');
    expect((await messageHook(byUser.id)).json.sender).toEqual({ id: 1, name: 'Alice Admin', email: 'alice@acme.test', type: 'user' });
    expect((await messageHook(byBot.id)).json.sender).toEqual({ id: 1, name: 'Acme Bot', type: 'agent_bot' });
  });

  it('conversation.messages is the last chat message, which is not the private note being delivered', async () => {
    const { conversationId } = await conversationFor(cw);
    const chat = await postMessage(cw, conversationId, { content: 'customer text', message_type: 'incoming' });
    const note = await cw.agentMessage(1, conversationId, { content: 'internal only', private: true });
    const hook = await messageHook(note.message.id);
    expect(hook.json).toMatchObject({ private: true, message_type: 'outgoing', content: 'internal only' });
    expect((hook.json.conversation as { messages: { id: unknown }[] }).messages.map((m) => m.id)).toEqual([chat.id]);
  });

  it('content is normalised in webhooks only: \\-newline hard breaks and trailing newlines go', async () => {
    const { conversationId } = await conversationFor(cw);
    const raw = 'line one\\\nline two\n\n';
    const posted = await postMessage(cw, conversationId, { content: raw, message_type: 'incoming' });
    expect(posted.content).toBe(raw);
    expect((await messageHook(posted.id)).json.content).toBe('line one\nline two');
  });

  it('attachments are listed with a data_url that redirects to the bytes', async () => {
    const { conversationId } = await conversationFor(cw);
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const sent = await cw.agentMessage(1, conversationId, { content: 'see attached', attachments: [{ filename: 'pic.png', content_type: 'image/png', data_base64: png.toString('base64') }] });
    const hook = await messageHook(sent.message.id);
    const [attachment] = hook.json.attachments as { file_type: string; data_url: string; file_size: number }[];
    expect(attachment).toMatchObject({ file_type: 'image', file_size: png.length });
    const bytes = Buffer.from(await (await fetch(attachment?.data_url ?? '')).arrayBuffer());
    expect(bytes.equals(png)).toBe(true);
  });

  it('conversation_status_changed and conversation_updated carry changed_attributes; the activity message is never delivered', async () => {
    const { conversationId } = await conversationFor(cw);
    await cw.api('POST', `${A}/conversations/${conversationId}/toggle_status`, { status: 'resolved' });
    const changed = await hooks.waitFor((h) => h.event === 'conversation_status_changed' && h.json.id === conversationId);
    expect(changed.json).toMatchObject({ id: conversationId, status: 'resolved', changed_attributes: expect.arrayContaining([{ status: { previous_value: 'open', current_value: 'resolved' } }]) });
    await hooks.waitFor((h) => h.event === 'conversation_updated' && h.json.id === conversationId && h.json.status === 'resolved');
    const activities = (await cw.messages({ accountId: 1, conversationId })).filter((m) => m.message_type === 'activity');
    expect(activities).toHaveLength(1);
    // The fake logs every delivery when it is sent, all of a request's at once: the status events are there, the activity is not.
    const sent = await cw.deliveries();
    expect(sent.some((d) => d.event === 'conversation_status_changed' && String(d.body).includes(`"id":${conversationId},`))).toBe(true);
    expect(sent.filter((d) => d.message_id === activities[0]?.id)).toEqual([]);
  });

  it('typing on demand (FC-23): {event, user, conversation, is_private}', async () => {
    const { conversationId } = await conversationFor(cw);
    await cw.typing(1, conversationId, 'on', true);
    const hook = await hooks.waitFor((h) => h.event === 'conversation_typing_on');
    expect(Object.keys(hook.json)).toEqual(['event', 'user', 'conversation', 'is_private']);
    expect(hook.json).toMatchObject({ user: { id: 2, name: 'Bob Agent', type: 'user' }, conversation: { id: conversationId }, is_private: true });
  });
});

describe('FC-21 routing: the API inbox gets every inbox event, account webhooks their subscriptions', () => {
  it('contact_created goes to the account webhook only (signed with its own secret); message_updated to the inbox only', async () => {
    const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'Routed', phone_number: '+5511911112222' });
    const contactId = contact.json.payload.contact.id;
    const created = await accountHooks.waitFor((h) => h.event === 'contact_created' && h.json.id === contactId);
    expect(verifyChatwootSignature(created, ACCOUNT_HOOK_SECRET)).toBe(true);
    const conversation = await cw.api<{ id: number }>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: contactId, source_id: 'routed' });
    const message = await postMessage(cw, conversation.json.id, { content: 'hi', message_type: 'incoming' });
    await cw.api('PATCH', `${A}/conversations/${conversation.json.id}/messages/${String(message.id)}`, { status: 'delivered' });
    await messageHook(message.id, 'message_updated');
    await accountHooks.waitFor((h) => h.event === 'message_created' && h.json.id === message.id);
    expect(await cw.deliveries({ event: 'contact_created', url: hooks.url })).toEqual([]);
    expect(await cw.deliveries({ event: 'message_updated', url: accountHooks.url })).toEqual([]);
    expect(await cw.deliveries({ event: 'conversation_created', url: accountHooks.url })).toEqual([]);
    expect(hooks.received.some((h) => h.event === 'conversation_created' && h.json.id === conversation.json.id)).toBe(true);
  });
});
