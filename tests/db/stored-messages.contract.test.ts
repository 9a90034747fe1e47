/** The conversation store's messages on both dialects: ids and keys, history pages, merged threads, unread, retention. */
import { describe, expect, it } from '@jest/globals';
import type { NewStoredMessage, StoredMessageReads, StoredMessageWrites } from '../../src/db/ports/stored-messages.js';
import { PgStoredMessageRepository } from '../../src/db/pg/repositories/stored-messages.js';
import { StoredMessageRepository } from '../../src/db/repositories/stored-messages.js';
import { KEY_SLOTS, keyOfTime } from '../../src/db/repositories/stored-message-rows.js';
import type { StoredMessageRow } from '../../src/db/schema.js';
import { messagePage } from '../../src/conversations/message-pages.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('history');
const A = '5511900000001';
const CARLA = '5511800000001@s.whatsapp.net';
const T0 = 1_764_000_000_000;

function storesOf(d: TestDatabase): { writes: StoredMessageWrites<'sync'> | StoredMessageWrites<'async'>; reads: StoredMessageReads } {
  if (d.dialect === 'sqlite') {
    const repo = new StoredMessageRepository(d.db);
    return { writes: repo, reads: repo.reads };
  }
  const repo = new PgStoredMessageRepository(d.db);
  return { writes: repo, reads: repo };
}

const message = (n: number, over: Partial<NewStoredMessage> = {}): NewStoredMessage => ({
  outboxId: null,
  phoneNumber: A,
  chatKey: CARLA,
  chatJid: null,
  waId: `3A${String(n).padStart(4, '0')}`,
  direction: 'in',
  type: 'text',
  senderJid: CARLA,
  senderLid: null,
  senderName: 'Carla',
  text: `message ${n}`,
  fileName: null,
  media: null,
  content: null,
  status: 'received',
  error: null,
  at: T0 + n * 1000,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  editedAt: null,
  deletedAt: null,
  source: 'live',
  createdAt: T0,
  updatedAt: T0,
  ...over,
});
const texts = (rows: readonly StoredMessageRow[]): (string | null)[] => rows.map((r) => r.text);

