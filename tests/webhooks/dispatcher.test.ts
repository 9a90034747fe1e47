/**
 * The dispatcher's lanes in process, on a real SQLite file: rows handed over by the outbox after each commit and
 * rows read from the table must make one ordered stream, each delivery sent once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/db/client.js';
import { DeliveryRepository, type NewDelivery } from '../../src/db/repositories/deliveries.js';
import { DeviceRepository } from '../../src/db/repositories/devices.js';
import { sqliteDeliveryLedger, sqliteDeliveryStore } from '../../src/db/repositories/sqlite-ports.js';
import { EventRepository } from '../../src/db/repositories/events.js';
import { TurnWriter } from '../../src/db/turn-writer.js';
import { EventJournal } from '../../src/events/journal.js';
import { fromWebhook } from '../../src/events/normalize.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { WebhookOutbox } from '../../src/webhooks/outbox.js';
import { WebhookTargets } from '../../src/webhooks/targets.js';
import { heldPosts } from './held-posts.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const ENDPOINT = 'http://127.0.0.1:1/hook';
const dir = makeDataRoot('wa-dispatcher-');
const database = openDatabase(path.join(dir, 'test.db'), path.join(ROOT, 'drizzle'));
const logger = createLogger('silent');
const writer = new TurnWriter(database.sqlite, (err) => {
  throw err;
});
const repo = new DeliveryRepository(database.db);
const targets = new WebhookTargets(new DeviceRepository(database.db), { url: ENDPOINT, secret: 's', events: null }, () => true);
/** Delivery ids in the order they were posted; those the receiver keeps on the wire until `release(id)`. */
const { post, posted, holding, onTheWire, release } = heldPosts();
const settings = { timeoutMs: 5000, concurrency: 4, policy: { baseDelayMs: 10, maxDelayMs: 10, periodMs: 60_000, jitter: 0 }, userAgent: 'test' };
const dispatcher = new WebhookDispatcher({ store: sqliteDeliveryStore(repo), ledger: sqliteDeliveryLedger(repo, writer) }, targets, settings, systemClock, logger, post);
const journal = new EventJournal(new EventRepository(database.db), writer, systemClock, logger);
journal.addDurableSubscriber(new WebhookOutbox(targets, repo, (rows) => dispatcher.added(rows), settings.policy.periodMs, systemClock));
const message = (body: string) => fromWebhook({ event: 'message', payload: { body } });

/** The lane's deliveries as posted, once every row of it is delivered and nothing is in flight any more. */
async function postedFor(phoneNumber: string): Promise<number[]> {
  const lane = { endpoint: ENDPOINT, scope: 'global' as const, phoneNumber };
  await waitFor(() => repo.heads(lane, 1).length === 0 && dispatcher.inFlightFor(ENDPOINT) === 0, { what: `the deliveries of ${phoneNumber}` });
  return posted.filter((id) => repo.get(id)?.phoneNumber === phoneNumber);
}

const ascending = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);

const laneOf = (phoneNumber: string) => ({ endpoint: ENDPOINT, scope: 'global' as const, phoneNumber });
/** Rows written straight to the table (as a writer other than the outbox does), not yet handed to the dispatcher. */
const written = (phoneNumber: string, count: number) =>
  repo.insert(
    Array.from({ length: count }, (_, i) => ({ ...laneOf(phoneNumber), eventId: `${phoneNumber}-${Date.now()}-${i}`, eventType: 'message', body: '{}', nextAttemptAt: 0, giveUpAt: Date.now() + 60_000 })),
    Date.now(),
  );

/** Hand `row` over and keep its attempt on the wire: its lane now holds every row it knows of, in memory. */
async function onWire(row: { id: number }, handOver: () => void): Promise<void> {
  holding.add(row.id);
  handOver();
  await waitFor(() => onTheWire.has(row.id), { what: `delivery ${row.id} on the wire` });
}

