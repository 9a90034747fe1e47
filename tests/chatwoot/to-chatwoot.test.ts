/**
 * WhatsApp → Chatwoot, every message kind, against the fake Chatwoot as a process: each arrives once, as the
 * right Chatwoot message (incoming, attachments as multipart with their MIME types, replies threaded, group
 * messages with the sender's name), edits, deletions and reactions are reflected, the person is one contact
 * found by exact phone (and a `@lid` merged into it), and what the number sends itself shows as outgoing with its
 * WhatsApp receipts as the Chatwoot status.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../helpers/wait.js';
import { boundNumber, countBy, cwMessageOf, cwMessages, deliver, startBridge, type Bridge } from './support.js';

const PHONE = '5511950000001';
const CUSTOMER = '6289876543210';

let b: Bridge;

beforeAll(async () => {
  b = await startBridge();
  await boundNumber(b, PHONE, 1);
});
afterAll(async () => {
  await b?.close();
});

async function one(body: Record<string, unknown>): Promise<string> {
  const [id] = await deliver(b.gw, PHONE, body);
  if (!id) throw new Error(`nothing delivered for ${JSON.stringify(body)}`);
  return id;
}

describe('every message kind arrives in Chatwoot once', () => {
  it('text, image, document and audio: incoming, with their files and MIME types, in one conversation of one contact', async () => {
    const text = await one({ body: 'hello, I need a refund' });
    const image = await one({ type: 'image', caption: 'the broken part', data_base64: Buffer.from('fake-jpeg-bytes').toString('base64') });
    const doc = await one({ type: 'document', filename: 'invoice-42.pdf', caption: 'my invoice' });
    const audio = await one({ type: 'audio' });

    const t = await cwMessageOf(b.cw, text);
    expect(t).toMatchObject({ content: 'hello, I need a refund', message_type: 'incoming', private: false });
    expect(t.content_attributes).toMatchObject({ external_echo: true });
    const i = await cwMessageOf(b.cw, image);
    expect(i).toMatchObject({ content: 'the broken part', conversation_id: t.conversation_id });
    expect(i.attachments).toEqual([expect.objectContaining({ content_type: 'image/jpeg', file_type: 'image', file_size: Buffer.from('fake-jpeg-bytes').length })]);
    const d = await cwMessageOf(b.cw, doc);
    expect(d).toMatchObject({ content: 'my invoice' });
    // The binary reports a downloaded document by its path only: the name is the kind and the type's extension.
    expect(d.attachments).toEqual([expect.objectContaining({ filename: expect.stringMatching(/\.pdf$/), content_type: 'application/pdf', file_type: 'file' })]);
    const a = await cwMessageOf(b.cw, audio);
    expect(a.attachments).toEqual([expect.objectContaining({ content_type: 'audio/ogg', file_type: 'audio' })]);

    // One contact, by its exact E.164 phone, with our contact inbox.
    const state = await b.cw.state(1);
    const contacts = (state['contacts'] as { id: number; phone_number: string | null }[]).filter((c) => c.phone_number === `+${CUSTOMER}`);
    expect(contacts).toHaveLength(1);
    const inboxes = (state['contact_inboxes'] as { contact_id: number; source_id: string }[]).filter((ci) => ci.contact_id === contacts[0]?.id);
    expect(inboxes.map((ci) => ci.source_id)).toEqual([`wamp:${CUSTOMER}@s.whatsapp.net`]);
  });

  it('a reply is threaded to the message it quotes', async () => {
    const first = await one({ body: 'my order number is 77' });
    const reply = await one({ body: 'did you see it?', replied_to_id: first, quoted_body: 'my order number is 77' });
    const quoted = await cwMessageOf(b.cw, first);
    const m = await cwMessageOf(b.cw, reply);
    expect(m.content_attributes).toMatchObject({ in_reply_to: quoted.id, in_reply_to_external_id: `wamp:${first}` });
  });

  it('edits, deletions and reactions are reflected on the message', async () => {
    const target = await one({ body: 'original text' });
    const gone = await one({ body: 'to be revoked' });
    const original = await cwMessageOf(b.cw, target);
    const doomed = await cwMessageOf(b.cw, gone);
    await deliver(b.gw, PHONE, { type: 'edited', original_message_id: target, body: 'edited text' });
    await deliver(b.gw, PHONE, { type: 'reaction', reacted_message_id: target, reaction: '❤️' });
    await deliver(b.gw, PHONE, { type: 'revoked', revoked_message_id: gone });

    const edit = await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.source_id?.startsWith(`wamp:${target}:edit:`)), { what: 'the edit note' });
    expect(edit).toMatchObject({ content: '✏️ edited text', message_type: 'incoming', content_attributes: expect.objectContaining({ in_reply_to: original.id }) });
    const reaction = await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.source_id?.startsWith(`wamp:${target}:reaction:`)), { what: 'the reaction' });
    expect(reaction).toMatchObject({ content: '❤️', content_attributes: expect.objectContaining({ in_reply_to: original.id }) });
    const deleted = await waitFor(async () => (await cwMessages(b.cw)).find((m) => m.id === doomed.id && m.content_attributes['deleted'] === true), { what: 'the deletion' });
    expect(deleted.content).toBe('This message was deleted');
  });

  it('group messages arrive in the group’s conversation with the sender’s name', async () => {
    const group = '120363123456789012@g.us';
    const id = await one({ chat_id: group, chat_name: 'Support group', from: '6281111111111', from_name: 'Budi', body: 'hi all' });
    const m = await cwMessageOf(b.cw, id);
    expect(m.content).toBe('**Budi (+6281111111111):**\nhi all');
    const state = await b.cw.state(1);
    const contact = (state['contacts'] as { identifier: string | null; phone_number: string | null }[]).find((c) => c.identifier === group);
    expect(contact).toMatchObject({ phone_number: null });
  });

  it('messages the number sends (from the phone, or through the API) show as outgoing; receipts move the status forward', async () => {
    const id = await one({ is_from_me: true, chat_id: `${CUSTOMER}@s.whatsapp.net`, body: 'sent from the phone' });
    expect(await cwMessageOf(b.cw, id)).toMatchObject({ message_type: 'outgoing', private: false, content: 'sent from the phone' });

    const sent = await b.gw.request<{ id: string }>('POST', '/api/messages/send', { body: { from: PHONE, to: CUSTOMER, message: 'sent through the API' } });
    expect(sent.status).toBe(202);
    const waId = await waitFor(async () => (await b.gw.request<{ waMessageId: string | null }>('GET', `/api/messages/${sent.body.id}`)).body.waMessageId, { what: 'sent' });
    const m = await cwMessageOf(b.cw, waId);
    expect(m).toMatchObject({ message_type: 'outgoing', content: 'sent through the API' });
    // The stand-in acks delivered, then read: Chatwoot's status follows (PATCH …/messages/:id).
    await waitFor(async () => (await cwMessages(b.cw)).find((x) => x.id === m.id)?.status === 'read', { what: 'the read receipt in Chatwoot' });
  });

  it('has made each Chatwoot message once, whatever came twice', async () => {
    const all = await cwMessages(b.cw);
    const dup = [...countBy(all, (m) => m.source_id)].filter(([, n]) => n > 1);
    expect(dup).toEqual([]);
    expect(all.filter((m) => m.source_id?.startsWith('wamp:')).length).toBeGreaterThan(8);
  });
});

describe('one contact per person', () => {
  it('a person first known by @lid is merged into their phone contact once the phone is known', async () => {
    const lid = '246813579024680@lid';
    const person = '5511966665555';
    const first = await one({ from: lid, from_name: 'Carla', body: 'hi from a hidden number' });
    const before = await cwMessageOf(b.cw, first);
    const byLid = ((await b.cw.state(1))['contacts'] as { id: number; identifier: string | null }[]).find((c) => c.identifier === lid);
    expect(byLid).toBeTruthy();
    // WhatsApp now names the phone behind the lid.
    const second = await one({ from: person, from_lid: lid, from_name: 'Carla', body: 'now with my number' });
    const after = await cwMessageOf(b.cw, second);
    await waitFor(async () => {
      const contacts = (await b.cw.state(1))['contacts'] as { id: number; phone_number: string | null; identifier: string | null }[];
      return contacts.filter((c) => c.phone_number === `+${person}` || c.identifier === lid).length === 1;
    }, { what: 'one contact for the person' });
    expect(after.conversation_id).toBe(before.conversation_id);
  });
});
