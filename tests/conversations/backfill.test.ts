/**
 * History backfill from the children: after a number pairs, its chats and messages (HISTORY_SYNC_DAYS back) are
 * paged into the store; a second sync adds nothing; progress is reported over REST and Socket.IO; two numbers
 * syncing at once take turns, so a big history does not hold up a small one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { childClient, pair, registerRunning } from '../realtime/sim.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';
import { chatsOf, messagesOf } from './store-helpers.js';

const PHONE = '5511946000001';
const BIG = '5511946000002';
const SMALL = '5511946000003';

interface Progress {
  state: string;
  chatsTotal: number | null;
  chatsDone: number;
  messagesSeen: number;
  messagesAdded: number;
  finishedAt: string | null;
}

let gw: TestGateway;
let socket: TestClient;

const progress = async (phone: string): Promise<Progress> => (await gw.request<Progress>('GET', `/api/devices/${phone}/chats/sync`)).body;
const finished = (phone: string, after?: string | null) =>
  waitFor(async () => {
    const p = await progress(phone);
    return p.state === 'done' && p.finishedAt !== after ? p : null;
  }, { timeoutMs: 30_000, what: `history sync of ${phone} done` });

async function seed(phone: string, body: Record<string, unknown>): Promise<{ chats: number; messages: number; chat_jids: string[] }> {
  const res = await childClient(gw, phone).request<{ chats: number; messages: number; chat_jids: string[] }>('POST', '/_sim/seed-history', { body });
  if (!res.results) throw new Error('seed-history failed');
  return res.results;
}

function storedCount(phone: string): number {
  return gw.gateway.database.sqlite.prepare('SELECT count(*) FROM conversation_messages WHERE phone_number = ?').pluck().get(phone) as number;
}

beforeAll(async () => {
  // The stand-in writes history at once; WhatsApp pushes it to a new device over a while, which HISTORY_SYNC_DELAY waits for.
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '30', HISTORY_SYNC_DELAY: '1500', HISTORY_SYNC_CONCURRENCY: '1' } });
  socket = await connectClient(gw.url, await gw.token());
});
afterAll(async () => {
  socket.close();
  await gw.close();
});

describe('after pairing', () => {
  let seeded: { chats: number; messages: number; chat_jids: string[] };

  it('fills the store with the chats and messages of the last HISTORY_SYNC_DAYS', async () => {
    await registerRunning(gw, PHONE);
    expect((await socket.join({ room: `device-${PHONE}` })).ok).toBe(true);
    expect((await progress(PHONE)).state).toBe('none');
    await pair(gw, PHONE);
    seeded = await seed(PHONE, { chats: 6, messages_per_chat: 25, group_ratio: 0.34, lid_ratio: 0.17, media_ratio: 0.2, seed: 7 });
    // A chat older than the window is not fetched.
    const old = new Date(Date.now() - 60 * 86_400_000);
    await seed(PHONE, { chats: 1, messages_per_chat: 5, seed: 8, start: new Date(old.getTime() - 3_600_000).toISOString(), end: old.toISOString() });
    const done = await finished(PHONE);
    expect(done).toMatchObject({ chatsTotal: 6, chatsDone: 6, messagesAdded: 150 });
    expect(storedCount(PHONE)).toBe(150);
    const chats = await chatsOf(gw, PHONE, 'limit=200');
    expect(chats.data.map((c) => c.id).sort()).toEqual([...seeded.chat_jids].sort());
    expect(chats.data.filter((c) => c.type === 'group')).toHaveLength(2);
    expect(chats.data.filter((c) => c.id.endsWith('@lid'))).toHaveLength(1);
    // History counts as read, and is marked as history.
    expect(chats.data.every((c) => c.unread === 0)).toBe(true);
    const group = chats.data.find((c) => c.type === 'group');
    const page = await messagesOf(gw, PHONE, group?.id ?? '', 'limit=200');
    expect(page.data).toHaveLength(25);
    expect(page.data.every((m) => m.source === 'backfill')).toBe(true);
    expect(new Set(page.data.filter((m) => !m.fromMe).map((m) => m.sender?.jid)).size).toBeGreaterThan(1);
    // Progress went out in the number's stream.
    const events = socket.all('device-websocket-message', (d) => d.message.type === 'sync').map((d) => (d.message as unknown as Progress).state);
    expect(events[0]).toBe('running');
    expect(events.at(-1)).toBe('done');
  });

  it('searches the file names of history messages', async () => {
    const res = await gw.request<{ data: { message: { phoneNumber: string; media: { fileName: string | null } | null } }[] }>('GET', '/api/search/messages?q=document*');
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((h) => h.message.media?.fileName?.startsWith('document-'))).toBe(true);
  });

  it('adds nothing on a second sync', async () => {
    const before = await progress(PHONE);
    const queued = await gw.request<Progress>('POST', `/api/devices/${PHONE}/chats/sync`, { body: {} });
    expect(queued.status).toBe(202);
    expect(['queued', 'running']).toContain(queued.body.state);
    const again = await finished(PHONE, before.finishedAt);
    expect(again).toMatchObject({ messagesSeen: 150, messagesAdded: 0 });
    expect(storedCount(PHONE)).toBe(150);
  });
});

describe('fairness', () => {
  it('lets a small history finish while a big one is still being paged', async () => {
    await registerRunning(gw, BIG);
    await registerRunning(gw, SMALL);
    await pair(gw, BIG);
    await pair(gw, SMALL);
    await seed(BIG, { chats: 40, messages_per_chat: 30, seed: 11 });
    await seed(SMALL, { chats: 2, messages_per_chat: 10, seed: 12 });
    await Promise.all([finished(BIG).catch(() => null), finished(SMALL)]);
    const small = await progress(SMALL);
    const big = await finished(BIG);
    expect(small.messagesAdded).toBe(20);
    expect(big.messagesAdded).toBe(1200);
    expect(Date.parse(small.finishedAt ?? '')).toBeLessThan(Date.parse(big.finishedAt ?? ''));
  });
});
