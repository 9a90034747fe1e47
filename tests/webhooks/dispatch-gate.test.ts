/**
 * The dispatch gate on a real SQLite file: a number this node does not own is not sent, taking it over sends its
 * open deliveries from the oldest, and losing it mid-stream stops it, with the delivery in flight sent again later.
 * The ledger here refuses acks of numbers not owned, as the fenced one does in distributed mode.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/db/client.js';
import type { DeliveryLedger } from '../../src/db/ports/deliveries.js';
import { DeliveryRepository } from '../../src/db/repositories/deliveries.js';
import { DeviceRepository } from '../../src/db/repositories/devices.js';
import { sqliteDeliveryLedger, sqliteDeliveryStore } from '../../src/db/repositories/sqlite-ports.js';
import { TurnWriter } from '../../src/db/turn-writer.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import type { DispatchGate } from '../../src/webhooks/dispatch-gate.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { WebhookTargets } from '../../src/webhooks/targets.js';
import { heldPosts } from './held-posts.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const ENDPOINT = 'http://127.0.0.1:1/hook';
const dir = makeDataRoot('wa-dispatch-gate-');
const database = openDatabase(path.join(dir, 'test.db'), path.join(ROOT, 'drizzle'));
const writer = new TurnWriter(database.sqlite, (err) => {
  throw err;
});
const repo = new DeliveryRepository(database.db);
const owned = new Set<string>();
const gate: DispatchGate = { owns: (phoneNumber) => owned.has(phoneNumber), soleWriter: true, pollMs: 0 };
const plain = sqliteDeliveryLedger(repo, writer);
const ledger: DeliveryLedger = {
  claim: (lane, limit) => (owned.has(lane.phoneNumber) ? plain.claim(lane, limit) : Promise.reject(new Error('not the owner'))),
  ack: (row, outcome) => (owned.has(row.phoneNumber) ? plain.ack(row, outcome) : Promise.reject(new Error('not the owner'))),
};
const { post, posted, holding, onTheWire, release, releaseAll } = heldPosts();
const targets = new WebhookTargets(new DeviceRepository(database.db), { url: ENDPOINT, secret: undefined, events: null }, () => true);
const settings = { timeoutMs: 5000, concurrency: 4, policy: { baseDelayMs: 10, maxDelayMs: 10, periodMs: 60_000, jitter: 0 }, userAgent: 'test' };
const dispatcher = new WebhookDispatcher({ store: sqliteDeliveryStore(repo), ledger }, targets, settings, systemClock, createLogger('silent'), post, gate);

const laneOf = (phoneNumber: string) => ({ endpoint: ENDPOINT, scope: 'global' as const, phoneNumber });
const written = (phoneNumber: string, count: number) =>
  repo.insert(
    Array.from({ length: count }, (_, i) => ({ ...laneOf(phoneNumber), eventId: `${phoneNumber}-${i}`, eventType: 'message', body: '{}', nextAttemptAt: 0, giveUpAt: Date.now() + 60_000 })),
    Date.now(),
  );
const openIds = (phoneNumber: string) => repo.heads(laneOf(phoneNumber), 100).map((row) => row.id);
const postedOf = (rows: readonly { id: number }[]) => posted.filter((id) => rows.some((row) => row.id === id));

afterAll(async () => {
  releaseAll();
  await dispatcher.close();
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the dispatch gate', () => {
  it('sends nothing of a number it does not own, and all of it in order once the number is taken over', async () => {
    await dispatcher.start();
    const theirs = written('111111111', 4);
    const mine = written('222222222', 2);
    owned.add('222222222');
    dispatcher.added([...theirs, ...mine]);
    await waitFor(() => openIds('222222222').length === 0 || null, { what: 'the owned number sent' });
    expect(postedOf(theirs)).toEqual([]);
    expect(openIds('111111111')).toEqual(theirs.map((row) => row.id));

    owned.add('111111111');
    await dispatcher.acquired('111111111');
    await waitFor(() => openIds('111111111').length === 0 || null, { what: 'the number taken over sent' });
    expect(postedOf(theirs)).toEqual(theirs.map((row) => row.id));
  });

  it('stops a number lost mid-stream; the next owner sends the unacknowledged one again, then the rest', async () => {
    const phoneNumber = '333333333';
    owned.add(phoneNumber);
    const rows = written(phoneNumber, 5);
    holding.add(rows[2]!.id);
    dispatcher.added(rows);
    await waitFor(() => onTheWire.has(rows[2]!.id) || null, { what: 'the third on the wire' });
    owned.delete(phoneNumber);
    dispatcher.lost(phoneNumber);
    release(rows[2]!.id);
    await waitFor(() => dispatcher.inFlightFor(ENDPOINT) === 0 || null, { what: 'the attempt ended' });
    // Its answer came after the loss: not acknowledged, so it is still open with everything after it.
    expect(openIds(phoneNumber)).toEqual(rows.slice(2).map((row) => row.id));
    expect(postedOf(rows)).toEqual(rows.slice(0, 3).map((row) => row.id));

    owned.add(phoneNumber);
    await dispatcher.acquired(phoneNumber);
    await waitFor(() => openIds(phoneNumber).length === 0 || null, { what: 'the rest sent' });
    expect(postedOf(rows)).toEqual([...rows.slice(0, 3), ...rows.slice(2)].map((row) => row.id));
  });
});
