/** The event journal on a real SQLite file: numbering per number, replay window, and retention. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/db/client.js';
import { DeliveryRepository } from '../../src/db/repositories/deliveries.js';
import { EventRepository } from '../../src/db/repositories/events.js';
import { TurnWriter } from '../../src/db/turn-writer.js';
import type { Clock } from '../../src/lib/clock.js';
import { EventJournal } from '../../src/events/journal.js';
import { createLogger } from '../../src/lib/logger.js';
import { fromWebhook } from '../../src/events/normalize.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';

const dir = makeDataRoot('wa-journal-');
const database = openDatabase(path.join(dir, 'test.db'), path.join(ROOT, 'drizzle'));
let now = 1_000_000;
const clock: Clock = { now: () => now, random: () => 0.5, setTimeout, clearTimeout };
// No turn of a slow machine waits a minute: the tests count commits.
const writer = new TurnWriter(
  database.sqlite,
  (err) => {
    throw err;
  },
  60_000,
);
const journal = new EventJournal(new EventRepository(database.db), writer, clock, createLogger('silent'));
const msg = (body: string) => fromWebhook({ event: 'message', payload: { body } });

afterAll(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('event journal', () => {
  it('numbers each number on its own, from 1', () => {
    expect(journal.record('111111111', null, msg('a')).message.seq).toBe(1);
    expect(journal.record('111111111', null, msg('b')).message.seq).toBe(2);
    expect(journal.record('222222222', 8001, msg('c')).message.seq).toBe(1);
  });

  it('replays the newest events after since, and says when some are left out', () => {
    for (let i = 0; i < 5; i++) journal.record('111111111', null, msg(`n${i}`));
    expect(journal.replay('111111111', 2, 10)).toMatchObject({ lastSeq: 7, truncated: false });
    const windowed = journal.replay('111111111', 0, 3);
    expect(windowed.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(windowed.truncated).toBe(true);
    expect(journal.replay('111111111', 7, 10)).toEqual({ messages: [], derived: new Map(), lastSeq: 7, truncated: false });
  });

  it('prunes old events but keeps counting from the newest', () => {
    now += 10_000;
    journal.record('111111111', null, msg('recent'));
    const removed = journal.prune(5_000);
    expect(removed).toBe(7);
    // 222222222 had one old event: it is its newest, so it stays.
    expect(journal.lastSeq('222222222')).toBe(1);
    expect(journal.page('111111111', 0, 100).messages.map((m) => m.seq)).toEqual([8]);
    expect(journal.replay('111111111', 3, 10)).toMatchObject({ truncated: true, lastSeq: 8 });
    expect(journal.record('111111111', null, msg('next')).message.seq).toBe(9);
  });

  it('prunes delivered and dead deliveries only', () => {
    const repo = new DeliveryRepository(database.db);
    const base = { phoneNumber: '111111111', endpoint: 'http://127.0.0.1:1/x', scope: 'device' as const, eventType: 'message', body: '{}', nextAttemptAt: 0, giveUpAt: 0 };
    const inserted = repo.insert([{ ...base, eventId: 'a' }, { ...base, eventId: 'b' }, { ...base, eventId: 'c' }], 1234);
    // The rows handed back are the rows as stored (the dispatcher sends them without reading them again).
    expect(inserted.map((row) => repo.get(row.id))).toEqual(inserted);
    const [a = 0, b = 0, c = 0] = inserted.map((row) => row.id);
    // A failed row keeps its place in its lane (by id) among the pending ones.
    repo.settle(b, { status: 'failed', attempts: 1, lastStatus: 503, lastError: 'HTTP 503', nextAttemptAt: 0, at: Date.now() });
    expect(repo.heads(base, 10).map((row) => row.id)).toEqual([a, b, c]);
    expect(repo.heads(base, 2).map((row) => row.id)).toEqual([a, b]);
    repo.settle(a, { status: 'delivered', attempts: 1, lastStatus: 200, at: Date.now() });
    repo.settle(b, { status: 'dead', attempts: 1, lastStatus: 500, lastError: 'HTTP 500', at: Date.now() });
    expect(repo.heads(base, 10).map((row) => row.id)).toEqual([c]);
    expect(repo.get(a)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, eventType: 'message' });
    expect(repo.prune(Date.now() + 1000)).toBe(2);
    expect(repo.get(c)?.status).toBe('pending');
    expect(repo.openLanes()).toEqual([{ endpoint: base.endpoint, scope: 'device', phoneNumber: '111111111' }]);
  });
});

describe('event journal: the events of a turn', () => {
  const phone = '333333333';
  const other = '444444444';

  it('are stored in one commit, numbered in order, and announced after it in seq order', async () => {
    const announced: { phoneNumber: string; seq: number; stored: number }[] = [];
    const off = journal.events.on('recorded', ({ phoneNumber, message }) => {
      // When a listener hears of an event, a reader already finds it in the store.
      announced.push({ phoneNumber, seq: message.seq, stored: journal.page(phoneNumber, message.seq - 1, 1).messages[0]?.seq ?? 0 });
    });
    const commits = writer.commits;
    const events = await Promise.all([journal.append(phone, null, msg('t1')), journal.append(other, null, msg('o1')), journal.append(phone, null, msg('t2')), journal.append(phone, null, msg('t3'))]);
    off();
    expect(writer.commits - commits).toBe(1);
    expect(events.map((e) => [e.phoneNumber, e.message.seq])).toEqual([
      [phone, 1],
      [other, 1],
      [phone, 2],
      [phone, 3],
    ]);
    expect(announced).toEqual([
      { phoneNumber: phone, seq: 1, stored: 1 },
      { phoneNumber: other, seq: 1, stored: 1 },
      { phoneNumber: phone, seq: 2, stored: 2 },
      { phoneNumber: phone, seq: 3, stored: 3 },
    ]);
  });

  it('reach a reader who replays and joins while they wait for the commit live, exactly once, with no gap', async () => {
    const queued = [journal.append(phone, null, msg('t4')), journal.append(phone, null, msg('t5'))];
    // A resuming client: replay from the store and join the live stream in one synchronous step.
    const seen = journal.replay(phone, 2, 100).messages.map((m) => m.seq);
    const off = journal.events.on('recorded', ({ phoneNumber, message }) => {
      if (phoneNumber === phone) seen.push(message.seq);
    });
    await Promise.all(queued);
    off();
    expect(seen).toEqual([3, 4, 5]);
  });

  it('come before an event recorded at once in the same turn (record stores what is queued first)', async () => {
    const queued = journal.append(phone, null, msg('t6'));
    const now = journal.record(phone, null, msg('t7'));
    expect((await queued).message.seq).toBe(6);
    expect(now.message.seq).toBe(7);
    expect(journal.page(phone, 5, 10).messages.map((m) => [m.seq, (m as { payload?: { body?: string } }).payload?.body])).toEqual([
      [6, 't6'],
      [7, 't7'],
    ]);
  });

  it('lose only the one a durable subscriber refused, and the numbering goes on without a gap', async () => {
    const refusing = {
      onRecord: ({ message }: { message: { type: string; payload?: Record<string, unknown> } }) => {
        if (message.payload?.['body'] === 'refused') throw new Error('store is full');
      },
    };
    journal.addDurableSubscriber(refusing);
    const results = await Promise.allSettled([journal.append(phone, null, msg('t8')), journal.append(phone, null, msg('refused')), journal.append(phone, null, msg('t9'))]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.message.seq : 'rejected'))).toEqual([8, 'rejected', 9]);
    expect(journal.page(phone, 7, 10).messages.map((m) => m.seq)).toEqual([8, 9]);
    expect(journal.lastSeq(phone)).toBe(9);
  });
});

describe('event journal: recorded inside a caller’s transaction', () => {
  const phone = '555555555';

  it('commits with the caller’s writes or rolls back with them, the numbering following the store', () => {
    journal.record(phone, null, msg('before'));
    expect(() =>
      database.sqlite.transaction(() => {
        expect(journal.record(phone, null, msg('rolled back')).message.seq).toBe(2);
        throw new Error('the caller changed its mind');
      })(),
    ).toThrow('the caller changed its mind');
    expect(journal.lastSeq(phone)).toBe(1);
    const kept = database.sqlite.transaction(() => journal.record(phone, null, msg('kept')))();
    expect(kept.message.seq).toBe(2);
    expect(journal.page(phone, 0, 10).messages.map((m) => m.seq)).toEqual([1, 2]);
  });
});