afterAll(async () => {
  await dispatcher.close();
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('webhook dispatcher lanes', () => {
  it('sends rows a previous run left before the events stored ahead of its start, each once', async () => {
    const phoneNumber = '111111111';
    const left: NewDelivery[] = Array.from({ length: 20 }, (_, i) => ({
      eventId: `old-${i}`,
      phoneNumber,
      endpoint: ENDPOINT,
      scope: 'global',
      eventType: 'message',
      body: '{}',
      nextAttemptAt: 0,
      giveUpAt: Date.now() + 60_000,
    }));
    repo.insert(left, Date.now());
    await Promise.all([journal.append(phoneNumber, null, message('a')), journal.append(phoneNumber, null, message('b'))]);
    await dispatcher.start();
    const ids = await postedFor(phoneNumber);
    expect(ids).toHaveLength(22);
    expect(ids).toEqual(ascending(ids));
  });

  it('sends a burst longer than a lane keeps in memory in order, each once', async () => {
    const phoneNumber = '222222222';
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(phoneNumber, null, message(`burst ${i}`))));
    const ids = await postedFor(phoneNumber);
    expect(ids).toHaveLength(200);
    expect(ids).toEqual(ascending(ids));
  });

  it('sends rows once when their lane was read from the table before the outbox handed them over', async () => {
    const phoneNumber = '333333333';
    const lane = { endpoint: ENDPOINT, scope: 'global' as const, phoneNumber };
    const rows = repo.insert(
      Array.from({ length: 5 }, (_, i) => ({ ...lane, eventId: `late-${i}`, eventType: 'message', body: '{}', nextAttemptAt: 0, giveUpAt: Date.now() + 60_000 })),
      Date.now(),
    );
    dispatcher.wake([lane]);
    dispatcher.added(rows);
    const ids = await postedFor(phoneNumber);
    expect(ids).toEqual(rows.map((row) => row.id));
  });

  it('sends a row handed over after a newer one of its lane, in the order of the table', async () => {
    const phoneNumber = '444444444';
    const [first] = written(phoneNumber, 1);
    if (!first) throw new Error('unreachable');
    await onWire(first, () => dispatcher.added([first]));
    const [older, newer] = written(phoneNumber, 2);
    if (!older || !newer) throw new Error('unreachable');
    // Two writers' commits handed over in the other order than their ids.
    dispatcher.added([newer]);
    dispatcher.added([older]);
    release(first.id);
    expect(await postedFor(phoneNumber)).toEqual([first.id, older.id, newer.id]);
  });

  it('sends a row whose writer only woke its lane, while the lane held all it knew of in memory', async () => {
    const phoneNumber = '555555555';
    const [first] = written(phoneNumber, 1);
    if (!first) throw new Error('unreachable');
    await onWire(first, () => dispatcher.added([first]));
    const behind = written(phoneNumber, 3);
    dispatcher.wake([laneOf(phoneNumber)]);
    release(first.id);
    expect(await postedFor(phoneNumber)).toEqual([first.id, ...behind.map((row) => row.id)]);
  });

  it('follows rows renamed to another number mid-attempt: none is lost or sent twice, even with a lane under the new key', async () => {
    const from = 'pending-aaaaaaaaaaaa';
    const to = '666666666';
    const [inFlight, ...queued] = written(from, 3);
    if (!inFlight) throw new Error('unreachable');
    await onWire(inFlight, () => dispatcher.added([inFlight, ...queued]));
    // The rename's transaction moves the rows; a row written under the new key is handed over before the
    // dispatcher hears of the rename, and is on the wire too.
    database.sqlite.prepare('UPDATE webhook_deliveries SET phone_number = ? WHERE phone_number = ?').run(to, from);
    const [early] = written(to, 1);
    if (!early) throw new Error('unreachable');
    await onWire(early, () => dispatcher.added([early]));
    dispatcher.renamed(from, to);
    await dispatcher.start();
    release(inFlight.id);
    release(early.id);
    const ids = await postedFor(to);
    expect(ascending(ids)).toEqual([inFlight.id, ...queued.map((row) => row.id), early.id]);
    expect(ids).toHaveLength(new Set(ids).size);
  });
});
