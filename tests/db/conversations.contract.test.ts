/** The conversation store's chats on both dialects: list order and pages, unread counts, filters, retention. */
import { describe, expect, it } from '@jest/globals';
import type { ConversationRow } from '../../src/db/schema.js';
import { PgConversationRepository } from '../../src/db/pg/repositories/conversations.js';
import { ConversationRepository } from '../../src/db/repositories/conversations.js';
import { conversationStores, fromPhone, group, history, incoming, person } from '../helpers/conversation-stores.js';
import { DIALECTS, dialectDatabases } from '../helpers/dialects.js';

const open = dialectDatabases('chats');
const A = '5511900000001';
const B = '5511900000002';
const ids = (rows: readonly ConversationRow[]): string[] => rows.map((r) => `${r.phoneNumber}/${r.chatKey}`);
const at = (row: ConversationRow) => ({ lastKey: row.lastKey, phoneNumber: row.phoneNumber, chatKey: row.chatKey });

describe.each(DIALECTS)('chats on %s', (dialect) => {
  it('list newest activity first across numbers, and page back and forward without a gap or a repeat', async () => {
    const { chats, chatReads } = conversationStores(await open(dialect));
    // Same activity time on purpose: ties go by number, then chat id in byte order ('-' before '2').
    await chats.bump(group(A, '1-2'), history(500));
    await chats.bump(group(A, '12'), history(500));
    await chats.bump(person(B, '5511800000001'), incoming(500));
    await chats.bump(person(A, '5511800000002'), incoming(900));
    await chats.bump(person(B, '5511800000003'), incoming(100));
    await chats.bump(person(A, '5511800000004'), incoming(300));
    const all = await chatReads.list({ phoneNumbers: [A, B], limit: 10 });
    const expected = [
      `${A}/5511800000002@s.whatsapp.net`,
      `${B}/5511800000001@s.whatsapp.net`,
      `${A}/12@g.us`,
      `${A}/1-2@g.us`,
      `${A}/5511800000004@s.whatsapp.net`,
      `${B}/5511800000003@s.whatsapp.net`,
    ];
    expect(ids(all)).toEqual(expected);

    const first = await chatReads.list({ phoneNumbers: [A, B], limit: 2 });
    const second = await chatReads.list({ phoneNumbers: [A, B], limit: 2, before: at(first[1] as ConversationRow) });
    const third = await chatReads.list({ phoneNumbers: [A, B], limit: 2, before: at(second[1] as ConversationRow) });
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(expected);
    expect(await chatReads.list({ phoneNumbers: [A, B], limit: 2, before: at(third[1] as ConversationRow) })).toEqual([]);
    // `after` answers the newer ones next to the position, newest first.
    expect(ids(await chatReads.list({ phoneNumbers: [A, B], limit: 2, after: at(third[0] as ConversationRow) }))).toEqual(expected.slice(2, 4));
    expect(ids(await chatReads.list({ phoneNumbers: [A], limit: 10 }))).toEqual(expected.filter((id) => id.startsWith(A)));
    expect(await chatReads.list({ phoneNumbers: [], limit: 10 })).toEqual([]);
  });

  it('a chat with a new message moves to the top; an older backfilled one leaves it in place', async () => {
    const { chats, chatReads } = conversationStores(await open(dialect));
    await chats.bump(person(A, '1'), incoming(100));
    await chats.bump(person(A, '2'), incoming(200));
    await chats.bump(person(A, '1'), incoming(300));
    expect(ids(await chatReads.list({ phoneNumbers: [A], limit: 5 }))).toEqual([`${A}/1@s.whatsapp.net`, `${A}/2@s.whatsapp.net`]);
    const moved = await chats.bump(person(A, '1'), history(50));
    expect(moved.lastKey).toBe(300);
    expect(ids(await chatReads.list({ phoneNumbers: [A], limit: 5, after: { lastKey: 200, phoneNumber: A, chatKey: '2@s.whatsapp.net' } }))).toEqual([`${A}/1@s.whatsapp.net`]);
  });

  it('counts live incoming messages as unread, is read by a message from the phone or a read mark, and sums per number', async () => {
    const { chats, chatReads } = conversationStores(await open(dialect));
    const carla = person(A, '5511800000001', 'Carla');
    expect((await chats.bump(carla, incoming(10))).unread).toBe(1);
    expect((await chats.bump(carla, incoming(20))).unread).toBe(2);
    expect((await chats.bump(carla, history(5))).unread).toBe(2);
    const read = await chats.bump(carla, fromPhone(30));
    expect(read).toMatchObject({ unread: 0, readKey: 30, lastKey: 30 });
    // A message older than the read mark does not count, a newer one does.
    expect((await chats.bump(carla, incoming(25))).unread).toBe(0);
    expect((await chats.bump(carla, incoming(40))).unread).toBe(1);
    await chats.bump(person(A, '5511800000002'), incoming(50));
    await chats.bump(person(A, '5511800000002'), incoming(60));
    await chats.bump(person(A, '5511800000003'), history(70));
    await chats.bump(person(B, '5511800000004'), incoming(80));
    expect((await chatReads.unreadTotals([A, B, '5511900000009'])).sort((x, y) => x.phoneNumber.localeCompare(y.phoneNumber))).toEqual([
      { phoneNumber: A, chats: 2, messages: 3 },
      { phoneNumber: B, chats: 1, messages: 1 },
    ]);
    const marked = await chats.update(A, carla.chatKey, { unread: 0, readKey: 40, updatedAt: 90 });
    expect(marked).toMatchObject({ unread: 0, readKey: 40, lastKey: 40, name: 'Carla' });
    expect(await chatReads.unreadTotals([A])).toEqual([{ phoneNumber: A, chats: 1, messages: 2 }]);
    expect(await chatReads.list({ phoneNumbers: [A], unread: true, limit: 5 })).toHaveLength(1);
    expect(await chatReads.list({ phoneNumbers: [A], unread: false, limit: 5 })).toHaveLength(2);
    expect(await chatReads.unreadTotals([])).toEqual([]);
  });

  it('keeps a chat name and alias once known, and reads back every column as written', async () => {
    const { chats, chatReads } = conversationStores(await open(dialect));
    await chats.bump({ ...person(A, '1'), name: null }, incoming(10));
    await chats.bump({ ...person(A, '1'), name: 'Carla', altJid: '99@lid' }, incoming(20));
    const kept = await chats.bump({ ...person(A, '1'), name: 'Other', altJid: '98@lid' }, incoming(30));
    expect(kept).toEqual({
      phoneNumber: A,
      chatKey: '1@s.whatsapp.net',
      altJid: '99@lid',
      type: 'direct',
      name: 'Carla',
      lastKey: 30,
      unread: 3,
      readKey: 0,
      archived: false,
      pinned: false,
      createdAt: 10,
      updatedAt: 30,
    });
    expect(await chatReads.get(A, '1@s.whatsapp.net')).toEqual(kept);
    expect(await chatReads.byAlt(A, '99@lid')).toEqual(kept);
    expect(await chatReads.byAlt(B, '99@lid')).toBeUndefined();
    expect(await chatReads.merged(A)).toEqual([kept]);
    const big = 1_700_000_000_000 * 2048 + 7;
    const inserted = { ...kept, chatKey: '2@s.whatsapp.net', altJid: null, name: 'Dona', lastKey: big, archived: true, pinned: true };
    await chats.insert(inserted);
    expect(await chatReads.get(A, '2@s.whatsapp.net')).toEqual(inserted);
    expect(await chats.update(A, '3@s.whatsapp.net', { name: 'nobody' })).toBeUndefined();
    expect(await chats.update(A, '2@s.whatsapp.net', {})).toEqual(inserted);
  });

  it('filters by archived, type and a part of the name or JID (case-insensitive, wildcards taken literally)', async () => {
    const { chats, chatReads } = conversationStores(await open(dialect));
    await chats.bump(person(A, '5511800000001', 'Carla Souza'), incoming(10));
    await chats.bump(person(A, '5511800000002', '100% Dona'), incoming(20));
    await chats.bump(group(A, '1203630', 'Team_A'), incoming(30));
    await chats.update(A, '5511800000001@s.whatsapp.net', { archived: true });
    const names = async (q: object) => (await chatReads.list({ phoneNumbers: [A], limit: 10, ...q })).map((r) => r.name);
    expect(await names({ archived: true })).toEqual(['Carla Souza']);
    expect(await names({ archived: false })).toEqual(['Team_A', '100% Dona']);
    expect(await names({ type: 'group' })).toEqual(['Team_A']);
    expect(await names({ search: 'carla' })).toEqual(['Carla Souza']);
    expect(await names({ search: '0%' })).toEqual(['100% Dona']);
    expect(await names({ search: 'm_' })).toEqual(['Team_A']);
    expect(await names({ search: '1203630@g' })).toEqual(['Team_A']);
    expect(await names({ search: 'x%' })).toEqual([]);
  });

  it('forgets a number and chats inactive since a time, and nothing else', async () => {
    const { chats, chatReads } = conversationStores(await open(dialect));
    await chats.bump(person(A, '1'), incoming(10));
    await chats.bump(person(A, '2'), incoming(20));
    await chats.bump(person(B, '3'), incoming(30));
    expect(await chats.deleteInactiveBefore(20)).toBe(1);
    expect(await chats.deleteForNumber(B)).toBe(1);
    await chats.delete(A, '9@s.whatsapp.net');
    expect(ids(await chatReads.list({ phoneNumbers: [A, B], limit: 10 }))).toEqual([`${A}/2@s.whatsapp.net`]);
    await chats.delete(A, '2@s.whatsapp.net');
    expect(await chatReads.get(A, '2@s.whatsapp.net')).toBeUndefined();
  });

  it('writes inside the caller’s transaction: rolled back with it, seen by its own reads', async () => {
    const d = await open(dialect);
    const { chatReads } = conversationStores(d);
    const failure = new Error('the turn failed');
    if (d.dialect === 'sqlite') {
      const db = d.db;
      expect(() =>
        db.transaction(() => {
          const inTurn = new ConversationRepository(db);
          inTurn.bump(person(A, '1'), incoming(10));
          expect(inTurn.get(A, '1@s.whatsapp.net')?.unread).toBe(1);
          throw failure;
        }),
      ).toThrow(failure.message);
    } else {
      await expect(
        d.db.transaction(async (tx) => {
          const inTurn = new PgConversationRepository(tx);
          await inTurn.bump(person(A, '1'), incoming(10));
          expect((await inTurn.get(A, '1@s.whatsapp.net'))?.unread).toBe(1);
          throw failure;
        }),
      ).rejects.toBe(failure);
    }
    expect(await chatReads.get(A, '1@s.whatsapp.net')).toBeUndefined();
  });
});
