import { describe, expect, it } from '@jest/globals';
import { clusterScenarios, FAST, type ClusterRig } from '../helpers/cluster-members.js';
import { waitFor } from '../helpers/wait.js';

const REBALANCE = Number(FAST.CLUSTER_REBALANCE_INTERVAL);
const GRACE = Number(FAST.CLUSTER_EXPIRY_GRACE);
const TICK = Number(FAST.CLUSTER_CLAIM_INTERVAL);

describe('placement: rebalance on join (F-11) and version skew (F-15)', () => {
  const { newRig } = clusterScenarios('placement');

  /** Wait (on the database's clock) until every live member has renewed `ms` after now: the loops have had that long. */
  async function letRun(r: ClusterRig, ms: number): Promise<void> {
    const [{ t } = { t: new Date() }] = await r.query<{ t: Date }>('SELECT now() AS t');
    await waitFor(async () => (await r.query<{ ok: boolean }>(`SELECT bool_and(renewed_at > $1::timestamptz + make_interval(secs => $2::float8 / 1000)) AS ok FROM nodes WHERE expires_at > now()`, [t, ms]))[0]?.ok, {
      timeoutMs: ms + 10_000,
      what: `${ms} ms of running`,
    });
  }

  it('F-11: a joining member gets its share gradually — one number per node per period, each moved once, no ping-pong', async () => {
    const r = await newRig();
    await r.startAll(['n1', 'n2']);
    await r.addNumbers(12);
    await r.waitForShares({ n1: 6, n2: 6 });
    const before = await r.lastMoveId();

    await r.startAll(['n3']);
    await r.waitForShares({ n1: 4, n2: 4, n3: 4 });
    const moves = await r.moves(before);
    const releases = moves.filter((m) => m.toNode === null);
    const claims = moves.filter((m) => m.toNode !== null);
    expect(releases.map((m) => `${m.fromNode} ${m.reason}`).sort()).toEqual(['n1 rebalance', 'n1 rebalance', 'n2 rebalance', 'n2 rebalance']);
    expect(claims.map((m) => `${m.toNode} ${m.reason}`)).toEqual(Array(4).fill('n3 released'));
    expect(new Set(claims.map((m) => m.phoneNumber)).size).toBe(4);
    for (const node of ['n1', 'n2']) {
      const [first, second] = releases.filter((m) => m.fromNode === node).map((m) => m.at.getTime());
      expect(second! - first!).toBeGreaterThanOrEqual(REBALANCE);
    }

    // Settled: several more rebalance periods change nothing.
    const settled = await r.lastMoveId();
    await letRun(r, 6 * REBALANCE);
    expect(await r.moves(settled)).toEqual([]);
    expect(await r.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });

  it('F-15: a number whose store a newer binary opened never lands on an older member', async () => {
    const r = await newRig();
    const raise = { MEMBER_RAISE_VERSION: '1' };
    await r.startAll(['old'], { ...raise, MEMBER_GOWA_VERSION: '9.2.0' });
    await r.startAll(['new'], { ...raise, MEMBER_GOWA_VERSION: '9.3.0' });
    // Four numbers were migrated by 9.3.0 elsewhere already.
    await r.query(`INSERT INTO assignments (phone_number, min_gowa_version) SELECT unnest($1::text[]), '9.3.0'`, [['5521900000001', '5521900000002', '5521900000003', '5521900000004']]);
    await r.addNumbers(8);
    // All owned, and each owner has opened the stores it took (the old member's marked 9.2.0, the new one's 9.3.0).
    const VERSION: Record<string, string> = { old: '9.2.0', new: '9.3.0' };
    const owners = await waitFor(async () => {
      const all = [...(await r.owners()).values()];
      return all.every((o) => o.nodeId !== null && o.minGowaVersion === VERSION[o.nodeId]) ? all : null;
    }, { what: 'all 12 owned and their stores opened' });
    const onNew = owners.filter((o) => o.nodeId === 'new').map((o) => o.phoneNumber);
    for (const n of ['5521900000001', '5521900000002', '5521900000003', '5521900000004']) expect(onNew).toContain(n);

    const [newMember] = r.members.filter((m) => m.nodeId === 'new');
    const before = await r.lastMoveId();
    newMember!.signal('SIGKILL');
    await newMember!.exited;
    // The old member would have claimed them by now (lease + grace + a few ticks, by the database's clock).
    const lease = (await r.nodeRow('new'))!.expires_at;
    await waitFor(async () => (await r.query<{ ok: boolean }>('SELECT now() > $1::timestamptz + make_interval(secs => $2::float8 / 1000) AS ok', [lease, GRACE + 4 * TICK]))[0]?.ok, { what: 'past lease + grace' });
    await letRun(r, 2 * TICK);
    expect((await r.moves(before)).filter((m) => m.toNode === 'old')).toEqual([]);
    expect((await r.heldBy()).get('(none)')?.sort()).toEqual([...onNew].sort());

    // A member new enough takes them all, beyond its fair share since nobody else may.
    await r.startAll(['new2'], { ...raise, MEMBER_GOWA_VERSION: '9.3.0' });
    const after = await waitFor(async () => {
      const h = await r.heldBy();
      return h.has('(none)') ? null : h;
    }, { what: 'all owned again' });
    expect(after.get('new2')?.sort()).toEqual([...onNew].sort());
    expect((await r.moves(before)).filter((m) => m.toNode === 'old')).toEqual([]);
  });
});
