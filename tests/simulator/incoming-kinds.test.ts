/**
 * Every incoming message kind (§10) through `/_sim/incoming`: the exact webhook payload, the row it leaves
 * in chat storage, senders as phone JIDs with `@lid` aliases or known only by `@lid`, group messages, the
 * phone's own messages (`is_from_me`), and the media forms with auto-download on and off.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPairedSlot, simIncoming } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/sim-webhooks.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

const RFC3339 = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
const ID = expect.stringMatching(/^3A[0-9A-F]{18}$/);
const path = (ext: string): unknown => expect.stringMatching(new RegExp(`^statics/media/\\d+-[0-9a-f-]{36}\\.${ext}$`));
const MEDIA_URL = expect.stringMatching(/^https:\/\/mmg\.whatsapp\.net\/.+\.enc/);
const ME = '628100@s.whatsapp.net';
const BOB = '628200@s.whatsapp.net';
const GROUP = '120363000000000001@g.us';
const LID = '251556368777322@lid';

interface StoredRow {
  id: string;
  chat_jid: string;
  sender_jid: string;
  sender_display_name: string;
  content: string;
  is_from_me: boolean;
  media_type: string;
  filename: string;
  url: string;
  file_length: number;
  reactions?: { emoji: string; sender_jid: string; is_from_me: boolean; timestamp: string }[];
}

let hooks: WebhookReceiver;
let sim: SimProcess;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  sim = await startSim({ env: { WHATSAPP_WEBHOOK: hooks.url } });
  await createPairedSlot(sim, 'kinds', { jid: '628100', push_name: 'Me' });
});
afterAll(async () => {
  await cleanupSims();
  await hooks.close();
});

const hookFor = (id: string) => hooks.waitFor((h) => h.json.payload.id === id);

async function stored(chatJid: string, id: string): Promise<StoredRow | undefined> {
  const res = await sim.api<Envelope<{ data: StoredRow[] }>>('GET', `/chat/${encodeURIComponent(chatJid)}/messages?limit=100`);
  return res.json.results?.data.find((row) => row.id === id);
}

/** The common message-family fields of a message from Bob in his 1:1 chat. */
const fromBob = (fields: Record<string, unknown>): Record<string, unknown> => ({
  id: ID, timestamp: RFC3339, is_from_me: false, chat_id: BOB, from: BOB, from_name: 'Bob', sender_display_name: 'Bob', ...fields,
});

