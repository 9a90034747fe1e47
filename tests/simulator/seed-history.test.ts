/**
 * `/_sim/seed-history`: synced history written straight into chat storage for backfill tests — counts,
 * the mix of direct, group and `@lid` chats, times within the range, paging a chat to its `total`, no
 * webhooks, idempotence for a seed, downloadable media, and input validation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPairedSlot, createSlot, seedHistory, simIncoming, type SeededHistory } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/sim-webhooks.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

interface Row {
  id: string;
  chat_jid: string;
  sender_jid: string;
  timestamp: string;
  is_from_me: boolean;
  media_type: string;
  content: string;
}
interface Page {
  data: Row[];
  pagination: { limit: number; offset: number; total: number };
}

const START = '2026-01-01T00:00:00Z';
const END = '2026-02-01T00:00:00Z';
const ME = '628100@s.whatsapp.net';

let sim: SimProcess;
let hooks: WebhookReceiver;
let seeded: SeededHistory;

const api = <T>(path: string) => sim.api<Envelope<T>>('GET', path, undefined, { deviceId: 'hist' });

/** Pages a chat the way a backfill does: offset by limit until `total`. */
async function allMessages(jid: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (let offset = 0; ; offset += 15) {
    const page = (await api<Page>(`/chat/${encodeURIComponent(jid)}/messages?limit=15&offset=${offset}`)).json.results;
    rows.push(...(page?.data ?? []));
    if (!page || offset + 15 >= page.pagination.total) return rows;
  }
}

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  sim = await startSim({ env: { WHATSAPP_WEBHOOK: hooks.url } });
  await createPairedSlot(sim, 'hist', { jid: '628100', push_name: 'Me' });
  seeded = await seedHistory(sim, { chats: 50, messages_per_chat: 40, start: START, end: END, seed: 1 }, 'hist');
});
afterAll(async () => {
  await cleanupSims();
  await hooks.close();
});

