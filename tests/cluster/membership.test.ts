import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import getPort from 'get-port';
import path from 'node:path';
import pg from 'pg';
import { claimRound, type ClaimRules } from '../../src/cluster/claim.js';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import { isClusterError } from '../../src/cluster/errors.js';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { ClusterRig, inProcessNode, spawnMember } from '../helpers/cluster-members.js';
import { ROOT } from '../helpers/gateway.js';
import { databaseUrl, POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { pgTables } from '../helpers/table-shapes.js';
import { waitFor } from '../helpers/wait.js';

const MIGRATIONS = path.join(ROOT, 'drizzle-postgres');

describe('cluster membership, claims and fenced writes on a real Postgres', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  it('F-9: a second process with a live NODE_ID refuses to start and changes nothing; after a drain the id is free at once', async () => {
    const rig = new ClusterRig(await server.createDatabase('dup_node'));
    try {
      await rig.startAll(['n1']);
      await rig.addNumbers(3);
      await rig.waitForShares({ n1: 3 });
      const lease = await rig.nodeRow('n1');
      const before = await rig.lastMoveId();

      const twin = rig.start('n1');
      expect(await twin.exited).toBe(1);
      expect(twin.events.find((e) => e.event === 'error')).toMatchObject({ code: 'CLUSTER_NODE_ID_IN_USE' });
      expect(twin.stderr).toMatch(/NODE_ID n1 is held by another live process/);
      expect((await rig.nodeRow('n1'))?.incarnation).toBe(lease?.incarnation);
      expect(await rig.moves(before)).toEqual([]);

      const [first] = rig.members;
      first!.signal('SIGTERM');
      expect(await first!.exited).toBe(0);
      const [again] = await rig.startAll(['n1']);
      expect(again!.count('ready')).toBe(1);
      await rig.waitForShares({ n1: 3 });
    } finally {
      await rig.close();
    }
  });

  const wrongPassword = 'Wrong-Secret-91x';
  it.each([
    { what: 'a wrong password', url: (port: number) => databaseUrl(port, 'postgres', 'postgres', wrongPassword), code: 'CLUSTER_DB_REFUSED', message: /refused the connection: password authentication failed/ },
    { what: 'an unknown database', url: (port: number) => databaseUrl(port, 'no_such_db'), code: 'CLUSTER_DB_REFUSED', message: /database "no_such_db" does not exist/ },
    { what: 'nothing listening', url: (_port: number, closed: number) => databaseUrl(closed, 'postgres', 'postgres', wrongPassword), code: 'CLUSTER_DB_UNREACHABLE', message: /cannot be reached \(ECONNREFUSED\)/ },
    { what: 'not a Postgres URL', url: () => `mysql://root:${wrongPassword}@127.0.0.1/db`, code: 'CONFIG_INVALID', message: /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/ },
  ])('a DATABASE_URL with $what stops the start with $code and never shows the password', async ({ url, code, message }) => {
    const member = spawnMember(url(server.port, await getPort()), 'n1');
    expect(await member.exited).toBe(1);
    expect(member.events.find((e) => e.event === 'error')).toMatchObject({ code });
    expect(member.stderr).toMatch(message);
    expect(member.stderr + JSON.stringify(member.events)).not.toContain(wrongPassword);
  });

  it('migrates once when several nodes start together', async () => {
    const url = await server.createDatabase('parallel_migrate');
    const clients = await Promise.all([1, 2, 3].map(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }));
    try {
      await Promise.all(clients.map((c) => migratePostgres(c, MIGRATIONS)));
      const tables = await server.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`, [], 'parallel_migrate');
      expect(tables.map((t) => t.table_name)).toEqual([...pgTables().keys()].sort());
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  describe('claim rules (DM-9 … DM-11), one number at a time', () => {
    const db = 'claim_rules';
    const me = { nodeId: 'me', incarnation: '11111111-1111-4111-8111-111111111111' };
    const other = '22222222-2222-4222-8222-222222222222';
    const older = '33333333-3333-4333-8333-333333333333';
    const rules: ClaimRules = { capacity: 10, gowaVersion: '9.2.0', expiryGraceMs: 2000, mayTakeExpired: true, releaseCooldownMs: 5000 };
    let pool: pg.Pool;

    beforeAll(async () => {
      const url = await server.createDatabase(db);
      pool = new pg.Pool({ connectionString: url, max: 2 });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await migratePostgres(client, MIGRATIONS);
      await client.end();
    });
    afterAll(async () => pool?.end());

    /** `other`'s lease: expires `expiresIn` s from now (negative: ago), its current incarnation joined `joinedAgo` s ago. */
    async function setUp(owner: { node: string | null; incarnation?: string; expiresIn?: number; joinedAgo?: number; releasedBy?: string; releasedAgo?: number }, minVersion = '0.0.0'): Promise<void> {
      await pool.query('TRUNCATE assignments, nodes, ownership_moves');
      const node = `INSERT INTO nodes (node_id, incarnation, advertise_url, capacity, gowa_version, joined_at, renewed_at, expires_at)
        VALUES ($1, $2, 'http://x', 10, '9.2.0', now() - make_interval(secs => $3), now(), now() + make_interval(secs => $4))`;
      await pool.query(node, [me.nodeId, me.incarnation, 60, 10]);
      if (owner.node) await pool.query(node, [owner.node, other, owner.joinedAgo ?? 60, owner.expiresIn ?? 10]);
      await pool.query('INSERT INTO assignments (phone_number, node_id, node_incarnation, fence, min_gowa_version, released_by, released_at) VALUES ($1, $2, $3, 5, $4, $5, now() - make_interval(secs => $6))', [
        '5511900000001',
        owner.node,
        owner.node ? (owner.incarnation ?? other) : null,
        minVersion,
        owner.releasedBy ?? null,
        owner.releasedAgo ?? 1,
      ]);
    }

    it.each([
      { what: 'never owned', owner: { node: null }, claimed: 'new' },
      { what: 'handed over', owner: { node: null, releasedBy: 'x' }, claimed: 'released' },
      { what: 'handed over by us within the cooldown', owner: { node: null, releasedBy: 'me' }, claimed: null },
      { what: 'handed over by us before the cooldown', owner: { node: null, releasedBy: 'me', releasedAgo: 6 }, claimed: 'released' },
      { what: 'owned by a live node', owner: { node: 'b' }, claimed: null },
      { what: 'owned by a lease expired within the grace', owner: { node: 'b', expiresIn: -1 }, claimed: null },
      { what: 'owned by a lease expired beyond the grace', owner: { node: 'b', expiresIn: -3 }, claimed: 'expired' },
      { what: 'expired beyond the grace, but we are in the quiet period', owner: { node: 'b', expiresIn: -3 }, quiet: true, claimed: null },
      { what: 'owned by an incarnation replaced beyond the grace (even when quiet)', owner: { node: 'b', incarnation: older, joinedAgo: 3 }, quiet: true, claimed: 'orphaned' },
      { what: 'owned by an incarnation replaced within the grace', owner: { node: 'b', incarnation: older, joinedAgo: 1 }, claimed: null },
      { what: 'free, but its store was opened by a newer binary', owner: { node: null }, minVersion: '9.10.0', claimed: null },
      { what: 'free, its store opened by an older binary', owner: { node: null }, minVersion: '9.1.9', claimed: 'new' },
    ])('a number $what → $claimed', async ({ owner, quiet, minVersion, claimed }) => {
      await setUp(owner, minVersion);
      const result = await claimRound(pool, me, { ...rules, mayTakeExpired: !quiet });
      expect(result.map((c) => c.reason)).toEqual(claimed ? [claimed] : []);
      if (claimed) expect(result[0]?.fence).toBe(6);
      const moves = (await pool.query('SELECT from_node, to_node, reason FROM ownership_moves')).rows;
      expect(moves).toEqual(claimed ? [{ from_node: owner.node ?? owner.releasedBy ?? null, to_node: 'me', reason: claimed }] : []);
    });

    it('claims no more than the fair share, then only what nobody else below its share may take, up to the capacity', async () => {
      await pool.query('TRUNCATE assignments, nodes, ownership_moves');
      await pool.query(`INSERT INTO nodes (node_id, incarnation, advertise_url, capacity, gowa_version, joined_at, renewed_at, expires_at) VALUES
        ('me', $1, 'http://x', 3, '9.3.0', now(), now(), now() + interval '10 seconds'), ('b', $2, 'http://x', 10, '9.2.0', now(), now(), now() + interval '10 seconds')`, [me.incarnation, other]);
      // Four numbers b (9.2.0) can take, three only a 9.3.0 binary can; fair share ceil(7 / 2) = 4.
      await pool.query(`INSERT INTO assignments (phone_number, min_gowa_version) VALUES ('1', '0.0.0'), ('2', '0.0.0'), ('3', '9.3.0'), ('4', '9.3.0'), ('5', '9.3.0'), ('6', '0.0.0'), ('7', '0.0.0')`);
      const full = await claimRound(pool, me, { ...rules, capacity: 3, gowaVersion: '9.3.0' });
      expect(full.map((c) => c.phoneNumber)).toEqual(['1', '2', '3']);
      await pool.query(`UPDATE nodes SET capacity = 10 WHERE node_id = 'me'`);
      // One more up to the fair share, then 5 (b may not take it) but not 6 and 7 (b may).
      const more = await claimRound(pool, me, { ...rules, capacity: 10, gowaVersion: '9.3.0' });
      expect(more.map((c) => c.phoneNumber)).toEqual(['4', '5']);
      expect((await pool.query(`SELECT phone_number FROM assignments WHERE node_id IS NULL ORDER BY 1`)).rows).toEqual([{ phone_number: '6' }, { phone_number: '7' }]);
    });
  });

  describe('fenced writes (DM-17)', () => {
    let node: ClusterNode;
    let url: string;
    beforeAll(async () => {
      url = await server.createDatabase('fenced_writes');
      node = await inProcessNode(url, 'w1');
      await node.pool.query('CREATE TABLE log (phone_number text, fence bigint)');
      await node.addNumbers(['5511900000001']);
      await waitFor(() => node.ownership.held().get('5511900000001')?.kind === 'owned', { what: 'acquired' });
    });
    afterAll(async () => node?.close());

    const insert = (fence: number) => (client: pg.PoolClient) => client.query('INSERT INTO log VALUES ($1, $2)', ['5511900000001', fence]);

    it('writes while the fence holds; refuses, writes nothing and reports the loss once it moved on', async () => {
      const fence = node.ownership.held().get('5511900000001')!.fence;
      await node.ownership.withFence('5511900000001', fence, insert(fence));
      const lost: unknown[] = [];
      const off = node.ownership.events.on('lost', (e) => lost.push(e));
      // Another node's claim, as the database sees it: the fence moves on.
      await node.pool.query('UPDATE assignments SET fence = fence + 1');
      const refused = await node.ownership.withFence('5511900000001', fence, insert(fence)).catch((err: unknown) => err);
      off();
      expect(isClusterError(refused, 'CLUSTER_OWNERSHIP_LOST')).toBe(true);
      expect(lost).toEqual([{ phoneNumber: '5511900000001', fence, reason: 'write-refused' }]);
      expect((await node.pool.query('SELECT fence::int AS fence FROM log')).rows).toEqual([{ fence }]);
    });

    it('holds the row while the write runs, so a claim passes it by (SKIP LOCKED) and the fence cannot move under it', async () => {
      const entry = await waitFor(
        () => {
          const held = node.ownership.held().get('5511900000001');
          return held?.kind === 'owned' ? held : null;
        },
        { what: 'owned again' },
      );
      let finish!: () => void;
      const holding = new Promise<void>((resolve) => (finish = resolve));
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => (inside = resolve));
      const write = node.ownership.withFence('5511900000001', entry.fence, async (client) => {
        inside();
        await holding;
        await insert(entry.fence)(client);
      });
      await entered;
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await other.query('BEGIN');
        expect((await other.query('SELECT phone_number FROM assignments FOR UPDATE SKIP LOCKED')).rows).toEqual([]);
        await other.query('ROLLBACK');
        await other.query(`SET lock_timeout = '200ms'`);
        await expect(other.query('UPDATE assignments SET fence = fence + 1')).rejects.toThrow(/lock timeout/);
      } finally {
        finish();
        await write;
        await other.end();
      }
    });
  });
});
