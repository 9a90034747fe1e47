/**
 * Every message kind the stand-in's WhatsApp delivers reaches the conversation store once, in the journal's
 * transaction: text, media of each kind, location, contacts, polls and votes, reactions, edits, revokes,
 * delete-for-me, group messages with their sender, `@lid` senders merged into one chat, messages sent from the
 * phone. A webhook the child sends twice (same bytes, or the same message re-encoded) is one row.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hubSignature } from '../helpers/sim-webhooks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { chatsOf, deliver, messagesOf, storedByWaId, storedRows } from './store-helpers.js';

const PHONE = '5511943000001';
const CONTACT = '6289876543210@s.whatsapp.net';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0' } });
  await registerRunning(gw, PHONE);
  await pair(gw, PHONE);
});
afterAll(async () => {
  await gw.close();
});

async function one(body: Record<string, unknown>): Promise<string> {
  const [id] = await deliver(gw, PHONE, body);
  if (!id) throw new Error(`nothing delivered for ${JSON.stringify(body)}`);
  return id;
}

describe('message kinds', () => {
  it('stores text and every media kind with its metadata (never the bytes)', async () => {
    const text = await one({ body: 'hello, I need a refund' });
    const image = await one({ type: 'image', caption: 'the broken part', size: 5000 });
    const video = await one({ type: 'video', caption: 'unboxing' });
    const note = await one({ type: 'video_note' });
    const audio = await one({ type: 'audio' });
    const sticker = await one({ type: 'sticker' });
    const document = await one({ type: 'document', filename: 'invoice-42.pdf', caption: 'my invoice' });

    expect(await storedByWaId(gw, PHONE, CONTACT, text)).toMatchObject({ type: 'text', text: 'hello, I need a refund', direction: 'in', status: 'received', source: 'live', chatType: 'direct' });
    expect(await storedByWaId(gw, PHONE, CONTACT, image)).toMatchObject({ type: 'image', text: 'the broken part', media: { kind: 'image', mime: 'image/jpeg' } });
    expect(await storedByWaId(gw, PHONE, CONTACT, video)).toMatchObject({ type: 'video', text: 'unboxing', media: { kind: 'video', mime: 'video/mp4' } });
    expect(await storedByWaId(gw, PHONE, CONTACT, note)).toMatchObject({ type: 'video', content: { videoNote: true } });
    expect(await storedByWaId(gw, PHONE, CONTACT, audio)).toMatchObject({ type: 'audio', media: { kind: 'audio' } });
    expect(await storedByWaId(gw, PHONE, CONTACT, sticker)).toMatchObject({ type: 'sticker', media: { kind: 'sticker', mime: 'image/webp' } });
    const doc = await storedByWaId(gw, PHONE, CONTACT, document);
    expect(doc).toMatchObject({ type: 'document', text: 'my invoice', media: { kind: 'document', mime: 'application/pdf' } });
    expect(doc.media?.url).toBe(`/api/messages/${doc.id}/media`);
  });

  it('stores locations, contacts and polls, and applies poll votes to their poll', async () => {
    const location = await one({ type: 'location', latitude: -23.55, longitude: -46.63, location_name: 'Paulista', address: 'São Paulo' });
    const contact = await one({ type: 'contact', contact_name: 'Maria', contact_phone: '5511977776666' });
    const contacts = await one({ type: 'contacts', contacts: [{ name: 'Ana', phone: '5511911112222' }, { name: 'Bia', phone: '5511933334444' }] });
    const poll = await one({ type: 'poll', question: 'Which day?', options: ['Monday', 'Friday'] });
    await deliver(gw, PHONE, { type: 'poll_vote', poll_id: poll, selected_options: ['Friday'] });

    expect(await storedByWaId(gw, PHONE, CONTACT, location)).toMatchObject({
      type: 'location',
      text: 'Paulista, São Paulo',
      content: { location: { latitude: -23.55, longitude: -46.63, name: 'Paulista', address: 'São Paulo' } },
    });
    expect(await storedByWaId(gw, PHONE, CONTACT, contact)).toMatchObject({ type: 'contact', content: { contacts: [{ name: 'Maria', phone: '5511977776666' }] } });
    expect((await storedByWaId(gw, PHONE, CONTACT, contacts)).content['contacts']).toHaveLength(2);
    const stored = await waitFor(async () => {
      const m = await storedByWaId(gw, PHONE, CONTACT, poll);
      return (m.content['poll'] as { votes?: unknown[] } | undefined)?.votes ? m : null;
    }, { what: 'the vote on the poll' });
    expect(stored).toMatchObject({ type: 'poll', content: { poll: { question: 'Which day?', options: ['Monday', 'Friday'], votes: [{ voter: CONTACT, options: ['Friday'] }] } } });
    // A vote is not a message of its own.
    expect(storedRows(gw, PHONE).filter((r) => r.type === 'poll')).toHaveLength(1);
  });

  it('applies reactions, edits, revokes and delete-for-me to their message', async () => {
    const target = await one({ body: 'original text' });
    const image = await one({ type: 'image', caption: 'to be revoked' });
    const document = await one({ type: 'document', filename: 'secret.pdf' });
    await deliver(gw, PHONE, { type: 'reaction', reacted_message_id: target, reaction: '❤️' });
    await deliver(gw, PHONE, { type: 'edited', original_message_id: target, body: 'edited text' });
    await deliver(gw, PHONE, { type: 'revoked', revoked_message_id: image });
    await deliver(gw, PHONE, { type: 'deleted', deleted_message_id: document });

    const edited = await waitFor(async () => {
      const m = await storedByWaId(gw, PHONE, CONTACT, target);
      return m.editedAt && m.reactions.length > 0 ? m : null;
    }, { what: 'the edit and the reaction' });
    expect(edited).toMatchObject({ text: 'edited text', content: { originalText: 'original text' }, reactions: [{ emoji: '❤️', sender: CONTACT }] });
    const revoked = await waitFor(async () => ((await storedByWaId(gw, PHONE, CONTACT, image)).deleted ? storedByWaId(gw, PHONE, CONTACT, image) : null), { what: 'the revoke' });
    expect(revoked).toMatchObject({ type: 'revoked', text: null, media: null, deleted: 'everyone' });
    const deleted = await waitFor(async () => ((await storedByWaId(gw, PHONE, CONTACT, document)).deleted ? storedByWaId(gw, PHONE, CONTACT, document) : null), { what: 'the delete' });
    expect(deleted).toMatchObject({ type: 'revoked', deleted: 'me' });
    // Revoked text is gone from search too.
    const search = await gw.request<{ data: unknown[] }>('GET', '/api/search/messages?q=revoked');
    expect(search.body.data).toEqual([]);
  });

  it('stores group messages under the group, with their sender', async () => {
    const group = '120363123456789012@g.us';
    const id = await one({ chat_id: group, from: '6281111111111', from_name: 'Budi', body: 'hi all' });
    const stored = await storedByWaId(gw, PHONE, group, id);
    expect(stored).toMatchObject({ chatId: group, chatType: 'group', sender: { jid: '6281111111111@s.whatsapp.net', name: 'Budi' }, text: 'hi all' });
    const chats = await chatsOf(gw, PHONE, 'type=group');
    expect(chats.data.map((c) => c.id)).toEqual([group]);
  });

  it('stores what the number sends from its own phone as outgoing', async () => {
    const id = await one({ is_from_me: true, chat_id: CONTACT, body: 'sent from the phone' });
    expect(await storedByWaId(gw, PHONE, CONTACT, id)).toMatchObject({ direction: 'out', fromMe: true, status: 'sent', text: 'sent from the phone' });
  });
});

describe('one chat per person', () => {
  const LID = '246813579024680@lid';
  const PERSON = '5511966665555@s.whatsapp.net';

  it('keeps a contact known only by @lid as its own chat, then merges it with the phone JID once both are known', async () => {
    const first = await one({ from: LID, from_name: 'Lid Person', body: 'hello from a lid' });
    await storedByWaId(gw, PHONE, LID, first);
    const second = await one({ from: '5511966665555', from_lid: LID, from_name: 'Lid Person', body: 'now with my number' });
    const merged = await waitFor(async () => {
      const page = await messagesOf(gw, PHONE, PERSON);
      return page.data.length === 2 ? page : null;
    }, { what: 'the two threads merged' });
    expect(merged.chat).toMatchObject({ id: PERSON, altJid: LID, name: 'Lid Person', unread: 2 });
    expect(merged.data.map((m) => [m.waId, m.chatJid])).toEqual([
      [second, LID],
      [first, LID],
    ]);
    // The alias names the same chat; the @lid chat is no longer listed on its own.
    expect((await messagesOf(gw, PHONE, LID)).chat.id).toBe(PERSON);
    expect((await chatsOf(gw, PHONE)).data.filter((c) => c.id === LID)).toEqual([]);
  });

  it('shows the threads apart with merge=false', async () => {
    const third = await one({ from: '5511966665555', body: 'plain phone JID' });
    await storedByWaId(gw, PHONE, PERSON, third);
    const apart = await chatsOf(gw, PHONE, 'merge=false');
    const ids = apart.data.map((c) => c.id);
    expect(ids).toContain(LID);
    expect(ids).toContain(PERSON);
    expect((await messagesOf(gw, PHONE, LID, 'merge=false')).data.map((m) => m.text)).toEqual(['now with my number', 'hello from a lid']);
    expect((await messagesOf(gw, PHONE, PERSON, 'merge=false')).data.map((m) => m.text)).toEqual(['plain phone JID']);
  });
});

describe('exactly once', () => {
  const post = (raw: Buffer) => {
    const secret = gw.gateway.supervisor.runner(PHONE)?.webhookSecret ?? '';
    return gw.request('POST', `/internal/webhooks/${PHONE}`, { raw, token: null, headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(raw, secret) } });
  };

  it('keeps one row when the child sends a webhook again, byte for byte or re-encoded', async () => {
    const payload = { id: '3EB0RETRIED00000001', chat_id: CONTACT, from: CONTACT, sender_display_name: 'Sim Contact', timestamp: new Date().toISOString(), is_from_me: false, body: 'retried webhook' };
    const raw = Buffer.from(JSON.stringify({ event: 'message', device_id: `${PHONE}@s.whatsapp.net`, payload }));
    expect((await post(raw)).status).toBe(200);
    expect((await post(raw)).status).toBe(200);
    // The same message with other bytes (key order, spacing) is journaled again: the store still keeps one row.
    const reencoded = Buffer.from(JSON.stringify({ payload: { ...payload }, event: 'message', device_id: `${PHONE}@s.whatsapp.net` }, null, 1));
    expect((await post(reencoded)).status).toBe(200);
    const journaled = gw.gateway.database.sqlite.prepare("SELECT count(*) FROM events WHERE phone_number = ? AND payload LIKE '%3EB0RETRIED00000001%'").pluck().get(PHONE);
    expect(journaled).toBe(2);
    expect(storedRows(gw, PHONE).filter((r) => r.wa_id === '3EB0RETRIED00000001')).toHaveLength(1);
  });

  it('has one row per WhatsApp message for everything delivered in this file', () => {
    const ids = storedRows(gw, PHONE).map((r) => r.wa_id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
