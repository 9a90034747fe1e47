/**
 * DM-22: the journal on Postgres between two cluster nodes. Node A owns the numbers and appends (batched, fenced);
 * node B follows them through LISTEN `journal` and its own reads. What B's consumer receives must be every event,
 * in seq order, once, whatever happens to the notifications.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import { isClusterError } from '../../src/cluster/errors.js';
import { commitStatus } from '../../src/cluster/journal/batch.js';
import { JournalAppender, JournalFanout, pageJournal, pruneJournal, replayJournal, type JournalEntry } from '../../src/cluster/journal/index.js';
import { connectClient } from '../../src/cluster/pool.js';
import { inProcessNode } from '../helpers/cluster-members.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

/** A lease long enough to outlast a Postgres restart on a loaded machine (F-6). */
const ENV = { CLUSTER_LEASE_TTL: '20000', CLUSTER_HEARTBEAT_INTERVAL: '2000', CLUSTER_FENCE_MARGIN: '4000' };
const NUMBERS = ['5511900000101', '5511900000102', '5511900000103'];

interface Pair {
  readonly url: string;
  readonly a: ClusterNode;
  readonly b: ClusterNode;
  readonly appender: JournalAppender;
  readonly fanout: JournalFanout;
  /** What B's consumer received, per number, in arrival order. */
  readonly received: Map<string, JournalEntry[]>;
  fence(phoneNumber: string): number;
}

