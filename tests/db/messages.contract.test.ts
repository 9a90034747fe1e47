/** The durable outbox, the same on both dialects: accepted once, sent oldest first, moved only forwards. */
import { describe, expect, it } from '@jest/globals';
import type { MessageStore, NewMessage } from '../../src/db/ports/messages.js';
import { PgMessageRepository } from '../../src/db/pg/repositories/messages.js';
import { sqliteMessageStore } from '../../src/db/repositories/sqlite-ports.js';
import { MessageRepository } from '../../src/db/repositories/messages.js';
import { uuid7Source } from '../../src/lib/uuid7.js';
import { auditOn, deviceRow } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('outbox');
const storeOf = (d: TestDatabase): MessageStore => (d.dialect === 'sqlite' ? sqliteMessageStore(new MessageRepository(d.db), d.db) : new PgMessageRepository(d.db));
const A = '5511900000001';
const B = '5511900000002';
const TO = '5511988887777@s.whatsapp.net';

/** Messages as the outbox accepts them: time-ordered ids, `at` their accept time. */
function accepting() {
  let t = 1000;
  const ids = uuid7Source(() => t);
  return (phoneNumber: string, at: number, extra: Partial<NewMessage> = {}): NewMessage => {
    t = at;
    return { id: ids(), phoneNumber, recipient: TO, kind: 'text', payload: { text: `at ${at}`, nested: { list: [at] } }, createdAt: at, updatedAt: at, ...extra };
  };
}

async function withNumbers(dialect: (typeof DIALECTS)[number]) {
  const d = await open(dialect);
  await deviceRow(d, A);
  await deviceRow(d, B);
  return { d, outbox: storeOf(d), message: accepting() };
}

