/**
 * DM-23 and F-14 on one real Postgres: two nodes' webhook services share the deliveries table, a real HTTP receiver
 * takes the posts. Only the number's owner posts its deliveries, in order, once each; when the number moves in the
 * middle of a stream, the new owner carries on from the last acknowledged row, and the node that lost it can
 * neither claim nor acknowledge any more.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import { pgDatabase } from '../../src/db/pg/client.js';
import { PgDeliveryWrites } from '../../src/db/pg/repositories/deliveries.js';
import { FencedDeliveryLedger } from '../../src/db/pg/repositories/fenced-deliveries.js';
import { PgTurnWriter } from '../../src/db/pg/turn-writer.js';
import type { RecordedEvent } from '../../src/events/feed-message.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { followOwnership, ownershipGate } from '../../src/webhooks/dispatch-gate.js';
import { pgWebhookStorage } from '../../src/webhooks/storage.js';
import { WebhookService } from '../../src/webhooks/webhook-service.js';
import { inProcessNode } from '../helpers/cluster-members.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver, type Hit, type Receiver } from './receiver.js';

const NUMBER = '5511900000001';
const server = postgresForFile();
const logger = createLogger('silent');

interface Gateway {
  readonly id: string;
  readonly node: ClusterNode;
  readonly webhooks: WebhookService<'async'>;
  readonly ledger: FencedDeliveryLedger;
  readonly turns: PgTurnWriter;
}

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

async function gateway(url: string, id: string, receiver: Receiver): Promise<Gateway> {
  const node = await inProcessNode(url, id);
  closers.push(() => node.close());
  const ledger = new FencedDeliveryLedger(node.ownership);
  const webhooks = new WebhookService({
    storage: pgWebhookStorage(pgDatabase(node.pool), ledger),
    devices: { get: () => undefined },
    isAdmin: () => true,
    clock: systemClock,
    logger,
    settings: {
      global: { url: receiver.url, secret: 'shh', events: null },
      timeoutMs: 10_000,
      concurrency: 4,
      policy: { baseDelayMs: 50, maxDelayMs: 200, periodMs: 60_000, jitter: 0 },
      userAgent: `node-${id}`,
      historyRetentionMs: 86_400_000,
    },
    gate: ownershipGate(node.ownership, 200, () => node.membership.isLive()),
  });
  const off = followOwnership(node.ownership, webhooks);
  closers.push(async () => {
    off();
    await webhooks.close();
  });
  webhooks.start();
  const turns = new PgTurnWriter(pgDatabase(node.pool), (err) => {
    throw err;
  });
  closers.push(() => turns.flush());
  return { id, node, webhooks, ledger, turns };
}

/** The journaled event `seq` of the number, as the event pipeline hands it to the outbox. */
const event = (seq: number): RecordedEvent => ({
  phoneNumber: NUMBER,
  port: null,
  outbound: true,
  derived: [],
  message: { type: 'message', payload: { body: `message ${seq}` }, raw: {}, seq, eventId: `event-${seq}`, phoneNumber: NUMBER, source: 'webhook', event: 'message', at: new Date().toISOString() },
});

/**
 * Deliveries of these events written by `writer` (which need not own the number) as its journal's batch writes
 * them: in the batch's transaction (the Postgres turn writer), handed to its dispatcher after the commit.
 */