describeSim('message kinds: webhook payload and chat storage', () => {
  const bob = { from: '628200', from_name: 'Bob' };
  it.each<[string, Record<string, unknown>, Record<string, unknown>, Partial<Record<keyof StoredRow, unknown>>]>([
    ['text', { ...bob, body: 'hi <there>' }, fromBob({ body: 'hi <there>' }), { content: 'hi <there>', media_type: '' }],
    ['image', { ...bob, type: 'image' }, fromBob({ image: path('jpeg') }),
      { media_type: 'image', content: '', filename: expect.stringMatching(/^image_\d{8}_\d{6}\.jpeg$/), url: MEDIA_URL }],
    ['image with caption', { ...bob, type: 'image', caption: 'look' }, fromBob({ body: 'look', image: { path: path('jpeg'), caption: 'look' } }),
      { media_type: 'image', content: 'look' }],
    ['video with caption', { ...bob, type: 'video', caption: 'watch' }, fromBob({ body: 'watch', video: { path: path('mp4'), caption: 'watch' } }),
      { media_type: 'video', content: 'watch' }],
    ['video note', { ...bob, type: 'video_note' }, fromBob({ video_note: path('mp4') }), { media_type: 'video_note' }],
    ['audio (no caption, even if given)', { ...bob, type: 'audio', caption: 'ignored' }, fromBob({ audio: path('ogg') }), { media_type: 'audio', content: '' }],
    ['document with caption', { ...bob, type: 'document', filename: 'report.pdf', caption: 'Q3' },
      fromBob({ body: 'Q3', document: { path: path('pdf'), caption: 'Q3' } }), { media_type: 'document', filename: 'report.pdf', content: 'Q3' }],
    ['sticker', { ...bob, type: 'sticker' }, fromBob({ sticker: path('webp') }), { media_type: 'sticker' }],
    ['location', { ...bob, type: 'location', latitude: -7.8, longitude: 110.45, location_name: 'Office', address: 'Jl. Malioboro' },
      fromBob({ location: { degreesLatitude: -7.8, degreesLongitude: 110.45, name: 'Office', address: 'Jl. Malioboro' } }),
      { content: '📍 Office, Jl. Malioboro', media_type: '' }],
    ['location without name', { ...bob, type: 'location', latitude: 1.5, longitude: 2.5 },
      fromBob({ location: { degreesLatitude: 1.5, degreesLongitude: 2.5 } }), { content: '📍 1.5, 2.5' }],
    ['contact', { ...bob, type: 'contact', contact_name: 'Carol', contact_phone: '+6281111' },
      fromBob({ contact: { displayName: 'Carol', vcard: 'BEGIN:VCARD\nVERSION:3.0\nN:;Carol;;;\nFN:Carol\nTEL;type=CELL;waid=6281111:+6281111\nEND:VCARD', phone_number: '6281111' } }),
      { content: '👤 Carol' }],
    ['contacts array', { ...bob, type: 'contacts', contacts: [{ name: 'A', phone: '621' }, { name: 'B', phone: '622' }] },
      fromBob({ contacts_array: [
        { displayName: 'A', vcard: expect.stringContaining('waid=621:+621'), phone_number: '621' },
        { displayName: 'B', vcard: expect.stringContaining('FN:B'), phone_number: '622' },
      ] }), { content: '👥 2 contacts shared' }],
    ['poll', { ...bob, type: 'poll', question: 'Lunch?', options: ['Pizza', 'Sushi'], max_answer: 1 },
      fromBob({ body: 'Poll: Lunch?', poll: {
        type: 'creation', poll_id: ID, question: 'Lunch?', selectable_options_count: 1,
        options: [
          { name: 'Pizza', hash: 'f12958816a49adfa2c6c8de8dd2144c163e92c5e375de964d533187c7d236c36' },
          { name: 'Sushi', hash: '670bd9ced0c6bc3fab9bcce97185cdb5a6c6008f0bb7a33c5e432b7faa0e27ed' },
        ],
      } }), { content: '📊 Lunch?' }],
    ['reply, forwarded, view once', { ...bob, body: 'sure', replied_to_id: '3EB0AAAA', quoted_body: 'coffee?', forwarded: true, view_once: true },
      fromBob({ body: 'sure', replied_to_id: '3EB0AAAA', quoted_body: 'coffee?', forwarded: true, view_once: true }), { content: 'sure' }],
  ])('%s', async (_name, body, payload, row) => {
    const [id = ''] = await simIncoming(sim, body);
    const hook = await hookFor(id);
    expect(hook.event).toBe('message');
    expect(hook.json.timestamp).toBeUndefined();
    expect(hook.json.payload).toEqual(payload);
    expect(await stored(BOB, id)).toEqual(expect.objectContaining({
      id, chat_jid: BOB, sender_jid: BOB, sender_display_name: 'Bob', is_from_me: false, ...row,
    }));
  });

  it('media files are real: the webhook path holds the bytes, served at /statics without auth', async () => {
    const data = Buffer.from('%PDF-1.4\nreal bytes');
    const [id = ''] = await simIncoming(sim, { type: 'document', filename: 'a.pdf', data_base64: data.toString('base64') });
    const hook = await hookFor(id);
    const file = String(hook.json.payload.document);
    expect(readFileSync(join(sim.cwd, file))).toEqual(data);
    const served = await sim.api('GET', `/${file}`, undefined, { auth: null });
    expect([served.status, served.text, served.headers.get('content-type')]).toEqual([200, data.toString(), 'application/pdf']);
    expect((await stored('6289876543210@s.whatsapp.net', id))?.file_length).toBe(data.length);
  });
});

