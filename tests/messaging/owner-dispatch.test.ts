/**
 * Distributed mode's sends (DM-21) with two nodes' outboxes on one real Postgres: any node accepts a send, only the
 * number's owner sends it, a new owner picks up what the former one left pending, and a node that lost the number
 * cannot record a status for its messages (its fenced write is refused).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import type { MessageRow } from '../../src/db/schema.js';
import type { NewOutgoing } from '../../src/messaging/outbox.js';
import { inProcessNode } from '../helpers/cluster-members.js';
import { History, outboxNode, type OutboxNode } from '../helpers/outbox-nodes.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const PHONE = '5511930000001';
const TO = '5511977776666@s.whatsapp.net';
const text = (message: string, idempotencyKey: string | null = null): NewOutgoing => ({ phoneNumber: PHONE, recipient: TO, kind: 'text', content: { message }, idempotencyKey });

describe('the outbox in distributed mode: accepted anywhere, sent by the owner', () => {
  let server: TestPostgres;
  let count = 0;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  /** Node a owns the number (it joined first), node b is the other; each with its outbox and its child. */
  async function twoNodes() {
    const url = await server.createDatabase(`owner_dispatch_${++count}`);
    const probe = new pg.Pool({ connectionString: url, max: 2 });
    closers.push(() => probe.end());
    const history = new History();
    const start = async (name: string): Promise<{ node: ClusterNode; box: OutboxNode }> => {
      const node = await inProcessNode(url, name);
      closers.push(() => node.close());
      const box = await outboxNode(url, node, name, history);
      closers.push(() => box.close());
      return { node, box };
    };
    const a = await start('a');
    await probe.query('INSERT INTO devices (phone_number, name) VALUES ($1, $1)', [PHONE]);
    await a.node.addNumbers([PHONE]);
    await waitFor(() => a.node.ownership.held().get(PHONE)?.kind === 'owned' || null, { timeoutMs: 15_000, what: 'a owning the number' });
    const b = await start('b');
    const stored = async (id: string): Promise<MessageRow | undefined> => a.box.outbox.get(id);
    const allSent = (ids: readonly string[]) =>
      waitFor(
        async () => {
          const rows = await Promise.all(ids.map(stored));
          return rows.every((r) => r?.status === 'sent') ? (rows as MessageRow[]) : null;
        },
        { timeoutMs: 15_000, what: `${ids.length} messages sent` },
      );
    /** Another node claimed the number, as the database sees it (what a take-over after a lapsed lease writes). */
    const moveTo = async (to: { node: ClusterNode }, name: string): Promise<void> => {
      await probe.query(`UPDATE assignments SET node_id = $2, node_incarnation = (SELECT incarnation FROM nodes WHERE node_id = $2), fence = fence + 1 WHERE phone_number = $1`, [PHONE, name]);
      await waitFor(() => to.node.ownership.held().get(PHONE)?.kind === 'owned' || null, { timeoutMs: 15_000, what: `${name} owning the number` });
    };
    return { a, b, history, stored, allSent, moveTo };
  }

  it('stores a send accepted by a node that does not own the number, and the owner sends it once', async () => {
    const { a, b, history, allSent } = await twoNodes();
    const texts = ['via b 1', 'via b 2', 'via b 3', 'via b 4'];
    const accepted: MessageRow[] = [];
    for (const t of texts) accepted.push((await b.box.outbox.accept(text(t))).row);
    expect(accepted.map((r) => r.status)).toEqual(['queued', 'queued', 'queued', 'queued']);
    expect(await b.box.outbox.queueStatus(PHONE)).toMatchObject({ reason: 'sent by the node that owns the number' });

    const rows = await allSent(accepted.map((r) => r.id));
    expect(history.texts()).toEqual(texts);
    expect(history.texts('a')).toEqual(texts);
    expect(rows.map((r) => r.waMessageId)).toEqual(history.sent.map((s) => s.id));
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
    expect(await a.box.outbox.queueStatus(PHONE)).toMatchObject({ depth: 0, reason: null });
  });

  it('leaves what the former owner had pending to the new owner, who sends each message once', async () => {
    const { a, b, history, allSent, moveTo } = await twoNodes();
    // The owner's queue is held up (a timelock pause): its messages stay queued.
    a.box.outbox.timelock(PHONE, 'held up for the test');
    const ids: string[] = [];
    for (const t of ['a 1', 'b 1', 'a 2', 'b 2']) ids.push((await (t.startsWith('a') ? a : b).box.outbox.accept(text(t))).row.id);
    expect(await a.box.outbox.queueStatus(PHONE)).toMatchObject({ depth: 4, paused: true });

    await moveTo(b, 'b');
    const rows = await allSent(ids);
    // Each once, all by the new owner (accepts on two nodes within one millisecond have no order between them).
    expect([...history.texts('b')].sort()).toEqual(['a 1', 'a 2', 'b 1', 'b 2']);
    expect(history.sent).toHaveLength(4);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
    await waitFor(() => !a.node.ownership.held().has(PHONE) || null, { timeoutMs: 15_000, what: 'a giving the number up' });

    // The former owner's pause ends: it sends nothing, its gate is closed; the new owner sends what comes next.
    a.box.outbox.lane(PHONE).resume();
    const next = (await a.box.outbox.accept(text('after the move'))).row;
    await allSent([next.id]);
    expect(history.texts('a')).toEqual([]);
    expect(history.texts()).toHaveLength(5);
    expect(history.texts().at(-1)).toBe('after the move');
  });

  it("refuses a former owner's status write: its send's outcome is settled once, by the new owner", async () => {
    const { a, b, history, stored, moveTo } = await twoNodes();
    const refused: unknown[] = [];
    const markSent = a.box.store.markSent.bind(a.box.store);
    a.box.store.markSent = async (...args) => {
      try {
        return await markSent(...args);
      } catch (err) {
        refused.push((err as { code?: unknown }).code);
        throw err;
      }
    };
    // a's child has sent the message to WhatsApp, but its answer is late; meanwhile b takes the number over and
    // holds its own queue (a pause), so the row is still a's claim when a's answer comes.
    const held = a.box.child.holdNext();
    const { row } = await a.box.outbox.accept(text('in flight'));
    await held.arrived;
    expect((await stored(row.id))?.status).toBe('sending');
    b.box.outbox.timelock(PHONE, 'held up for the test');
    await moveTo(b, 'b');
    held.release();
    await waitFor(() => refused.length > 0 || null, { timeoutMs: 15_000, what: "a's write refused" });
    expect(refused).toEqual(['CLUSTER_OWNERSHIP_LOST']);
    // Without the fence this would now be `sent` by a.
    expect(await stored(row.id)).toMatchObject({ status: 'sending', waMessageId: null, attempts: 1 });
    const pending = (await b.box.outbox.accept(text('queued at b'))).row;
    expect(await a.box.store.markSending(PHONE, pending.id, Date.now()).catch((err: { code?: unknown }) => err.code)).toBe('CLUSTER_OWNERSHIP_LOST');
    expect(await stored(pending.id)).toMatchObject({ status: 'queued', attempts: 0 });

    // The new owner checks the claimed row against the number's history before any new try: found, so not sent again.
    b.box.outbox.lane(PHONE).resume();
    await waitFor(async () => ((await stored(pending.id))?.status === 'sent' ? true : null), { timeoutMs: 15_000, what: 'the queued message sent' });
    expect(await stored(row.id)).toMatchObject({ status: 'sent', waMessageId: history.sent[0]?.id, attempts: 1 });
    expect(history.texts()).toEqual(['in flight', 'queued at b']);
    expect(history.sent.map((s) => s.node)).toEqual(['a', 'b']);
  });

  it('accepts one message per idempotency key and number across both nodes, sends it once, and refuses the key for another message', async () => {
    const { a, b, history, allSent } = await twoNodes();
    const results = await Promise.all([a, b, a, b].map((n) => n.box.outbox.accept(text('once only', 'order-7'))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.row.id)).size).toBe(1);
    await expect(b.box.outbox.accept(text('something else', 'order-7'))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await allSent([results[0]?.row.id ?? '']);
    const again = await b.box.outbox.accept(text('once only', 'order-7'));
    expect(again).toMatchObject({ created: false, row: { id: results[0]?.row.id, status: 'sent' } });
    expect(history.texts()).toEqual(['once only']);
  });
});
