/** Per-minute message counts on both dialects: the same minutes and counts from the outbox and the journal. */
import { describe, expect, it } from '@jest/globals';
import type { ActivityStore } from '../../src/db/ports/activity.js';
import { PgActivityRepository } from '../../src/db/pg/repositories/activity.js';
import { ActivityRepository } from '../../src/db/repositories/activity.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('activity');
const store = (d: TestDatabase): ActivityStore => (d.dialect === 'sqlite' ? new ActivityRepository(d.db) : new PgActivityRepository(d.db));
/** A minute past 2^32 ms, so the division runs on 64-bit values. */
const T = 1_700_000_040_000;
const PHONE = '5511900000001';

async function message(d: TestDatabase, id: string, phone: string, sentAt: number | null, deliveredAt: number | null): Promise<void> {
  await d.fixture('INSERT INTO messages (id, phone_number, recipient, kind, payload, sent_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [id, phone, 'x@s.whatsapp.net', 'text', '{}', sentAt, deliveredAt]);
}
async function event(d: TestDatabase, phone: string, seq: number, type: string, at: number): Promise<void> {
  await d.fixture('INSERT INTO events (phone_number, seq, type, payload, created_at) VALUES (?, ?, ?, ?, ?)', [phone, seq, type, '{}', at]);
}

describe.each(DIALECTS)('activity on %s', (dialect) => {
  it('counts sent, delivered and received per minute since the start, oldest first, for that number only', async () => {
    const d = await open(dialect);
    await message(d, 'm1', PHONE, T + 1_000, T + 59_999);
    await message(d, 'm2', PHONE, T + 30_000, T + 61_000);
    await message(d, 'm3', PHONE, T - 1, null); // before the window
    await message(d, 'm4', PHONE, null, null); // still queued
    await message(d, 'm5', '5511900000002', T + 1_000, T + 2_000); // another number
    await event(d, PHONE, 1, 'message', T + 120_000);
    await event(d, PHONE, 2, 'message', T + 125_000);
    await event(d, PHONE, 3, 'message.ack', T + 125_000);
    expect(await store(d).perMinute(PHONE, T)).toEqual([
      { minute: T, sent: 2, delivered: 1, received: 0 },
      { minute: T + 60_000, sent: 0, delivered: 1, received: 0 },
      { minute: T + 120_000, sent: 0, delivered: 0, received: 2 },
    ]);
    expect(await store(d).perMinute('5511900000009', T)).toEqual([]);
    expect(await store(d).perMinute(`${PHONE}\u0000`, T)).toEqual([]);
  });
});
