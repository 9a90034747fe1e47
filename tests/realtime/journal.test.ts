/** The event journal on a real SQLite file: numbering per number, replay window, and retention. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/db/client.js';
import { DeliveryRepository } from '../../src/db/repositories/deliveries.js';
import { EventRepository } from '../../src/db/repositories/events.js';
import type { Clock } from '../../src/lib/clock.js';
import { EventJournal } from '../../src/events/journal.js';
import { createLogger } from '../../src/lib/logger.js';
import { fromWebhook } from '../../src/events/normalize.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';

const dir = makeDataRoot('wa-journal-');
const database = openDatabase(path.join(dir, 'test.db'), path.join(ROOT, 'drizzle'));
let now = 1_000_000;
const clock: Clock = { now: () => now, random: () => 0.5, setTimeout, clearTimeout };
const journal = new EventJournal(new EventRepository(database.db), (work) => database.sqlite.transaction(work)(), clock, createLogger('silent'));
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
    const base = { phoneNumber: '111111111', endpoint: 'http://127.0.0.1:1/x', scope: 'device' as const, body: '{}', nextAttemptAt: 0, giveUpAt: 0 };
    const [a, b, c] = repo.insert([{ ...base, eventId: 'a' }, { ...base, eventId: 'b' }, { ...base, eventId: 'c' }]);
    repo.update(a?.id ?? 0, { status: 'delivered' });
    repo.update(b?.id ?? 0, { status: 'dead' });
    expect(repo.prune(Date.now() + 1000)).toBe(2);
    expect(repo.get(c?.id ?? 0)?.status).toBe('pending');
    expect(repo.openLanes()).toEqual([{ endpoint: base.endpoint, scope: 'device', phoneNumber: '111111111' }]);
  });
});
