/** FC-11 … FC-16: conversation creation rules, show and message pages, toggle_status, message create/update/delete/retry. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { A, conversationFor, postMessage, seed } from './support.js';

interface ConversationJson {
  id: number;
  status: string;
  inbox_id: number;
  meta: { sender: { id: number }; channel: string };
  messages: { id: number; message_type: number }[];
  contact_inbox?: unknown;
}
interface MessageJson {
  id: number;
  content: string | null;
  message_type: number;
  status: string;
  created_at: number;
  conversation_id: number;
  source_id: string | null;
  private: boolean;
  content_attributes: Record<string, unknown>;
  echo_id?: string;
  sender?: { type: string; id: number };
}

let cw: FakeChatwoot;
let lockCw: FakeChatwoot;

beforeAll(async () => {
  [cw, lockCw] = await Promise.all([startFakeChatwoot({ seed: seed() }), startFakeChatwoot({ seed: seed('', { lock: true }) })]);
});
afterAll(cleanupFakeChatwoots);

const contactInboxes = async (fake: FakeChatwoot, contactId: number): Promise<string[]> =>
  ((await fake.state(1)).contact_inboxes as { contact_id: number; source_id: string }[]).filter((ci) => ci.contact_id === contactId).map((ci) => ci.source_id);

describe('FC-11 POST /conversations', () => {
  it('inbox_id + contact_id + source_id: finds or creates that contact_inbox; the conversation is at the root with display id', async () => {
    const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'C1', phone_number: '+5511900000001' });
    const id = contact.json.payload.contact.id;
    const res = await cw.api<ConversationJson>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: id, source_id: 'jid-1' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: expect.any(Number), inbox_id: 1, status: 'open', messages: [], meta: { sender: { id }, channel: 'Channel::Api' } });
    expect(res.json).not.toHaveProperty('payload');
    await cw.api('POST', `${A}/conversations`, { inbox_id: 1, contact_id: id, source_id: 'jid-1' });
    expect(await contactInboxes(cw, id)).toEqual(['jid-1']);
  });

  it('inbox_id + contact_id without source_id makes one more (UUID) contact_inbox each time', async () => {
    const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'C2', phone_number: '+5511900000002', inbox_id: 1 });
    const id = contact.json.payload.contact.id;
    await cw.api('POST', `${A}/conversations`, { inbox_id: 1, contact_id: id });
    const sources = await contactInboxes(cw, id);
    expect(sources).toHaveLength(2);
    expect(new Set(sources).size).toBe(2);
  });

  it('source_id alone: looked up (404 when unknown)', async () => {
    const { contactId } = await conversationFor(cw);
    const [sourceId] = await contactInboxes(cw, contactId);
    const found = await cw.api<ConversationJson>('POST', `${A}/conversations`, { source_id: sourceId });
    expect(found.status).toBe(200);
    expect(found.json.meta.sender.id).toBe(contactId);
    const missing = await cw.api('POST', `${A}/conversations`, { source_id: 'never-seen' });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: 'Resource could not be found' });
  });

  it('a source_id owned by another contact is 422 "source_id should be unique"', async () => {
    const { sourceId } = await conversationFor(cw);
    const other = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'Other', phone_number: '+5511900000003' });
    const res = await cw.api('POST', `${A}/conversations`, { inbox_id: 1, contact_id: other.json.payload.contact.id, source_id: sourceId });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: 'source_id should be unique' });
  });

  it.each([['pending', 1], ['resolved', 2], ['snoozed', 3]])('honours status=%s', async (status, n) => {
    const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: `S ${status}`, phone_number: `+55119000001${n}` });
    const res = await cw.api<ConversationJson>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: contact.json.payload.contact.id, source_id: `st-${status}`, status });
    expect(res.json.status).toBe(status);
  });

  it('lock_to_single_conversation returns the last conversation of the contact_inbox instead of a new one', async () => {
    const contact = await lockCw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'Locked', phone_number: '+5511900000020' });
    const body = { inbox_id: 1, contact_id: contact.json.payload.contact.id, source_id: 'locked-jid' };
    const first = await lockCw.api<ConversationJson>('POST', `${A}/conversations`, body);
    const second = await lockCw.api<ConversationJson>('POST', `${A}/conversations`, body);
    expect(second.json.id).toBe(first.json.id);
  });

  it('a first message in the same request', async () => {
    const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'With message', phone_number: '+5511900000030' });
    const res = await cw.api<ConversationJson>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: contact.json.payload.contact.id, source_id: 'wm', message: { content: 'Hello from the agent' } });
    expect(res.json.messages.map((m) => m.message_type)).toEqual([1]);
    const page = await cw.api<{ payload: MessageJson[] }>('GET', `${A}/conversations/${res.json.id}/messages`);
    expect(page.json.payload.map((m) => [m.content, m.message_type])).toEqual([['Hello from the agent', 1]]);
  });
});

describe('FC-12 GET /conversations/:id and its messages', () => {
  it('the 20 newest ascending; before= the 20 before; after= up to 100 after', async () => {
    const { conversationId } = await conversationFor(cw);
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push((await postMessage(cw, conversationId, { content: `m${i}`, message_type: 'incoming' })).id as number);
    const page = await cw.api<{ payload: MessageJson[]; meta: Record<string, unknown> }>('GET', `${A}/conversations/${conversationId}/messages`);
    expect(page.json.payload.map((m) => m.id)).toEqual(ids.slice(5));
    expect(page.json.meta).toMatchObject({ labels: [], contact: expect.any(Object) });
    const before = await cw.api<{ payload: MessageJson[] }>('GET', `${A}/conversations/${conversationId}/messages?before=${ids[5] ?? 0}`);
    expect(before.json.payload.map((m) => m.id)).toEqual(ids.slice(0, 5));
    const after = await cw.api<{ payload: MessageJson[] }>('GET', `${A}/conversations/${conversationId}/messages?after=${ids[1] ?? 0}`);
    expect(after.json.payload.map((m) => m.id)).toEqual(ids.slice(2));
    const shown = await cw.api<ConversationJson>('GET', `${A}/conversations/${conversationId}`);
    expect(shown.json.messages.map((m) => m.id)).toEqual([ids[24]]);
  });
});

describe('FC-13 POST /conversations/:id/toggle_status', () => {
  it.each([
    ['an explicit status', 'open', { status: 'pending' }, 'pending'],
    ['no status toggles open → resolved', 'open', {}, 'resolved'],
    ['no status toggles resolved → open', 'resolved', {}, 'open'],
    ['no status on pending → open', 'pending', {}, 'open'],
  ])('%s', async (_name, from, body, to) => {
    const { conversationId } = await conversationFor(cw);
    if (from !== 'open') await cw.api('POST', `${A}/conversations/${conversationId}/toggle_status`, { status: from });
    const res = await cw.api('POST', `${A}/conversations/${conversationId}/toggle_status`, body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ meta: {}, payload: { success: true, conversation_id: conversationId, current_status: to, snoozed_until: null } });
  });

  it('snoozed with snoozed_until (unix seconds)', async () => {
    const { conversationId } = await conversationFor(cw);
    const until = Math.floor(Date.now() / 1000) + 3600;
    const res = await cw.api<{ payload: { current_status: string; snoozed_until: string } }>('POST', `${A}/conversations/${conversationId}/toggle_status`, { status: 'snoozed', snoozed_until: until });
    expect(res.json.payload).toMatchObject({ current_status: 'snoozed', snoozed_until: new Date(until * 1000).toISOString() });
  });
});

describe('FC-14 POST /conversations/:id/messages', () => {
  it('JSON: message_type defaults to outgoing; the answer has an integer message_type and unix created_at, echo_id back', async () => {
    const { conversationId } = await conversationFor(cw);
    const res = await cw.api<MessageJson>('POST', `${A}/conversations/${conversationId}/messages`, { content: 'hi', echo_id: 'e-1' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ content: 'hi', message_type: 1, status: 'sent', private: false, conversation_id: conversationId, echo_id: 'e-1', sender: { type: 'user', id: 1 } });
    expect(Number.isInteger(res.json.created_at) && Math.abs(res.json.created_at - Date.now() / 1000) < 60).toBe(true);
  });

  it('multipart: text fields as strings, content_attributes as a JSON string', async () => {
    const { conversationId } = await conversationFor(cw);
    const form = new FormData();
    form.set('content', 'from a form');
    form.set('message_type', 'incoming');
    form.set('private', 'false');
    form.set('source_id', 'WAID:form');
    form.set('content_attributes', JSON.stringify({ external_created_at: 123 }));
    const res = await cw.api<MessageJson>('POST', `${A}/conversations/${conversationId}/messages`, undefined, { raw: form });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ content: 'from a form', message_type: 0, source_id: 'WAID:form', private: false, content_attributes: { external_created_at: 123 }, sender: { type: 'contact' } });
  });

  it('incoming on a non-API inbox is 422', async () => {
    const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name: 'Web', email: 'web@x.test', inbox_id: 2, source_id: 'widget-1' });
    const conversation = await cw.api<{ id: number }>('POST', `${A}/conversations`, { source_id: 'widget-1' });
    expect(contact.status).toBe(200);
    const res = await cw.api('POST', `${A}/conversations/${conversation.json.id}/messages`, { content: 'x', message_type: 'incoming' });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: 'Incoming messages are only allowed in Api inboxes' });
  });

  it.each([
    ['an unknown message_type', { message_type: 'sideways' }, "'sideways' is not a valid message_type"],
    ['an unknown content_type', { content_type: 'poem' }, "'poem' is not a valid content_type"],
  ])('%s is 422 {error}', async (_name, body, error) => {
    const { conversationId } = await conversationFor(cw);
    const res = await cw.api('POST', `${A}/conversations/${conversationId}/messages`, { content: 'x', ...body });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error });
  });

  it('source_id is stored, never deduplicated', async () => {
    const { conversationId } = await conversationFor(cw);
    const a = await postMessage(cw, conversationId, { content: 'same', message_type: 'incoming', source_id: 'WAID:dup' });
    const b = await postMessage(cw, conversationId, { content: 'same', message_type: 'incoming', source_id: 'WAID:dup' });
    expect(a.id).not.toBe(b.id);
    expect((await cw.messages({ accountId: 1, conversationId })).filter((m) => m.source_id === 'WAID:dup')).toHaveLength(2);
  });

  it('in_reply_to / in_reply_to_external_id are resolved within the conversation: both rewritten, or both nulled', async () => {
    const { conversationId } = await conversationFor(cw);
    const other = await conversationFor(cw);
    const quoted = await postMessage(cw, conversationId, { content: 'quoted', message_type: 'incoming', source_id: 'WAID:Q1' });
    const elsewhere = await postMessage(cw, other.conversationId, { content: 'elsewhere', message_type: 'incoming', source_id: 'WAID:Q2' });
    const byExternal = await postMessage(cw, conversationId, { content: 'r1', content_attributes: { in_reply_to_external_id: 'WAID:Q1' } });
    const byId = await postMessage(cw, conversationId, { content: 'r2', content_attributes: { in_reply_to: quoted.id } });
    const notHere = await postMessage(cw, conversationId, { content: 'r3', content_attributes: { in_reply_to_external_id: 'WAID:Q2', keep: 1 } });
    const foreignId = await postMessage(cw, conversationId, { content: 'r4', content_attributes: { in_reply_to: elsewhere.id } });
    expect(byExternal.content_attributes).toEqual({ in_reply_to_external_id: 'WAID:Q1', in_reply_to: quoted.id });
    expect(byId.content_attributes).toEqual({ in_reply_to: quoted.id, in_reply_to_external_id: 'WAID:Q1' });
    expect(notHere.content_attributes).toEqual({ in_reply_to_external_id: null, keep: 1, in_reply_to: null });
    expect(foreignId.content_attributes).toEqual({ in_reply_to: null, in_reply_to_external_id: null });
  });

  it('an incoming message reopens a resolved or snoozed conversation; an outgoing one does not', async () => {
    for (const status of ['resolved', 'snoozed']) {
      const { conversationId } = await conversationFor(cw);
      await cw.api('POST', `${A}/conversations/${conversationId}/toggle_status`, { status });
      await postMessage(cw, conversationId, { content: 'agent note' });
      expect((await cw.api<ConversationJson>('GET', `${A}/conversations/${conversationId}`)).json.status).toBe(status);
      await postMessage(cw, conversationId, { content: 'customer again', message_type: 'incoming' });
      expect((await cw.api<ConversationJson>('GET', `${A}/conversations/${conversationId}`)).json.status).toBe('open');
    }
  });

  it('the reopen leaves an activity message (integer type 2) in the thread', async () => {
    const { conversationId } = await conversationFor(cw);
    await cw.api('POST', `${A}/conversations/${conversationId}/toggle_status`, { status: 'resolved' });
    await postMessage(cw, conversationId, { content: 'back', message_type: 'incoming' });
    const page = await cw.api<{ payload: MessageJson[] }>('GET', `${A}/conversations/${conversationId}/messages`);
    expect(page.json.payload.map((m) => [m.message_type, m.content])).toEqual([
      [2, 'Conversation was marked resolved by Alice Admin'],
      [0, 'back'],
      [2, 'System reopened the conversation due to a new incoming message.'],
    ]);
  });
});

describe('FC-15 PATCH /conversations/:id/messages/:mid', () => {
  it('sets status and external_error; read never goes back to delivered; answers 200 with the message', async () => {
    const { conversationId } = await conversationFor(cw);
    const message = await postMessage(cw, conversationId, { content: 'tracked' });
    const path = `${A}/conversations/${conversationId}/messages/${String(message.id)}`;
    expect((await cw.api<MessageJson>('PATCH', path, { status: 'delivered' })).json.status).toBe('delivered');
    expect((await cw.api<MessageJson>('PATCH', path, { status: 'read' })).json.status).toBe('read');
    const back = await cw.api<MessageJson>('PATCH', path, { status: 'delivered' });
    expect(back.status).toBe(200);
    expect(back.json.status).toBe('read');
    const failed = await cw.api<MessageJson>('PATCH', path, { status: 'failed', external_error: 'number not on WhatsApp' });
    expect(failed.json).toMatchObject({ status: 'failed', content_attributes: { external_error: 'number not on WhatsApp' } });
  });

  it('is refused (403) outside API inboxes', async () => {
    await cw.api('POST', `${A}/contacts`, { name: 'Web2', email: 'web2@x.test', inbox_id: 2, source_id: 'widget-2' });
    const conversation = await cw.api<{ id: number }>('POST', `${A}/conversations`, { source_id: 'widget-2' });
    const message = await postMessage(cw, conversation.json.id, { content: 'x' });
    const res = await cw.api('PATCH', `${A}/conversations/${conversation.json.id}/messages/${String(message.id)}`, { status: 'delivered' });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: 'Message status update is only allowed for API inboxes' });
  });

  it('does not exist before 4.2.0 (404 page)', async () => {
    const old = await startFakeChatwoot({ seed: seed(), version: '4.1.0' });
    const { conversationId } = await conversationFor(old);
    const message = await postMessage(old, conversationId, { content: 'x' });
    const res = await old.api('PATCH', `${A}/conversations/${conversationId}/messages/${String(message.id)}`, { status: 'read' }, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ status: 404, error: 'Not Found' });
    await old.stop();
  });
});

describe('FC-16 DELETE and retry', () => {
  it('DELETE: "This message was deleted", content_attributes {deleted: true}, attachments removed', async () => {
    const { conversationId } = await conversationFor(cw);
    const form = new FormData();
    form.set('content', 'with file');
    form.append('attachments[]', new Blob([Buffer.from('PDF')], { type: 'application/pdf' }), 'a.pdf');
    const posted = await cw.api<MessageJson & { attachments: { data_url: string }[] }>('POST', `${A}/conversations/${conversationId}/messages`, undefined, { raw: form });
    const dataUrl = posted.json.attachments[0]?.data_url ?? '';
    expect((await fetch(dataUrl)).status).toBe(200);
    const res = await cw.api<MessageJson & { attachments?: unknown }>('DELETE', `${A}/conversations/${conversationId}/messages/${posted.json.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ content: 'This message was deleted', content_attributes: { deleted: true } });
    expect(res.json.attachments).toBeUndefined();
    expect((await fetch(dataUrl)).status).toBe(404);
  });

  it('retry: status back to sent and content_attributes cleared', async () => {
    const { conversationId } = await conversationFor(cw);
    const message = await postMessage(cw, conversationId, { content: 'again' });
    const path = `${A}/conversations/${conversationId}/messages/${String(message.id)}`;
    await cw.api('PATCH', path, { status: 'failed', external_error: 'boom' });
    const res = await cw.api<MessageJson>('POST', `${path}/retry`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'sent', content_attributes: {} });
  });
});