describeSim('senders and chats', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, { chat: string; sender: string }]>([
    ['a phone sender that came as a LID', { from: '628200', from_lid: '251556368777322', from_name: 'Bob' },
      { chat_id: BOB, chat_lid: LID, from: BOB, from_lid: LID }, { chat: BOB, sender: BOB }],
    ['a sender known only by its LID', { from: LID, from_name: 'Ghost' },
      { chat_id: LID, chat_lid: LID, from: LID, from_lid: LID }, { chat: LID, sender: LID }],
    ['a group message from a participant', { chat_id: GROUP, chat_name: 'Team', from: '628300', from_name: 'Carl' },
      { chat_id: GROUP, from: '628300@s.whatsapp.net' }, { chat: GROUP, sender: '628300@s.whatsapp.net' }],
    ['a group message from a LID-only participant', { chat_id: GROUP, from: '251556368777399@lid', from_name: 'Dee' },
      { chat_id: GROUP, from: '251556368777399@lid', from_lid: '251556368777399@lid' }, { chat: GROUP, sender: '251556368777399@lid' }],
  ])('%s', async (_name, body, ids, where) => {
    const [id = ''] = await simIncoming(sim, { ...body, body: 'who am I' });
    const hook = await hookFor(id);
    const name = String(body.from_name);
    expect(hook.json.payload).toEqual({
      id, timestamp: RFC3339, is_from_me: false, body: 'who am I', from_name: name, sender_display_name: name, ...ids,
    });
    expect(await stored(where.chat, id)).toEqual(expect.objectContaining({ chat_jid: where.chat, sender_jid: where.sender }));
  });

  it('a group chat takes its name from chat_name, a direct chat from the sender', async () => {
    const chats = await sim.api<Envelope<{ data: { jid: string; name: string }[] }>>('GET', '/chats?limit=100');
    const names = new Map(chats.json.results?.data.map((chat) => [chat.jid, chat.name]));
    expect([names.get(GROUP), names.get(LID)]).toEqual(['Team', 'Ghost']);
  });

  it('a message typed on the phone: is_from_me, from this number, in the recipient chat; chat name kept', async () => {
    const [id = ''] = await simIncoming(sim, { is_from_me: true, chat_id: '628200', body: 'from my phone' });
    expect((await hookFor(id)).json.payload).toEqual({
      id, timestamp: RFC3339, is_from_me: true, chat_id: BOB, from: ME, from_name: 'Me', sender_display_name: 'Me', body: 'from my phone',
    });
    expect(await stored(BOB, id)).toEqual(expect.objectContaining({ sender_jid: ME, is_from_me: true, content: 'from my phone' }));
    const chats = await sim.api<Envelope<{ data: { jid: string; name: string }[] }>>('GET', '/chats?search=Bob');
    expect(chats.json.results?.data.map((chat) => chat.jid)).toContain(BOB);
  });

  it('is_from_me needs the recipient chat', async () => {
    const res = await sim.api('POST', '/_sim/incoming', { is_from_me: true, body: 'x' });
    expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message: 'chat_id: cannot be blank when is_from_me is set.' }]);
  });
});

