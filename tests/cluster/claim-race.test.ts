/**
 * A claim round reads the numbers it may take, then locks them (DM-9). A number another node claimed in between
 * must be left alone: Postgres re-checks a row that changed under FOR UPDATE, and that check has to read the new
 * holder's lease, not the "nobody" it read at the start of the statement.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { claimRound, type ClaimRules } from '../../src/cluster/claim.js';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { ROOT } from '../helpers/gateway.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const TARGET = '5511900000001';
/** Numbers of a live third node that the round reads (and sorts) before it locks anything: the window this test needs. */
const FILLER = 400_000;
const rules: ClaimRules = { capacity: 10, gowaVersion: '9.2.0', expiryGraceMs: 500, mayTakeExpired: true, releaseCooldownMs: 600 };

describe('a claim round racing another node for a new number', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  it('leaves a number claimed by another node after the round began reading: its claimer keeps it, fence 1', async () => {
    const url = await server.createDatabase('claim_race');
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'racing-claim' });
    try {
      await migratePostgres(other, path.join(ROOT, 'drizzle-postgres'));
      const [a, b, x] = ['a', 'b', 'x'].map((nodeId) => ({ nodeId, incarnation: crypto.randomUUID() }));
      for (const node of [a!, b!, x!]) {
        await other.query(`INSERT INTO nodes (node_id, incarnation, advertise_url, capacity, gowa_version, joined_at, renewed_at, expires_at)
          VALUES ($1, $2, 'http://x', 1000000, '9.2.0', now(), now(), now() + interval '10 minutes')`, [node.nodeId, node.incarnation]);
      }
      await other.query(`INSERT INTO assignments (phone_number, node_id, node_incarnation, fence) SELECT '56' || g, 'x', $1, 1 FROM generate_series(1, ${FILLER}) g`, [x!.incarnation]);
      await other.query('INSERT INTO assignments (phone_number) VALUES ($1)', [TARGET]);

      // Node a's claim of the new number, not committed yet.
      await other.query('BEGIN');
      await other.query('UPDATE assignments SET node_id = $1, node_incarnation = $2, fence = fence + 1, claimed_at = now() WHERE phone_number = $3', [a!.nodeId, a!.incarnation, TARGET]);
      const round = claimRound(pool, b!, rules);
      // b's claim statement has begun (its snapshot saw the number free); a commits while b is still reading.
      await waitFor(
        async () => (await server.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'racing-claim' AND state = 'active' AND query LIKE '%WITH candidate%'`, [], 'claim_race'))[0]?.n === 1,
        { intervalMs: 1, what: "b's claim statement running" },
      );
      await other.query('COMMIT');
      expect((await round).map((c) => c.phoneNumber)).not.toContain(TARGET);
      const { rows } = await other.query('SELECT node_id, fence::int AS fence, (SELECT count(*)::int FROM ownership_moves WHERE phone_number = $1) AS moves FROM assignments WHERE phone_number = $1', [TARGET]);
      expect(rows).toEqual([{ node_id: 'a', fence: 1, moves: 0 }]);
    } finally {
      await other.end();
      await pool.end();
    }
  }, 120_000);
});