async function store(writer: Gateway, seqs: readonly number[]): Promise<void> {
  await Promise.all(seqs.map((seq) => writer.turns.write((tx) => writer.webhooks.outbox.recordIn(event(seq), new PgDeliveryWrites(tx)), (after) => after?.())));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sender = (hit: Hit) => hit.headers['user-agent'];
const seqsFrom = (receiver: Receiver, agent: string) => receiver.hits.filter((hit) => sender(hit) === agent).map((hit) => hit.json.seq);

async function ownerAndOther(a: Gateway, b: Gateway): Promise<[Gateway, Gateway]> {
  const owner = await waitFor(() => [a, b].find((g) => g.node.ownership.held().get(NUMBER)?.kind === 'owned'), { timeoutMs: 20_000, what: 'an owner of the number' });
  return owner === a ? [a, b] : [b, a];
}

describe('webhook deliveries in distributed mode (DM-23)', () => {
  it('are posted by the owner only, once each and in order, and after a takeover the new owner carries on from the last acknowledged one', async () => {
    const url = await server().createDatabase('owner_dispatch');
    const receiver = await startReceiver();
    closers.push(() => receiver.close());
    const a = await gateway(url, 'a', receiver);
    const b = await gateway(url, 'b', receiver);
    await a.node.addNumbers([NUMBER]);
    const [owner, other] = await ownerAndOther(a, b);
    const probe = new pg.Pool({ connectionString: url, max: 2 });
    closers.push(() => probe.end());

    // Stored by the node that does not own the number: only the owner posts them, in order, once each.
    await store(other, range(1, 10));
    await receiver.waitFor(() => true, 10, 15_000);
    expect(seqsFrom(receiver, `node-${owner.id}`)).toEqual(range(1, 10));
    expect(seqsFrom(receiver, `node-${other.id}`)).toEqual([]);
    expect(receiver.hits.map((hit) => hit.headers['x-event-id'])).toEqual(range(1, 10).map((seq) => `event-${seq}`));

    // F-14: the receiver keeps the owner's post of event 14 on the wire; 11-13 are acknowledged by then.
    receiver.respond = (hit) => (hit.json.seq === 14 && sender(hit) === `node-${owner.id}` ? 'hold' : 200);
    await store(other, range(11, 20));
    await receiver.waitFor((hit) => hit.json.seq === 14, 1, 15_000);
    const delivered = async () => (await probe.query<{ event_id: string }>("SELECT event_id FROM webhook_deliveries WHERE status = 'delivered' ORDER BY id")).rows.map((r) => r.event_id);
    await waitFor(async () => (await delivered()).length === 13 || null, { what: 'events 1-13 acknowledged' });
    expect(seqsFrom(receiver, `node-${owner.id}`)).toEqual(range(1, 14));

    // The number moves to the other node (as a claim after the owner's lease ran out would): fence + 1.
    const before = owner.node.ownership.held().get(NUMBER)!.fence;
    await probe.query(
      `UPDATE assignments SET node_id = n.node_id, node_incarnation = n.incarnation, fence = fence + 1, claimed_at = now()
       FROM nodes n WHERE n.node_id = $2 AND assignments.phone_number = $1`,
      [NUMBER, other.id],
    );
    await waitFor(() => other.node.ownership.held().get(NUMBER)?.kind === 'owned' || null, { timeoutMs: 20_000, what: 'the other node owning the number' });

    // The new owner posts the unacknowledged event 14 again (same event id), then the rest, in order.
    await receiver.waitFor((hit) => sender(hit) === `node-${other.id}` && hit.json.seq === 20, 1, 15_000);
    expect(seqsFrom(receiver, `node-${other.id}`)).toEqual(range(14, 20));
    await waitFor(async () => (await delivered()).length === 20 || null, { what: 'every event acknowledged' });

    // The former owner's answer comes in late: its ack is refused, and so is any claim it makes.
    await waitFor(() => !owner.node.ownership.held().has(NUMBER) || null, { timeoutMs: 20_000, what: 'the former owner giving the number up' });
    receiver.release(200);
    await waitFor(() => owner.webhooks.dispatcher.inFlightFor(receiver.url) === 0 || null, { what: 'the held attempt ended' });
    const lane = { endpoint: receiver.url, scope: 'global' as const, phoneNumber: NUMBER };
    const [row14] = (await probe.query<{ id: string }>("SELECT id FROM webhook_deliveries WHERE event_id = 'event-14'")).rows;
    const row = (await owner.webhooks.store.get(Number(row14!.id)))!;
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    const ack = { status: 'failed' as const, attempts: 2, lastStatus: 500, lastError: 'stale', nextAttemptAt: Date.now(), at: Date.now() };
    await expect(owner.ledger.claim(lane, 16)).rejects.toMatchObject({ code: 'CLUSTER_OWNERSHIP_LOST' });
    await expect(owner.ledger.ack(row, ack)).rejects.toMatchObject({ code: 'CLUSTER_OWNERSHIP_LOST' });
    // Even a node that still believes in its old fence (it has not heard of the loss) is refused by the database.
    const believer = new FencedDeliveryLedger({ held: () => new Map([[NUMBER, { fence: before }]]), withFence: (phone, fence, work) => owner.node.ownership.withFence(phone, fence, work) });
    await expect(believer.claim(lane, 16)).rejects.toMatchObject({ code: 'CLUSTER_OWNERSHIP_LOST' });
    await expect(believer.ack(row, ack)).rejects.toMatchObject({ code: 'CLUSTER_OWNERSHIP_LOST' });
    expect(await owner.webhooks.store.get(row.id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });

    // Nothing lost, nothing out of order; the only duplicate is the event in flight at the move, with its own id.
    const ok = receiver.hits.filter((hit) => hit.status !== null && hit.status < 300);
    expect([...new Set(ok.map((hit) => hit.json.seq))].sort((x, y) => x - y)).toEqual(range(1, 20));
    const times = new Map<string, number>();
    for (const hit of receiver.hits) times.set(String(hit.headers['x-event-id']), (times.get(String(hit.headers['x-event-id'])) ?? 0) + 1);
    expect([...times].filter(([, count]) => count > 1)).toEqual([['event-14', 2]]);
    expect(await delivered()).toEqual(range(1, 20).map((seq) => `event-${seq}`));
  }, 120_000);
});
