import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClusterRig } from '../helpers/cluster-members.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

/** A lease long enough to ride out a restart (the design's advice: TTL 30 s where Postgres blips are expected). */
const TIMINGS = {
  CLUSTER_LEASE_TTL: '10000',
  CLUSTER_FENCE_MARGIN: '2000',
  CLUSTER_HEARTBEAT_INTERVAL: '1000',
  CLUSTER_DB_TIMEOUT: '800',
  CLUSTER_CLAIM_INTERVAL: '500',
  CLUSTER_EXPIRY_GRACE: '1000',
  CLUSTER_REBALANCE_INTERVAL: '1000',
};

describe('F-6: a Postgres restart shorter than the lease', () => {
  let server: TestPostgres;
  let rig: ClusterRig;
  beforeAll(async () => {
    server = await startPostgres();
    rig = new ClusterRig(await server.createDatabase('outage'));
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await rig?.close();
    await server?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  it('changes no assignment: every member keeps its numbers and fences, nobody fences itself, writes resume', async () => {
    await rig.startAll(['n1', 'n2', 'n3'], TIMINGS);
    const numbers = await rig.addNumbers(30);
    await rig.waitForShares({ n1: 10, n2: 10, n3: 10 });
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(DISTINCT phone_number)::int AS n FROM member_writes'))[0]?.n === 30, { what: 'writes for every number' });
    const owners = await rig.owners();
    const before = await rig.lastMoveId();

    const started = Date.now();
    await server.restart();
    const outageMs = Date.now() - started;
    // The scenario is only this one while the restart stays inside the fence window (TTL − margin).
    expect(outageMs).toBeLessThan(Number(TIMINGS.CLUSTER_LEASE_TTL) - Number(TIMINGS.CLUSTER_FENCE_MARGIN));

    const [{ t: back } = { t: new Date() }] = await rig.query<{ t: Date }>('SELECT now() AS t');
    // Every member has renewed twice since, and written again for every number.
    await waitFor(async () => (await rig.query<{ ok: boolean }>(`SELECT count(*) = 3 AND bool_and(renewed_at > $1::timestamptz + interval '2 seconds') AS ok FROM nodes WHERE expires_at > now()`, [back]))[0]?.ok, { timeoutMs: 20_000, what: 'renewals after the restart' });
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(DISTINCT phone_number)::int AS n FROM member_writes WHERE at > $1', [back]))[0]?.n === numbers.length, { what: 'writes after the restart' });

    expect(await rig.moves(before)).toEqual([]);
    expect(await rig.owners()).toEqual(owners);
    for (const member of rig.members) {
      expect({ node: member.nodeId, alive: member.alive(), fenced: member.count('fenced'), lost: member.count('lost') }).toEqual({ node: member.nodeId, alive: true, fenced: 0, lost: 0 });
    }
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });
});
