import { describe, expect, it } from '@jest/globals';
import { clusterScenarios, FAST } from '../helpers/cluster-members.js';
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

describe('Postgres outages (F-6, F-7)', () => {
  const { server, newRig } = clusterScenarios('outage');

  it('F-6: a restart shorter than the lease changes no assignment: every member keeps its numbers and fences, nobody fences itself, writes resume', async () => {
    const rig = await newRig();
    await rig.startAll(['n1', 'n2', 'n3'], TIMINGS);
    const numbers = await rig.addNumbers(30);
    await rig.waitForShares({ n1: 10, n2: 10, n3: 10 });
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(DISTINCT phone_number)::int AS n FROM member_writes'))[0]?.n === 30, { what: 'writes for every number' });
    const owners = await rig.owners();
    const before = await rig.lastMoveId();

    const started = Date.now();
    await server().restart();
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

  it('F-7: an outage longer than the fence window: every member fences itself before its lease runs out, then all recover', async () => {
    const rig = await newRig();
    await rig.startAll(['n1', 'n2', 'n3']);
    // Every lease the database ever granted, so the last one of each incarnation is known after the outage.
    await rig.query('CREATE TABLE lease_log (node_id text, incarnation uuid, expires_at timestamptz)');
    await rig.query(`CREATE FUNCTION log_lease() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO lease_log VALUES (NEW.node_id, NEW.incarnation, NEW.expires_at); RETURN NEW; END $$`);
    await rig.query('CREATE TRIGGER lease_log AFTER INSERT OR UPDATE ON nodes FOR EACH ROW EXECUTE FUNCTION log_lease()');
    await rig.addNumbers(30);
    await rig.waitForShares({ n1: 10, n2: 10, n3: 10 });
    const before = await rig.lastMoveId();
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(DISTINCT l.node_id)::int AS n FROM lease_log l JOIN nodes USING (node_id, incarnation)'))[0]?.n === 3, { what: 'a logged renewal of every member' });

    await server().stop();
    const fenced = await Promise.all(rig.members.map((m) => m.waitForEvent((e) => e.event === 'fenced', 'self-fence', Number(FAST.CLUSTER_LEASE_TTL) + 10_000)));
    await server().start();

    await Promise.all(rig.members.map((m) => m.waitForEvent((e) => e.event === 'joined' && e.rejoin === true, 'rejoin')));
    await rig.waitForShares({ n1: 10, n2: 10, n3: 10 });
    for (const event of fenced) {
      // The member had stopped its numbers before the last lease the database gave that incarnation ran out.
      const [last] = await rig.query<{ expires_at: Date }>('SELECT max(expires_at) AS expires_at FROM lease_log WHERE incarnation = $1', [event.incarnation]);
      expect(event.t).toBeLessThan(last!.expires_at.getTime());
    }
    // Each number was taken back once, by someone, only after its old owner had fenced itself.
    const claims = (await rig.moves(before)).filter((m) => m.toNode !== null);
    const fencedAt = new Map(fenced.map((e) => [e.node, e.t]));
    for (const claim of claims) expect(claim.at.getTime()).toBeGreaterThan(fencedAt.get(claim.fromNode ?? '') ?? 0);
    expect(new Set(claims.filter((m) => m.reason === 'orphaned').map((m) => m.phoneNumber)).size).toBe(30);
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });
});
