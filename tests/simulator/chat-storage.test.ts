/**
 * Chat storage (§7 "Chat"): `/chats` and `/chat/{jid}/messages` paging, filters and validation as the
 * binary's chat handlers do them, `/chat/{jid}/archive` and `/pin`, storage per slot, and persistence
 * across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPairedSlot, createSlot, seedHistory, simActions, simIncoming } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

interface Chat {
  jid: string;
  name: string;
  last_message_time: string;
  ephemeral_expiration: number;
  created_at: string;
  updated_at: string;
  archived: boolean;
}
interface ChatList {
  data: Chat[];
  pagination: { limit: number; offset: number; total: number };
}
interface Message {
  id: string;
  content: string;
  timestamp: string;
  is_from_me: boolean;
  media_type: string;
}
interface MessagePage {
  data: Message[];
  pagination: { limit: number; offset: number; total: number };
  chat_info: Chat;
}

const ALPHA = '628201@s.whatsapp.net';
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString().replace('.000', '');

let sim: SimProcess;
/** Alpha's messages, oldest first. */
const alpha: string[] = [];

const chats = (query = '') => sim.api<Envelope<ChatList>>('GET', `/chats${query}`, undefined, { deviceId: 'store' });
const page = (query = '', jid = ALPHA) => sim.api<Envelope<MessagePage>>('GET', `/chat/${jid}/messages${query}`, undefined, { deviceId: 'store' });

beforeAll(async () => {
  sim = await startSim();
  await createPairedSlot(sim, 'store', { jid: '628100', push_name: 'Me' });
  const steps: Record<string, unknown>[] = [
    { body: 'hello there' },
    { type: 'image', caption: 'a photo' },
    { is_from_me: true, chat_id: '628201', body: 'my answer' },
    { type: 'document', filename: 'invoice.pdf' },
    { body: 'refund please' },
    { is_from_me: true, chat_id: '628201', body: 'refund sent' },
  ];
  for (const [minute, step] of steps.entries()) {
    const [id = ''] = await simIncoming(sim, { from: '628201', from_name: 'Alpha Customer', timestamp: at(minute), ...step });
    alpha.push(id);
  }
  await simIncoming(sim, { from: '628202', from_name: 'Beta', body: 'text only', timestamp: at(10) });
  await seedHistory(sim, { chats: 30, messages_per_chat: 2, start: at(-600), end: at(-60), media_ratio: 0, seed: 7 });
});
afterAll(cleanupSims);

describeSim('GET /chats', () => {
  it('answers the binary\'s shape, newest activity first, 25 by default', async () => {
    const res = await chats();
    expect(res.json.message).toBe('Success get chat list');
    const list = res.json.results;
    expect(list?.pagination).toEqual({ limit: 25, offset: 0, total: 32 });
    expect(list?.data).toHaveLength(25);
    expect(list?.data[0]).toEqual({
      jid: '628202@s.whatsapp.net', name: 'Beta', last_message_time: at(10), ephemeral_expiration: 0,
      created_at: expect.any(String), updated_at: expect.any(String), archived: false,
    });
    expect(list?.data[1]?.jid).toBe(ALPHA);
    const times = list?.data.map((chat) => chat.last_message_time) ?? [];
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('offset pages cover every chat once', async () => {
    const first = (await chats('?limit=20')).json.results?.data ?? [];
    const second = (await chats('?limit=20&offset=20')).json.results?.data ?? [];
    expect(second).toHaveLength(12);
    expect(new Set([...first, ...second].map((chat) => chat.jid)).size).toBe(32);
  });

  it.each([
    ['?limit=100', 100],
    ['?limit=0', 25],
    ['?limit=abc', 25],
    ['?limit=', 25],
  ])('%s → limit %i', async (query, limit) => {
    const res = await chats(query);
    expect([res.status, res.json.results?.pagination.limit]).toEqual([200, limit]);
  });

  it('search matches the chat name (not the JID)', async () => {
    expect((await chats('?search=alpha')).json.results?.data.map((c) => c.jid)).toEqual([ALPHA]);
    expect((await chats('?search=628201')).json.results?.pagination.total).toBe(0);
  });

  it('has_media keeps chats with media messages', async () => {
    expect((await chats('?has_media=true')).json.results?.data.map((c) => c.jid)).toEqual([ALPHA]);
  });
});

describeSim('paging validation (both list routes)', () => {
  it.each([
    ['?limit=101', 'limit: must be no greater than 100.'],
    ['?limit=-1', 'limit: must be no less than 1.'],
    ['?offset=-5', 'offset: must be no less than 0.'],
    ['?limit=500&offset=-1', 'limit: must be no greater than 100; offset: must be no less than 0.'],
  ])('%s → 400 %s', async (query, message) => {
    for (const res of [await chats(query), await page(query)]) {
      expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message }]);
    }
  });
});