describeSim('events on an earlier message', () => {
  let target = '';
  beforeAll(async () => {
    [target = ''] = await simIncoming(sim, { from: '628500', from_name: 'Eve', body: 'original', type: 'image', caption: 'original' });
  });
  const EVE = '628500@s.whatsapp.net';
  const common = { timestamp: RFC3339, is_from_me: false, chat_id: EVE, from: EVE, from_name: 'Eve', sender_display_name: 'Eve' };

  it('a reaction → message.reaction; the stored message lists it; an empty emoji removes it', async () => {
    const [id = ''] = await simIncoming(sim, { type: 'reaction', from: '628500', from_name: 'Eve', reacted_message_id: target, reaction: '❤' });
    expect((await hookFor(id)).json).toEqual(expect.objectContaining({
      event: 'message.reaction', payload: { ...common, id, reaction: '❤', reacted_message_id: target },
    }));
    expect((await stored(EVE, target))?.reactions).toEqual([{ emoji: '❤', sender_jid: EVE, is_from_me: false, timestamp: RFC3339 }]);
    const [removed = ''] = await simIncoming(sim, { type: 'reaction', from: '628500', reacted_message_id: target, reaction: '' });
    expect((await hookFor(removed)).json.payload.reaction).toBe('');
    expect((await stored(EVE, target))?.reactions).toBeUndefined();
  });

  it('an edit → message.edited; the stored text changes', async () => {
    const [id = ''] = await simIncoming(sim, { type: 'edited', from: '628500', from_name: 'Eve', original_message_id: target, body: 'edited text' });
    expect((await hookFor(id)).json).toEqual(expect.objectContaining({
      event: 'message.edited', payload: { ...common, id, original_message_id: target, body: 'edited text' },
    }));
    expect((await stored(EVE, target))?.content).toBe('edited text');
  });

  it('a poll vote → message with the resolved poll; an unknown poll is "definition_missing"', async () => {
    const [poll = ''] = await simIncoming(sim, { type: 'poll', from: '628500', question: 'When?', options: ['Mon', 'Tue'], max_answer: 2 });
    const [vote = ''] = await simIncoming(sim, { type: 'poll_vote', from: '628500', from_name: 'Eve', poll_id: poll, selected_options: ['Tue'] });
    const hook = await hookFor(vote);
    expect(hook.event).toBe('message');
    expect(hook.json.payload).toEqual(expect.objectContaining({
      body: 'Poll vote: Tue',
      poll: expect.objectContaining({
        type: 'vote', poll_id: poll, question: 'When?', selected_options: ['Tue'], resolution_status: 'resolved',
        selected_option_hashes: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      }),
    }));
    const [orphan = ''] = await simIncoming(sim, { type: 'poll_vote', poll_id: '3EB0UNKNOWN', selected_options: ['X'] });
    expect((await hookFor(orphan)).json.payload).toEqual(expect.objectContaining({
      body: 'Poll vote: 3EB0UNKNOWN (definition missing)',
      poll: { type: 'vote', poll_id: '3EB0UNKNOWN', selected_options: [], selected_option_hashes: [expect.any(String)], resolution_status: 'definition_missing' },
    }));
  });

  it('a revoke → message.revoked with the chat; the message leaves chat storage', async () => {
    const [victim = ''] = await simIncoming(sim, { from: '628500', body: 'oops' });
    const [id = ''] = await simIncoming(sim, { type: 'revoked', from: '628500', from_name: 'Eve', revoked_message_id: victim });
    expect((await hookFor(id)).json).toEqual(expect.objectContaining({
      event: 'message.revoked', payload: { ...common, id, revoked_message_id: victim, revoked_from_me: false, revoked_chat: EVE },
    }));
    expect(await stored(EVE, victim)).toBeUndefined();
  });

  it('deleted for me on the phone → message.deleted describing the original, which leaves storage', async () => {
    const ids = await simIncoming(sim, { type: 'deleted', deleted_message_id: target });
    expect(ids).toEqual([target]);
    const hook = await hooks.waitFor((h) => h.event === 'message.deleted' && h.json.payload.deleted_message_id === target);
    expect(hook.json.timestamp).toBeUndefined();
    expect(hook.json.payload).toEqual({
      deleted_message_id: target, timestamp: RFC3339, from: ME, sender_display_name: 'Me', chat_id: EVE,
      original_content: 'edited text', original_sender: EVE, original_timestamp: RFC3339, was_from_me: false,
      original_media_type: 'image', original_filename: expect.stringMatching(/^image_.+\.jpeg$/),
    });
    expect(await stored(EVE, target)).toBeUndefined();
  });

  it('deleting a message storage does not have fires nothing (the binary needs the original)', async () => {
    expect(await simIncoming(sim, { type: 'deleted', deleted_message_id: '3AUNKNOWN' })).toEqual([]);
    const [marker = ''] = await simIncoming(sim, { body: 'marker after delete' });
    await hookFor(marker);
    expect(hooks.received.some((h) => h.json.payload.deleted_message_id === '3AUNKNOWN')).toBe(false);
  });

  it('target ids are required', async () => {
    for (const [type, field] of [['reaction', 'reacted_message_id'], ['edited', 'original_message_id'], ['revoked', 'revoked_message_id'],
      ['deleted', 'deleted_message_id'], ['poll_vote', 'poll_id']]) {
      const res = await sim.api('POST', '/_sim/incoming', { type });
      expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message: `${field}: cannot be blank.` }]);
    }
  });
});

describeSim('auto-download off', () => {
  let other: SimProcess;
  let otherHooks: WebhookReceiver;
  beforeAll(async () => {
    otherHooks = await startWebhookReceiver();
    other = await startSim({ env: { WHATSAPP_WEBHOOK: otherHooks.url, WHATSAPP_AUTO_DOWNLOAD_MEDIA: 'false' } });
    await createPairedSlot(other, 'nodl');
  });
  afterAll(() => otherHooks.close());

  it.each([
    ['image', { caption: 'c' }, { url: MEDIA_URL, caption: 'c' }],
    ['video', {}, { url: MEDIA_URL, caption: '' }],
    ['video_note', {}, { url: MEDIA_URL, caption: '' }],
    ['document', { filename: 'x.pdf' }, { url: MEDIA_URL, filename: 'x.pdf' }],
    ['audio', {}, { url: MEDIA_URL }],
    ['sticker', {}, { url: MEDIA_URL }],
  ])('%s → the url object form, and nothing under statics/media', async (type, extra, field) => {
    const [id = ''] = await simIncoming(other, { type, ...extra });
    const hook = await otherHooks.waitFor((h) => h.json.payload.id === id);
    expect(hook.json.payload[type]).toEqual(field);
    const media = join(other.cwd, 'statics/media');
    expect(existsSync(media) ? readdirSync(media) : []).toEqual([]);
  });
});