describeSim('seeding', () => {
  it('answers what it wrote', () => {
    expect(seeded).toEqual({
      chats: 50, messages: 2000, media: expect.any(Number), group_chats: 10, lid_chats: 5,
      chat_jids: expect.any(Array), start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z',
    });
    expect(seeded.media).toBeGreaterThan(100);
    expect(seeded.media).toBeLessThan(350);
    expect(new Set(seeded.chat_jids).size).toBe(50);
    expect(seeded.chat_jids.filter((jid) => jid.endsWith('@g.us'))).toHaveLength(10);
    expect(seeded.chat_jids.filter((jid) => jid.endsWith('@lid'))).toHaveLength(5);
    expect(seeded.chat_jids.filter((jid) => jid.endsWith('@s.whatsapp.net'))).toHaveLength(35);
  });

  it('/chats lists every seeded chat with its name', async () => {
    const list = (await api<{ data: { jid: string; name: string }[]; pagination: { total: number } }>('/chats?limit=100')).json.results;
    expect(list?.pagination.total).toBe(50);
    expect(new Set(list?.data.map((chat) => chat.jid))).toEqual(new Set(seeded.chat_jids));
    expect(list?.data.find((chat) => chat.jid.endsWith('@g.us'))?.name).toMatch(/^Seed Group \d+$/);
  });

  it('paging a chat by offset to its total returns every message once, newest first, within the range', async () => {
    for (const jid of [seeded.chat_jids[0] ?? '', seeded.chat_jids[12] ?? '', seeded.chat_jids[49] ?? '']) {
      const rows = await allMessages(jid);
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((row) => row.id)).size).toBe(40);
      const times = rows.map((row) => row.timestamp);
      expect([...times].sort().reverse()).toEqual(times);
      expect(times.every((t) => t >= START && t <= END)).toBe(true);
      expect(rows.every((row) => row.chat_jid === jid)).toBe(true);
    }
  });

  it('groups have several senders, some known only by @lid; messages this number sent carry its JID', async () => {
    const group = await allMessages(seeded.chat_jids[0] ?? '');
    const senders = new Set(group.filter((row) => !row.is_from_me).map((row) => row.sender_jid));
    expect(senders.size).toBeGreaterThanOrEqual(2);
    expect([...senders].some((jid) => jid.endsWith('@lid'))).toBe(true);
    const mine = group.filter((row) => row.is_from_me);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((row) => row.sender_jid === ME && /^3EB0/.test(row.id))).toBe(true);
    const lidChat = await allMessages(seeded.chat_jids[10] ?? '');
    expect(lidChat.filter((row) => !row.is_from_me).every((row) => row.sender_jid === seeded.chat_jids[10])).toBe(true);
  });

  it('seeded media can be downloaded', async () => {
    const withMedia = await api<Page>(`/chat/${seeded.chat_jids[20]}/messages?media_only=true&limit=1`);
    const row = withMedia.json.results?.data[0];
    expect(row?.media_type).toMatch(/^(image|video|audio|document|sticker|video_note)$/);
    const phone = (row?.chat_jid ?? '').split('@')[0];
    const res = await api<{ media_type: string; file_size: number }>(`/message/${row?.id}/download?phone=${phone}`);
    expect(res.json.results).toEqual(expect.objectContaining({ media_type: row?.media_type, file_size: 2048 }));
  });

  it('fires no webhooks (history sync is silent)', async () => {
    const [marker = ''] = await simIncoming(sim, { body: 'after the seed' }, 'hist');
    await hooks.waitFor((h) => h.json.payload.id === marker);
    expect(hooks.received.map((h) => h.json.payload.id)).toEqual([marker]);
  });

  it('the same seed writes the same rows again (no duplicates); another seed adds other chats', async () => {
    const again = await seedHistory(sim, { chats: 50, messages_per_chat: 40, start: START, end: END, seed: 1 }, 'hist');
    expect(again.chat_jids).toEqual(seeded.chat_jids);
    expect((await api<Page>(`/chat/${seeded.chat_jids[3]}/messages`)).json.results?.pagination.total).toBe(40);
    await seedHistory(sim, { chats: 5, messages_per_chat: 2, seed: 2 }, 'hist');
    expect((await api<{ pagination: { total: number } }>('/chats')).json.results?.pagination.total).toBe(56);
  });

  it('writes tens of thousands of rows in one call', async () => {
    const big = await seedHistory(sim, { chats: 200, messages_per_chat: 100, seed: 3, media_ratio: 0.05 }, 'hist');
    expect(big.messages).toBe(20_000);
    expect((await api<Page>(`/chat/${big.chat_jids[199]}/messages?limit=1`)).json.results?.pagination.total).toBe(100);
  });
});

describeSim('validation', () => {
  it.each([
    [{ chats: 0 }, 'chats: must be between 1 and 10000.'],
    [{ chats: 10, messages_per_chat: 10_001 }, 'messages_per_chat: must be between 1 and 10000.'],
    [{ chats: 1000, messages_per_chat: 1000 }, 'messages_per_chat: chats × messages_per_chat must be at most 200000.'],
    [{ media_ratio: 2 }, 'media_ratio: must be between 0 and 1.'],
    [{ group_ratio: 0.7, lid_ratio: 0.5 }, 'lid_ratio: must be between 0 and 1 - group_ratio.'],
    [{ seed: 1000 }, 'seed: must be an integer between 0 and 999.'],
    [{ start: END, end: START }, 'start: must be at least messages_per_chat milliseconds before end.'],
    [{ start: 'yesterday' }, 'start: must be an RFC 3339 time.'],
  ])('%j → 400', async (body, message) => {
    const res = await sim.api('POST', '/_sim/seed-history', body, { deviceId: 'hist' });
    expect([res.status, res.json]).toEqual([400, { code: 'VALIDATION_ERROR', message }]);
  });

  it('needs a logged-in slot, like history sync', async () => {
    await createSlot(sim, 'unpaired');
    const res = await sim.api('POST', '/_sim/seed-history', {}, { deviceId: 'unpaired' });
    expect([res.status, res.json]).toEqual([500, { code: 'INVALID_WA_CLI', message: 'your WhatsApp CLI is invalid or empty' }]);
  });
});