describeSim('GET /chat/{jid}/messages', () => {
  it('newest first, 50 by default, with chat_info; total is every message of the chat', async () => {
    const res = await page();
    expect(res.json.message).toBe('Success get chat messages');
    expect(res.json.results?.data.map((m) => m.id)).toEqual([...alpha].reverse());
    expect(res.json.results?.pagination).toEqual({ limit: 50, offset: 0, total: 6 });
    expect(res.json.results?.chat_info).toEqual(expect.objectContaining({ jid: ALPHA, name: 'Alpha Customer', last_message_time: at(5) }));
  });

  it.each<[string, number[]]>([
    ['?limit=2', [5, 4]],
    ['?limit=2&offset=2', [3, 2]],
    ['?limit=2&offset=6', []],
    [`?start_time=${at(2)}&end_time=${at(4)}`, [4, 3, 2]],
    [`?start_time=${encodeURIComponent('2026-03-01T12:03:00+02:00')}`, [5, 4, 3]],
    ['?media_only=true', [3, 1]],
    ['?is_from_me=true', [5, 2]],
    ['?is_from_me=false', [4, 3, 1, 0]],
    ['?is_from_me=false&media_only=1', [3, 1]],
    ['?search=refund', [5, 4]],
    // The binary's text search honours only the limit.
    ['?search=refund&limit=1&offset=1&is_from_me=false', [5]],
  ])('%s', async (query, indexes) => {
    const res = await page(query);
    expect(res.status).toBe(200);
    expect(res.json.results?.data.map((m) => m.id)).toEqual(indexes.map((i) => alpha[i]));
    expect(res.json.results?.pagination.total).toBe(6);
  });

  it('a percent-encoded JID is accepted', async () => {
    expect((await page('', encodeURIComponent(ALPHA))).json.results?.data).toHaveLength(6);
  });

  it.each([
    ['an unknown chat', '/chat/628999@s.whatsapp.net/messages', 'chat with JID 628999@s.whatsapp.net not found'],
    ['a bare number (no such chat JID)', '/chat/628201/messages', 'chat with JID 628201 not found'],
    ['a time that is not RFC 3339', `/chat/${ALPHA}/messages?start_time=2026-03-01`,
      'invalid start_time format: parsing time "2026-03-01" as "2006-01-02T15:04:05Z07:00"'],
  ])('%s → 500 INTERNAL_SERVER_ERROR', async (_name, path, message) => {
    const res = await sim.api('GET', path);
    expect([res.status, res.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message }]);
  });

  it('a malformed JID → 400 BAD_REQUEST', async () => {
    const res = await sim.api('GET', '/chat/a@b@c/messages');
    expect([res.status, res.json]).toEqual([400, { code: 'BAD_REQUEST', message: 'invalid chat JID' }]);
  });
});

describeSim('archive and pin', () => {
  it.each([
    ['archive', { archived: true }, 'Chat archived successfully', 'archive'],
    ['archive', { archived: false }, 'Chat unarchived successfully', 'unarchive'],
    ['pin', { pinned: true }, 'Chat pinned successfully', 'pin'],
    ['pin', { pinned: false }, 'Chat unpinned successfully', 'unpin'],
  ])('/chat/{jid}/%s %j', async (route, body, message, kind) => {
    const res = await sim.api('POST', `/chat/${ALPHA}/${route}`, body);
    expect(res.json).toEqual({ code: 'SUCCESS', message, results: { status: 'success', message, chat_jid: ALPHA, ...body } });
    expect((await simActions(sim, kind)).at(-1)).toEqual(expect.objectContaining({ kind, chat_jid: ALPHA, message_id: '' }));
  });

  it('archived chats are flagged and filtered with ?archived=', async () => {
    await sim.api('POST', `/chat/${ALPHA}/archive`, { archived: true });
    const archived = (await chats('?archived=true')).json.results;
    expect(archived?.data.map((c) => [c.jid, c.archived])).toEqual([[ALPHA, true]]);
    expect((await chats('?archived=false&limit=100')).json.results?.data.map((c) => c.jid)).not.toContain(ALPHA);
    await sim.api('POST', `/chat/${ALPHA}/archive`, { archived: false });
    expect((await chats('?archived=true')).json.results?.pagination.total).toBe(0);
  });

  it('a wrongly typed body → 400 BAD_REQUEST; a slot without a client → 500 INVALID_WA_CLI', async () => {
    const bad = await sim.api('POST', `/chat/${ALPHA}/archive`, { archived: 'yes' });
    expect([bad.status, bad.json]).toEqual([400, { code: 'BAD_REQUEST', message: 'Invalid request body' }]);
    await createSlot(sim, 'fresh');
    const fresh = await sim.api('POST', `/chat/${ALPHA}/pin`, { pinned: true }, { deviceId: 'fresh' });
    expect([fresh.status, fresh.json]).toEqual([500, { code: 'INVALID_WA_CLI', message: 'your WhatsApp CLI is invalid or empty' }]);
  });
});

describeSim('storage per slot, kept across restarts', () => {
  it('another slot sees none of these chats', async () => {
    const res = await sim.api<Envelope<ChatList>>('GET', '/chats', undefined, { deviceId: 'fresh' });
    expect(res.json.results).toEqual({ data: [], pagination: { limit: 25, offset: 0, total: 0 } });
  });

  it('reading needs no WhatsApp connection, and history survives a restart', async () => {
    const before = (await page()).json.results;
    expect(before?.data).toHaveLength(6);
    await sim.stop();
    // Paired slots reconnect only after this delay; the chat routes answer before that.
    sim = await startSim({ cwd: sim.cwd, env: { SIM_AUTOCONNECT_DELAY_MS: '600000' } });
    const status = await sim.api<Envelope<{ is_connected: boolean }>>('GET', '/app/status', undefined, { deviceId: 'store' });
    expect(status.json.results?.is_connected).toBe(false);
    expect((await page()).json.results).toEqual(before);
  });
});