describe.each(DIALECTS)('the outbox on %s', (dialect) => {
  it('accepts a message once per idempotency key and number, with its audit row only the first time', async () => {
    const { d, outbox, message } = await withNumbers(dialect);
    const audit = auditOn(d);
    const first = audit.link('message.send');
    const accepted = await outbox.insertOnce(message(A, 10, { idempotencyKey: 'order-1' }), first);
    expect(accepted).toMatchObject({ created: true, row: { phoneNumber: A, status: 'queued', attempts: 0, idempotencyKey: 'order-1', payload: { text: 'at 10', nested: { list: [10] } } } });
    expect(first.ids).toEqual([1]);
    const again = audit.link('message.send');
    const repeat = await outbox.insertOnce(message(A, 20, { idempotencyKey: 'order-1' }), again);
    expect(repeat).toEqual({ created: false, row: accepted.row });
    expect(again.ids).toEqual([]);
    expect((await outbox.insertOnce(message(B, 30, { idempotencyKey: 'order-1' }))).created).toBe(true);
    expect((await outbox.insertOnce(message(A, 40))).created).toBe(true);
    expect((await outbox.insertOnce(message(A, 50))).created).toBe(true);
    expect(await audit.rows()).toHaveLength(1);
    expect(await outbox.get(accepted.row.id)).toEqual(accepted.row);
    expect(await outbox.get('no-such-id')).toBeUndefined();
  });

  it('accepts one of five writers sending the same idempotency key at once, and answers all five with that row', async () => {
    const { outbox, message } = await withNumbers(dialect);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => outbox.insertOnce(message(A, 10 + i, { idempotencyKey: 'retry-storm' }))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.row.id)).size).toBe(1);
    expect(await outbox.depth(A)).toBe(1);
  });

  it("hands out a number's messages oldest first, in the order accepted within a millisecond, skipping those in hand", async () => {
    const { outbox, message } = await withNumbers(dialect);
    const rows = [];
    for (const at of [5, 7, 7, 7, 9]) rows.push((await outbox.insertOnce(message(A, at))).row);
    await outbox.insertOnce(message(B, 1));
    const order: string[] = [];
    for (;;) {
      const next = await outbox.nextPending(A, order);
      if (!next) break;
      order.push(next.id);
    }
    expect(order).toEqual(rows.map((r) => r.id));
    expect(await outbox.depth(A)).toBe(5);
    expect(new Set(await outbox.pendingNumbers())).toEqual(new Set([A, B]));
    expect((await outbox.pendingIds()).size).toBe(6);
    const listed = await outbox.list({ phoneNumbers: [A], limit: 2, offset: 1 });
    expect({ ids: listed.rows.map((r) => r.id), total: listed.total }).toEqual({ ids: [rows[3]!.id, rows[2]!.id], total: 5 });
    expect((await outbox.list({ phoneNumbers: null, limit: 10, offset: 0 })).total).toBe(6);
    expect(await outbox.list({ phoneNumbers: [], limit: 10, offset: 0 })).toEqual({ rows: [], total: 0 });
    expect((await outbox.list({ phoneNumbers: null, recipient: 'someone-else', limit: 10, offset: 0 })).total).toBe(0);
  });

  it('moves a message only forwards: sending counts an attempt, a requeue may take it back, sent is final for the sender', async () => {
    const { outbox, message } = await withNumbers(dialect);
    const { row } = await outbox.insertOnce(message(A, 10));
    expect(await outbox.markSending(row.id, 20)).toMatchObject({ status: 'sending', attempts: 1, updatedAt: 20 });
    expect(await outbox.keepUnknown(row.id, { nextAttemptAt: 90, error: 'timeout' })).toMatchObject({ status: 'sending', nextAttemptAt: 90, error: 'timeout', updatedAt: 20 });
    expect(await outbox.requeue(row.id, { nextAttemptAt: 100, error: 'child gone', uncount: true }, 30)).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: 100, updatedAt: 30 });
    expect(await outbox.requeue(row.id, { nextAttemptAt: null, error: 'not sending', uncount: true }, 31)).toBeUndefined();
    expect(await outbox.clearRetryTimes(A, ['queued'])).toBe(1);
    expect((await outbox.get(row.id))?.nextAttemptAt).toBeNull();
    await outbox.markSending(row.id, 40);
    expect(await outbox.requeue(row.id, { nextAttemptAt: null, error: 'refused', uncount: false }, 45)).toMatchObject({ attempts: 1 });
    await outbox.markSending(row.id, 50);
    expect(await outbox.markSent(row.id, 'WA-1', 60)).toMatchObject({ status: 'sent', waMessageId: 'WA-1', sentAt: 60, error: null, attempts: 2 });
    expect(await outbox.markSending(row.id, 70)).toBeUndefined();
    expect(await outbox.markFailed(row.id, 'late', 70)).toBeUndefined();
    expect(await outbox.expire(row.id, 70)).toBeUndefined();
    expect(await outbox.nextPending(A, [])).toBeUndefined();
  });

  it('applies receipts forwards only, and knows which WhatsApp ids it holds', async () => {
    const { outbox, message } = await withNumbers(dialect);
    const sent = [];
    for (const [i, at] of [10, 20, 30].entries()) {
      const { row } = await outbox.insertOnce(message(A, at));
      await outbox.markSending(row.id, at);
      sent.push(await outbox.markSent(row.id, `WA-${i}`, at + 1));
    }
    expect(await outbox.knownWaIds(A, ['WA-0', 'WA-2', 'WA-9'])).toEqual(new Set(['WA-0', 'WA-2']));
    expect(await outbox.knownWaIds(B, ['WA-0'])).toEqual(new Set());
    expect((await outbox.applyReceipt(A, ['WA-0', 'WA-1'], 'delivered', 100)).map((r) => [r.waMessageId, r.status, r.deliveredAt])).toEqual(
      expect.arrayContaining([
        ['WA-0', 'delivered', 100],
        ['WA-1', 'delivered', 100],
      ]),
    );
    expect((await outbox.applyReceipt(A, ['WA-1', 'WA-2'], 'read', 200)).map((r) => [r.waMessageId, r.status, r.deliveredAt, r.readAt]).sort()).toEqual([
      ['WA-1', 'read', 100, 200],
      ['WA-2', 'read', 200, 200],
    ]);
    expect(await outbox.applyReceipt(A, ['WA-1'], 'delivered', 300)).toEqual([]);
    expect(await outbox.applyReceipt(B, ['WA-0'], 'read', 300)).toEqual([]);
    expect(await outbox.applyReceipt(A, [], 'read', 300)).toEqual([]);
  });

  it("expires queued messages past their time, fails those of an unregistered number, and forgets a number's messages", async () => {
    const { d, outbox, message } = await withNumbers(dialect);
    const due = (await outbox.insertOnce(message(A, 10, { expiresAt: 50 }))).row;
    const later = (await outbox.insertOnce(message(A, 11, { expiresAt: 500 }))).row;
    const inFlight = (await outbox.insertOnce(message(A, 12, { expiresAt: 50 }))).row;
    await outbox.markSending(inFlight.id, 13);
    expect((await outbox.expireDue(100)).map((r) => [r.id, r.status])).toEqual([[due.id, 'expired']]);
    expect(await outbox.expire(later.id, 100)).toMatchObject({ status: 'expired', error: 'not sent within its time to live' });
    const orphan = (await outbox.insertOnce(message(B, 20))).row;
    await d.fixture('DELETE FROM devices WHERE phone_number = ?', [B]);
    expect((await outbox.failUnregistered(200)).map((r) => [r.id, r.status])).toEqual([[orphan.id, 'failed']]);
    expect((await outbox.countsByStatus()).sort((x, y) => x.status.localeCompare(y.status))).toEqual([
      { phoneNumber: A, status: 'expired', n: 2 },
      { phoneNumber: B, status: 'failed', n: 1 },
      { phoneNumber: A, status: 'sending', n: 1 },
    ]);
    expect((await outbox.deleteForNumber(A)).map((r) => r.id).sort()).toEqual([due.id, later.id, inFlight.id].sort());
    expect((await outbox.list({ phoneNumbers: null, limit: 10, offset: 0 })).rows.map((r) => r.id)).toEqual([orphan.id]);
  });
});