describe.each(DIALECTS)('stored messages on %s', (dialect) => {
  it('take time-ordered keys (a full millisecond spills over), public ids, and are found by id, key and WhatsApp id', async () => {
    const d = await open(dialect);
    const { writes, reads } = storesOf(d);
    const first = await writes.insert(T0, message(1));
    const second = await writes.insert(T0, message(2));
    const sent = await writes.insert(T0, message(3, { outboxId: 'msg_abc', direction: 'out', status: 'queued', waId: null }));
    expect([first.key, second.key, sent.key]).toEqual([keyOfTime(T0), keyOfTime(T0) + 1, keyOfTime(T0) + 2]);
    expect(first.id).toBe(`m${first.key.toString(36)}`);
    expect(sent.id).toBe('msg_abc');
    expect(await reads.byId(first.id)).toEqual(first);
    expect(await reads.byId('msg_abc')).toEqual(sent);
    expect(await reads.byId('msg_missing')).toBeUndefined();
    expect(await writes.byWaId(A, '3A0002')).toEqual(second);
    expect((await writes.byWaIds(A, ['3A0001', '3A0002', '3A9999'])).map((r) => r.key).sort()).toEqual([first.key, second.key]);
    expect([...(await reads.byKeys([second.key, 1])).keys()]).toEqual([second.key]);
    expect(await refusal(Promise.resolve().then(() => writes.insert(T0, message(1))))).toMatch(/unique|duplicate/i);
    // A millisecond whose last key is taken stores in the next one.
    const full = keyOfTime(T0 + 5);
    await d.fixture(
      'INSERT INTO conversation_messages (key, phone_number, chat_key, direction, type, status, at, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [full + KEY_SLOTS - 1, A, CARLA, 'in', 'text', 'received', T0 + 5, 'live', T0, T0],
    );
    expect((await writes.insert(T0 + 5, message(99))).key).toBe(keyOfTime(T0 + 6));
    expect(await reads.count()).toBe(5);
  });

  it('stored at once in one millisecond (several gateways writing), each message gets a key of its own', async () => {
    const { writes, reads } = storesOf(await open(dialect));
    const stored = await Promise.all(Array.from({ length: 24 }, (_, n) => writes.insert(T0, message(n, { phoneNumber: `55119000000${10 + (n % 3)}` }))));
    expect(new Set(stored.map((r) => r.key)).size).toBe(24);
    expect(stored.every((r) => r.key >= keyOfTime(T0) && r.key < keyOfTime(T0) + KEY_SLOTS)).toBe(true);
    expect(await reads.count()).toBe(24);
  });

  it('page a chat newest first, back with `before`, forward with `after` and around a message, without gaps or repeats', async () => {
    const { writes, reads } = storesOf(await open(dialect));
    const rows: StoredMessageRow[] = [];
    for (let n = 1; n <= 7; n++) rows.push(await writes.insert(T0 + n * 1000, message(n)));
    await writes.insert(T0 + 8000, message(8, { chatKey: '5511800000002@s.whatsapp.net' }));
    const filter = { phoneNumber: A, chatKey: CARLA };
    const newest = await messagePage(reads, filter, { kind: 'newest' }, 3);
    expect(texts(newest.rows)).toEqual(['message 7', 'message 6', 'message 5']);
    expect(newest.page).toMatchObject({ hasBefore: true, hasAfter: false });
    const older = await messagePage(reads, filter, { kind: 'before', key: (newest.rows[2] as StoredMessageRow).key }, 3);
    expect(texts(older.rows)).toEqual(['message 4', 'message 3', 'message 2']);
    expect(older.page).toMatchObject({ hasBefore: true, hasAfter: true });
    const oldest = await messagePage(reads, filter, { kind: 'before', key: (older.rows[2] as StoredMessageRow).key }, 3);
    expect(texts(oldest.rows)).toEqual(['message 1']);
    expect(oldest.page.hasBefore).toBe(false);
    const newer = await messagePage(reads, filter, { kind: 'after', key: (oldest.rows[0] as StoredMessageRow).key }, 2);
    expect(texts(newer.rows)).toEqual(['message 3', 'message 2']);
    expect(newer.page).toMatchObject({ hasBefore: true, hasAfter: true });
    const around = await messagePage(reads, filter, { kind: 'around', message: rows[3] as StoredMessageRow }, 3);
    expect(texts(around.rows)).toEqual(['message 5', 'message 4', 'message 3']);
  });

  it('filter a page by direction, type, media and time, and keep every column as written', async () => {
    const { writes, reads } = storesOf(await open(dialect));
    const media = { kind: 'image', mime: 'image/jpeg', size: 1234, url: 'statics/media/a.jpg', zeta: 1, alpha: 'nul \u0000 kept' };
    const image = await writes.insert(T0 + 1000, message(1, { type: 'image', media, text: 'a caption', content: { quoted: { id: '3A0000' }, forwarded: true } }));
    await writes.insert(T0 + 2000, message(2, { direction: 'out', status: 'sent', senderJid: null }));
    await writes.insert(T0 + 3000, message(3));
    const page = (q: object) => reads.page({ phoneNumber: A, chatKey: CARLA, limit: 10, order: 'desc', ...q });
    expect(texts(await page({ direction: 'out' }))).toEqual(['message 2']);
    expect(texts(await page({ types: ['image', 'video'] }))).toEqual(['a caption']);
    expect(texts(await page({ hasMedia: false }))).toEqual(['message 3', 'message 2']);
    expect(texts(await page({ fromKey: keyOfTime(T0 + 2000), toKey: keyOfTime(T0 + 2000) + KEY_SLOTS - 1 }))).toEqual(['message 2']);
    expect(texts(await page({ order: 'asc', limit: 2 }))).toEqual(['a caption', 'message 2']);
    const [read] = await page({ hasMedia: true });
    expect(read).toEqual(image);
    expect(Object.keys(read?.media ?? {})).toEqual(Object.keys(media));
    const edited = await writes.update(image.key, { text: 'edited', content: { originalText: 'a caption' }, editedAt: T0 + 9000, updatedAt: T0 + 9000 });
    expect(edited).toMatchObject({ text: 'edited', content: { originalText: 'a caption' }, editedAt: T0 + 9000, media });
    expect(await writes.update(image.key, {})).toEqual(edited);
    await writes.delete(image.key);
    expect(await reads.byKey(image.key)).toBeUndefined();
  });

  it('count unread after a read mark, list the receipts to send, and show a merged chat’s two threads apart', async () => {
    const { writes, reads } = storesOf(await open(dialect));
    await writes.insert(T0 + 1000, message(1, { chatKey: '77@lid' }));
    await writes.insert(T0 + 2000, message(2, { chatKey: '77@lid', waId: null }));
    const mine = await writes.insert(T0 + 3000, message(3, { direction: 'out', status: 'sent' }));
    await writes.insert(T0 + 4000, message(4, { source: 'backfill' }));
    const last = await writes.insert(T0 + 5000, message(5));
    expect(await writes.moveChat(A, '77@lid', CARLA)).toBe(2);
    const all = await reads.page({ phoneNumber: A, chatKey: CARLA, limit: 10, order: 'asc' });
    expect(all.map((r) => r.chatJid)).toEqual(['77@lid', '77@lid', null, null, null]);
    expect(texts(await reads.page({ phoneNumber: A, chatKey: CARLA, chatJid: '77@lid', limit: 10, order: 'desc' }))).toEqual(['message 2', 'message 1']);
    const threads = (await reads.threadsOf(A, CARLA, 0)).sort((x, y) => x.jid.localeCompare(y.jid));
    expect(threads).toEqual([
      { jid: CARLA, lastKey: last.key, unread: 1 },
      { jid: '77@lid', lastKey: (all[1] as StoredMessageRow).key, unread: 2 },
    ]);
    expect(await writes.unreadAfter(A, CARLA, 0)).toBe(3);
    expect(await writes.unreadAfter(A, CARLA, mine.key)).toBe(1);
    expect(texts(await reads.unreadMessages(A, CARLA, 0, 10))).toEqual(['message 5', 'message 1']);
    expect(texts(await reads.unreadMessages(A, CARLA, 0, 1))).toEqual(['message 5']);
  });

  it('forget messages before a time and a number’s messages, and write inside the caller’s transaction', async () => {
    const d = await open(dialect);
    const { writes, reads } = storesOf(d);
    await writes.insert(T0 + 1000, message(1));
    await writes.insert(T0 + 2000, message(2));
    await writes.insert(T0 + 3000, message(3, { phoneNumber: '5511900000002' }));
    expect(await writes.deleteBefore(keyOfTime(T0 + 2000))).toBe(1);
    expect(await writes.deleteForNumber('5511900000002')).toBe(1);
    expect(await reads.count()).toBe(1);
    const failure = new Error('the turn failed');
    if (d.dialect === 'sqlite') {
      const db = d.db;
      expect(() =>
        db.transaction(() => {
          new StoredMessageRepository(db).insert(T0 + 4000, message(4));
          throw failure;
        }),
      ).toThrow(failure.message);
    } else {
      await expect(
        d.db.transaction(async (tx) => {
          await new PgStoredMessageRepository(tx).insert(T0 + 4000, message(4));
          throw failure;
        }),
      ).rejects.toBe(failure);
    }
    expect(await reads.count()).toBe(1);
  });
});
