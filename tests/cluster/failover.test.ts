import { describe, expect, it } from '@jest/globals';
import { clusterScenarios, FAST, type ClusterRig, type Member, type Move } from '../helpers/cluster-members.js';
import { waitFor } from '../helpers/wait.js';

const TTL = Number(FAST.CLUSTER_LEASE_TTL);
const GRACE = Number(FAST.CLUSTER_EXPIRY_GRACE);
const TICK = Number(FAST.CLUSTER_CLAIM_INTERVAL);
/** Room for a loaded two-core machine on top of the design's bound. */
const SLACK = 6000;

/**
 * A member leaves three ways; the survivors must end up with its numbers, each moved once with a higher fence,
 * no write of the old owner after the new one's first (by the database's record), and fair shares.
 */
describe('failover between cluster members (F-1, F-3, F-10, F-12)', () => {
  const scenarios = clusterScenarios('failover');

  async function threeMembersWith60(victimEnv: Record<string, string> = {}, allEnv: Record<string, string> = {}): Promise<{ rig: ClusterRig; victim: Member; survivors: Member[]; victimNumbers: string[]; fences: Map<string, number>; before: number }> {
    const rig = await scenarios.newRig();
    const [n1, n2] = await rig.startAll(['n1', 'n2'], allEnv);
    const [n3] = await rig.startAll(['n3'], { ...allEnv, ...victimEnv });
    await rig.addNumbers(60);
    const held = await rig.waitForShares({ n1: 20, n2: 20, n3: 20 }, 30_000, { poke: true });
    // Every member is writing through its fences before the fault.
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(DISTINCT phone_number)::int AS n FROM member_writes'))[0]?.n === 60, { what: 'a fenced write for every number' });
    const fences = new Map([...(await rig.owners()).values()].map((o) => [o.phoneNumber, o.fence]));
    return { rig, victim: n3!, survivors: [n1!, n2!], victimNumbers: held.get('n3') ?? [], fences, before: await rig.lastMoveId() };
  }

  function claimsOf(moves: Move[], numbers: readonly string[]): Map<string, Move[]> {
    const claims = new Map<string, Move[]>(numbers.map((n) => [n, []]));
    for (const move of moves) if (move.toNode !== null) claims.get(move.phoneNumber)?.push(move);
    return claims;
  }

  it('F-1 + F-12: kill -9 of a member → its numbers move to the survivors within TTL + grace + tick, each once, fences up, fair shares', async () => {
    const { rig, victim, victimNumbers, fences, before } = await threeMembersWith60();
    const leaseAtKill = (await rig.nodeRow('n3'))!.expires_at;
    victim.signal('SIGKILL');
    await victim.exited;

    const held = await rig.waitForShares({ n1: 30, n2: 30 }, TTL + GRACE + TICK + SLACK);
    expect(held.get('n3')).toBeUndefined();
    const moves = await rig.moves(before);
    for (const [phoneNumber, claims] of claimsOf(moves, victimNumbers)) {
      expect({ phoneNumber, claims: claims.length }).toEqual({ phoneNumber, claims: 1 });
      expect(claims[0]).toMatchObject({ fromNode: 'n3', reason: 'expired', fence: fences.get(phoneNumber)! + 1 });
      // Nobody took a number before the dead member's lease had run out plus the grace, by the database's clock.
      expect(claims[0]!.at.getTime()).toBeGreaterThanOrEqual(leaseAtKill.getTime() + GRACE);
    }
    // The survivors' own numbers stayed where they were.
    expect(moves.filter((m) => !victimNumbers.includes(m.phoneNumber))).toEqual([]);
    // The new owners are writing; the two owners of a number never wrote at the same time.
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(DISTINCT phone_number)::int AS n FROM member_writes WHERE node_id <> $1 AND phone_number = ANY($2)', ['n3', victimNumbers]))[0]?.n === 20, { what: 'the new owners writing' });
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });

  it('F-10: SIGTERM → the member hands its numbers over and the survivors, woken by NOTIFY, claim them without waiting for its lease', async () => {
    // A claim tick far longer than the test: only the wake-ups (added, claimed, released) can move anything.
    const { rig, victim, survivors, victimNumbers, fences, before } = await threeMembersWith60({}, { CLUSTER_CLAIM_INTERVAL: '600000' });
    victim.signal('SIGTERM');
    expect(await victim.exited).toBe(0);
    expect(victim.count('drained')).toBe(1);
    expect(victim.count('released')).toBe(20);

    await rig.waitForShares({ n1: 30, n2: 30 }, 5000);
    const moves = await rig.moves(before);
    const releases = moves.filter((m) => m.toNode === null);
    expect(releases.map((m) => m.phoneNumber).sort()).toEqual([...victimNumbers].sort());
    expect(new Set(releases.map((m) => m.reason))).toEqual(new Set(['drain']));
    for (const [phoneNumber, claims] of claimsOf(moves, victimNumbers)) {
      expect({ phoneNumber, claims: claims.length }).toEqual({ phoneNumber, claims: 1 });
      expect(claims[0]).toMatchObject({ fromNode: 'n3', reason: 'released', fence: fences.get(phoneNumber)! + 1 });
      expect(survivors.map((s) => s.nodeId)).toContain(claims[0]!.toNode);
    }
    // A hand-over, not a failover: everything was claimed well inside one lease of the first release.
    const firstRelease = Math.min(...releases.map((m) => m.at.getTime()));
    const lastClaim = Math.max(...moves.filter((m) => m.toNode !== null).map((m) => m.at.getTime()));
    expect(lastClaim - firstRelease).toBeLessThan(TTL);
    // The member left: its NODE_ID is free at once.
    expect((await rig.nodeRow('n3'))?.draining).toBe(true);
    expect(await rig.writeSafety()).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });

  it('F-3: a member paused past its lease is replaced; after SIGCONT it fences itself and every write it tries is refused', async () => {
    const { rig, victim, victimNumbers, before } = await threeMembersWith60({ MEMBER_STALE_WRITES: '3' });
    victim.signal('SIGSTOP');
    await rig.waitForShares({ n1: 30, n2: 30 }, TTL + GRACE + TICK + SLACK);
    const claims = (await rig.moves(before)).map((m) => `${m.phoneNumber} ${m.fromNode}→${m.toNode ?? '-'} ${m.reason}`).sort();
    expect(claims).toEqual(victimNumbers.map((n) => expect.stringMatching(new RegExp(`^${n} n3→n[12] expired$`))));

    victim.signal('SIGCONT');
    await victim.waitForEvent((e) => e.event === 'fenced', 'self-fence after the pause');
    await waitFor(() => victim.events.filter((e) => e.event === 'lost').length === 20, { what: 'every number reported lost' });
    await waitFor(() => victim.count('write-rejected') >= 20, { what: 'the stale writes refused' });
    expect(victim.count('stale-write-accepted')).toBe(0);
    // It comes back as a new incarnation and takes part again.
    const rejoined = await victim.waitForEvent((e) => e.event === 'joined' && e.rejoin === true, 'rejoin');
    expect(rejoined.incarnation).toBeTruthy();
    const safety = await rig.writeSafety();
    expect(safety).toMatchObject({ stale: 0, overlapNumbers: 0 });
  });
});