const seqs = (entries: readonly JournalEntry[] | undefined): number[] => (entries ?? []).map((e) => e.seq);
const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('the journal on Postgres: node A appends, node B fans out', () => {
  let server: TestPostgres;
  const open: Pair[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterEach(async () => {
    for (const pair of open.splice(0)) {
      await pair.fanout.stop();
      await pair.appender.close().catch(() => undefined);
      await Promise.all([pair.a.close(), pair.b.close()]);
    }
  }, 60_000);
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  async function pair(database: string, appenderSettings: ConstructorParameters<typeof JournalAppender>[0]['settings'] = {}): Promise<Pair> {
    const url = await server.createDatabase(database);
    const a = await inProcessNode(url, 'a', { env: ENV, gowaVersion: '9.3.0' });
    await a.addNumbers(NUMBERS);
    await waitFor(() => NUMBERS.every((n) => a.ownership.held().get(n)?.kind === 'owned'), { timeoutMs: 30_000, what: 'A owning every number' });
    // Opened by a newer binary than B's (DM-11): no rebalance can move a number to B, so B only reads.
    for (const n of NUMBERS) await a.ownership.noteStoreVersion(n, a.ownership.held().get(n)!.fence, '9.3.0');
    const b = await inProcessNode(url, 'b', { env: ENV, gowaVersion: '9.2.0' });
    const received = new Map<string, JournalEntry[]>();
    const fanout = new JournalFanout({
      pool: b.pool,
      listen: () => connectClient(url, 2000, 'wa-gw:b:journal'),
      deliver: (entry) => void (received.get(entry.phoneNumber) ?? received.set(entry.phoneNumber, []).get(entry.phoneNumber)!).push(entry),
      settings: { pollMs: 60_000 },
    });
    await fanout.start();
    const appender = new JournalAppender({ pool: a.pool, nodeId: 'a', fences: a.ownership, settings: appenderSettings });
    const made: Pair = { url, a, b, appender, fanout, received, fence: (n) => a.ownership.held().get(n)!.fence };
    open.push(made);
    return made;
  }

  it('delivers a burst from A at B gap-free, in order and once, written in batches', async () => {
    const { appender, fanout, received, fence, b } = await pair('journal_burst');
    for (const n of NUMBERS) expect(await fanout.follow(n)).toBe(0);
    const count = 400;
    const appended = await Promise.all(NUMBERS.flatMap((n) => Array.from({ length: count }, (_, i) => appender.append(n, fence(n), { type: 'message', payload: { i, number: n } }))));

    for (const n of NUMBERS) expect(appended.filter((e) => e.phoneNumber === n).map((e) => e.seq)).toEqual(oneTo(count));
    await waitFor(() => NUMBERS.every((n) => (received.get(n)?.length ?? 0) >= count), { timeoutMs: 30_000, what: 'B receiving every event' });
    for (const n of NUMBERS) {
      expect(seqs(received.get(n))).toEqual(oneTo(count));
      expect(received.get(n)!.map((e) => e.payload['i'])).toEqual(oneTo(count).map((s) => s - 1));
    }
    // Batches: the 1,200 rows came in far fewer transactions than rows.
    const [{ transactions }] = (await b.pool.query<{ transactions: number }>('SELECT count(DISTINCT xmin::text)::int AS transactions FROM events')).rows as [{ transactions: number }];
    expect(transactions).toBeLessThan(count);
  });

  it('resumes from a seq in the middle without a gap: a replay from Postgres, and a follow that joins the live stream', async () => {
    const { appender, fanout, received, fence, b } = await pair('journal_resume');
    const [n] = NUMBERS as [string];
    await Promise.all(Array.from({ length: 300 }, (_, i) => appender.append(n, fence(n), { type: 'message', payload: { i } })));

    const replay = await replayJournal(b.pool, n, 120, 1000);
    expect(seqs(replay.entries)).toEqual(oneTo(300).slice(120));
    expect(replay).toMatchObject({ lastSeq: 300, truncated: false });
    expect(replay.entries[0]!.payload).toEqual({ i: 120 });
    const window = await replayJournal(b.pool, n, 120, 50);
    expect(seqs(window.entries)).toEqual(oneTo(300).slice(250));
    expect(window.truncated).toBe(true);
    const upTo = await replayJournal(b.pool, n, 120, 1000, 200);
    expect(seqs(upTo.entries)).toEqual(oneTo(200).slice(120));
    expect(seqs(await pageJournal(b.pool, n, 120, 50))).toEqual(oneTo(170).slice(120));

    expect(await fanout.follow(n, 120)).toBe(120);
    await Promise.all(Array.from({ length: 30 }, (_, i) => appender.append(n, fence(n), { type: 'message', payload: { i: 300 + i } })));
    await waitFor(() => (received.get(n)?.length ?? 0) >= 210, { timeoutMs: 30_000, what: 'the resumed stream reaching the live events' });
    expect(seqs(received.get(n))).toEqual(oneTo(330).slice(120));
  });

  it('prunes old rows but keeps each number\'s newest, so numbering carries on after it', async () => {
    const { appender, fence, b } = await pair('journal_prune');
    const [x, y] = NUMBERS as [string, string];
    await Promise.all([...Array.from({ length: 5 }, () => appender.append(x, fence(x), { type: 't', payload: {} })), ...Array.from({ length: 3 }, () => appender.append(y, fence(y), { type: 't', payload: {} }))]);
    const cutoff = Date.now() + 1;
    expect(await pruneJournal(b.pool, cutoff)).toBe(6);
    const left = await b.pool.query<{ phone_number: string; seq: number }>('SELECT phone_number, seq::int AS seq FROM events ORDER BY 1, 2');
    expect(left.rows).toEqual([
      { phone_number: x, seq: 5 },
      { phone_number: y, seq: 3 },
    ]);
    expect((await appender.append(x, fence(x), { type: 't', payload: {} })).seq).toBe(6);
    expect(await replayJournal(b.pool, x, 2, 100)).toMatchObject({ lastSeq: 6, truncated: true });
  });

  it('catches up rows whose notice never came (the poll), without waiting for another event', async () => {
    const { b, url } = await pair('journal_poll');
    const [n] = NUMBERS as [string];
    const got: JournalEntry[] = [];
    const polling = new JournalFanout({ pool: b.pool, listen: () => connectClient(url, 2000, 'wa-gw:b:poll'), deliver: (e) => void got.push(e), settings: { pollMs: 200 } });
    await polling.start();
    try {
      await polling.follow(n);
      // Rows written without a NOTIFY: as if the notice was lost on a link that never reported dropping.
      await b.pool.query(`INSERT INTO events (phone_number, seq, type, payload) SELECT $1, s, 'message', json_build_object('s', s) FROM generate_series(1, 5) AS s`, [n]);
      await waitFor(() => got.length >= 5, { timeoutMs: 20_000, what: 'the poll finding the rows' });
      expect(seqs(got)).toEqual(oneTo(5));
    } finally {
      await polling.stop();
    }
  });

  it('refuses every event written with a stale fence, writes none of it, reports the loss, and still writes the others of its batch', async () => {
    const { a, appender, fence, b } = await pair('journal_stale');
    const [moved, kept] = NUMBERS as [string, string];
    const stale = fence(moved);
    const lost: unknown[] = [];
    const off = a.ownership.events.on('lost', (e) => lost.push(e));
    // Another node's claim, as the database sees it: the number's fence moves on.
    await b.pool.query('UPDATE assignments SET fence = fence + 1 WHERE phone_number = $1', [moved]);

    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => appender.append(moved, stale, { type: 'message', payload: { i } })),
      appender.append(kept, fence(kept), { type: 'message', payload: { i: 0 } }),
    ]);
    off();
    const refused = results.slice(0, 20);
    expect(refused.every((r) => r.status === 'rejected' && isClusterError(r.reason, 'CLUSTER_OWNERSHIP_LOST'))).toBe(true);
    expect(results[20]).toMatchObject({ status: 'fulfilled', value: { phoneNumber: kept, seq: 1 } });
    const rows = await b.pool.query<{ phone_number: string; n: number }>('SELECT phone_number, count(*)::int AS n FROM events GROUP BY 1 ORDER BY 1');
    expect(rows.rows).toEqual([{ phone_number: kept, n: 1 }]);
    expect(lost).toEqual([{ phoneNumber: moved, fence: stale, reason: 'write-refused' }]);
  });

  it("runs a subscriber's writes in the batch's transaction and its after-commit steps once it committed; a subscriber that throws rolls the batch back", async () => {
    const { a, appender, fence, b } = await pair('journal_subscriber', { retryForMs: 300 });
    const [n1, n2] = NUMBERS as [string, string];
    await a.pool.query('CREATE TABLE side_rows (phone_number text, seq bigint)');
    const seen: string[] = [];
    let failing = false;
    appender.addSubscriber({
      inBatch: async (client, stored) => {
        await client.query('INSERT INTO side_rows SELECT * FROM unnest($1::text[], $2::bigint[])', [stored.map((e) => e.phoneNumber), stored.map((e) => e.seq)]);
        if (failing) throw new Error('a subscriber that fails');
        // Inside the transaction: the rows are there for it, not yet for anyone else.
        const outside = await b.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM side_rows');
        seen.push(`in batch: ${stored.map((e) => `${e.phoneNumber.slice(-1)}/${e.seq}`).join(' ')}, outside ${outside.rows[0]!.n}`);
        return [() => void seen.push(`after commit: ${stored.length}`)];
      },
    });

    const appended = await Promise.all([...[1, 2, 3].map((i) => appender.append(n1, fence(n1), { type: 'message', payload: { i } })), appender.append(n2, fence(n2), { type: 'message', payload: { i: 1 } })]);
    expect(appended.map((e) => e.seq)).toEqual([1, 2, 3, 1]);
    expect(seen).toEqual(['in batch: 1/1 1/2 1/3 2/1, outside 0', 'after commit: 4']);
    const side = await b.pool.query<{ phone_number: string; seq: number }>('SELECT phone_number, seq::int AS seq FROM side_rows ORDER BY 1, 2');
    expect(side.rows).toEqual([...[1, 2, 3].map((seq) => ({ phone_number: n1, seq })), { phone_number: n2, seq: 1 }]);

    // A throw rolls back the event and the subscriber's rows alike; the append fails once it has waited its time.
    failing = true;
    await expect(appender.append(n1, fence(n1), { type: 'message', payload: { i: 4 } })).rejects.toMatchObject({ code: 'CLUSTER_DB_UNREACHABLE' });
    const counts = await b.pool.query<{ events: number; side: number }>('SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM side_rows) AS side');
    expect(counts.rows).toEqual([{ events: 4, side: 4 }]);
    expect(seen).toHaveLength(2);
  });

  it('tells a committed batch from one rolled back or still running, as a writer whose COMMIT answer was lost asks', async () => {
    const { b } = await pair('journal_outcome');
    const transaction = async (end: 'COMMIT' | 'ROLLBACK' | null) => {
      const client = await b.pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
      await client.query(`INSERT INTO events (phone_number, seq, type, payload) VALUES ('outcome', $1, 't', '{}')`, [end === 'COMMIT' ? 1 : 2]);
      if (end) await client.query(end);
      return {
        xid: rows[0]!.xid,
        finish: async () => {
          if (!end) await client.query('ROLLBACK');
          client.release();
        },
      };
    };
    const committed = await transaction('COMMIT');
    const rolledBack = await transaction('ROLLBACK');
    const running = await transaction(null);
    try {
      expect(await commitStatus(b.pool, committed.xid)).toBe('committed');
      expect(await commitStatus(b.pool, rolledBack.xid)).toBe('aborted');
      expect(await commitStatus(b.pool, running.xid)).toBe('in progress');
    } finally {
      await Promise.all([committed.finish(), rolledBack.finish(), running.finish()]);
    }
  });

  it('catches up without a gap or a repeat across a Postgres restart in the middle of the stream', async () => {
    const { appender, fanout, received, fence, b } = await pair('journal_restart', { retryForMs: 60_000 });
    const [n] = NUMBERS as [string];
    await fanout.follow(n);
    const total = 2000;
    const failures: unknown[] = [];
    const writing = (async () => {
      for (let i = 0; i < total; i += 10) {
        const chunk = Array.from({ length: 10 }, (_, k) => appender.append(n, fence(n), { type: 'message', payload: { i: i + k } }).catch((err: unknown) => void failures.push(err)));
        await Promise.all(chunk);
      }
    })();
    await waitFor(() => (received.get(n)?.length ?? 0) >= 100, { timeoutMs: 30_000, what: 'the stream under way' });
    await server.restart();
    // Mid-stream: the writer had not finished when the server came back.
    expect(received.get(n)!.length).toBeLessThan(total);
    await writing;

    expect(failures).toEqual([]);
    await waitFor(() => (received.get(n)?.length ?? 0) >= total, { timeoutMs: 60_000, what: 'B catching up after the restart' });
    expect(seqs(received.get(n))).toEqual(oneTo(total));
    expect(received.get(n)!.map((e) => e.payload['i'])).toEqual(oneTo(total).map((s) => s - 1));
    const stored = await b.pool.query<{ n: number; max: number }>('SELECT count(*)::int AS n, max(seq)::int AS max FROM events WHERE phone_number = $1', [n]);
    expect(stored.rows).toEqual([{ n: total, max: total }]);
  }, 120_000);
});
