import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildRunner } from '../../src/cluster/agent/children.js';
import type { MembershipEvents } from '../../src/cluster/membership.js';
import { NodeAgent } from '../../src/cluster/node-agent.js';
import { OwnershipBook, type ClaimReason } from '../../src/cluster/ownership-state.js';
import { TypedEmitter } from '../../src/lib/typed-emitter.js';
import { AgentCluster, childAuth, jidOf } from '../helpers/agent-nodes.js';
import { cleanupArbiters, startArbiter, type ArbiterConnection } from '../helpers/arbiter.js';
import type { Member } from '../helpers/cluster-members.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const NODES = ['n1', 'n2', 'n3'] as const;
const NUMBERS = 6;

/**
 * Ownership drives real children: three nodes (bench/cluster/node.ts), each a cluster member with a supervisor and
 * the node agent, six numbers whose stand-in children keep their WhatsApp session in fenced per-number Postgres
 * stores and connect to one arbiter in detect mode (two connections of one session are counted, never kicked).
 */
describe('node agent: ownership drives the children, the store is fenced on takeover (F-1, F-2, F-3, F-10, DM-16)', () => {
  let server: TestPostgres;
  let cluster: AgentCluster | null = null;
  let scenario = 0;

  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterEach(async () => {
    await cluster?.close();
    cluster = null;
    await cleanupArbiters();
  }, 60_000);
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  interface Running {
    readonly cluster: AgentCluster;
    readonly victim: Member;
    readonly survivors: readonly string[];
    readonly numbers: string[];
    readonly victimNumbers: string[];
    /** The connection of each number before the fault: its session (AD JID) must survive the move. */
    readonly before: Map<string, ArbiterConnection>;
    readonly fences: Map<string, number>;
    /** Numbers each node had paired before the fault (where a number was first claimed; rebalancing may move it after). */
    readonly paired: Map<string, number>;
  }

  /** Three nodes, six numbers, two each, every one paired once (by whichever node claimed it first) and connected from its owner. */
  async function threeNodesWithSix(extra: Record<string, string> = {}): Promise<Running> {
    const arbiter = await startArbiter('detect');
    cluster = new AgentCluster(await server.createDatabase(`agent_${++scenario}`), arbiter);
    await cluster.startAll(NODES, extra);
    // Store roles are per Postgres server, not per database: each scenario gets numbers of its own.
    const numbers = await cluster.rig.addNumbers(NUMBERS, `5511${scenario}`);
    const held = await cluster.rig.waitForShares({ n1: 2, n2: 2, n3: 2 }, 60_000);
    const ownerOf = (n: string): string | undefined => [...held].find(([, list]) => list.includes(n))?.[0];
    const before = await cluster.waitConnected(numbers, (node, n) => node === ownerOf(n), 'every number connected from its owner');
    const pairings = cluster.nodes.flatMap((m) => m.events.filter((e) => e.event === 'paired').map((e) => e.number));
    expect([...pairings].sort()).toEqual([...numbers].sort());
    const paired = new Map(cluster.nodes.map((m) => [m.nodeId, m.count('paired')]));
    const fences = new Map([...(await cluster.rig.owners()).values()].map((o) => [o.phoneNumber, o.fence]));
    const victim = cluster.node('n3');
    return { cluster, victim, survivors: ['n1', 'n2'], numbers, victimNumbers: held.get('n3') ?? [], before, fences, paired };
  }

  /** Same session (not re-paired), from a survivor, and nobody paired anything after the fault. */
  function expectSessionsMoved(run: Running, after: Map<string, ArbiterConnection>): void {
    for (const n of run.victimNumbers) {
      const moved = after.get(n)!;
      expect({ n, device: moved.device, fromSurvivor: run.survivors.includes(moved.node) }).toEqual({ n, device: run.before.get(n)!.device, fromSurvivor: true });
      expect(moved.fence).toBe(run.fences.get(n)! + 1);
    }
    for (const id of run.survivors) expect(run.cluster.node(id).count('paired')).toBe(run.paired.get(id));
  }

  /** By the arbiter's clock: each of the victim's old connections closed before its number's new one opened. */
  async function expectClosedBeforeOpened(run: Running, after: Map<string, ArbiterConnection>): Promise<void> {
    const events = await run.cluster.arbiter.events();
    for (const n of run.victimNumbers) {
      const closed = events.find((e) => e.type === 'disconnect' && e.connection_id === run.before.get(n)!.id);
      const opened = events.find((e) => e.type === 'connect' && e.connection_id === after.get(n)!.id);
      expect(closed!.ms).toBeLessThan(opened!.ms);
    }
  }

  it('F-1: kill -9 of a node\'s whole process group → its numbers reconnect on the survivors with the same session, no overlap', async () => {
    const run = await threeNodesWithSix();
    const children = run.cluster.childPids(run.victim);
    process.kill(-run.victim.pid, 'SIGKILL');
    await run.victim.exited;
    await waitFor(() => children.every((pid) => !isAlive(pid)), { what: 'the victim\'s children gone with its group' });

    const after = await run.cluster.waitConnected(run.numbers, (node) => node !== 'n3', 'every number connected from a survivor');
    expectSessionsMoved(run, after);
    expect(await run.cluster.arbiter.overlaps()).toMatchObject({ count: 0, max_ms: 0 });
    // The survivors' own numbers never moved.
    for (const n of run.numbers.filter((x) => !run.victimNumbers.includes(x))) expect(after.get(n)!.id).toBe(run.before.get(n)!.id);
  });

  it('F-2: kill -9 of the node process only → its children die with it (parent-death signal) before anyone takes over, no overlap', async () => {
    const run = await threeNodesWithSix();
    const children = run.cluster.childPids(run.victim);
    expect(children).toHaveLength(2);
    process.kill(run.victim.pid, 'SIGKILL');
    await run.victim.exited;
    await waitFor(() => children.every((pid) => !isAlive(pid)), { timeoutMs: 2000, what: 'the orphaned children killed by setpriv --pdeathsig' });
    // Nobody has taken the numbers yet: the dead node's lease still runs.
    const owners = await run.cluster.rig.owners();
    for (const n of run.victimNumbers) expect(owners.get(n)).toMatchObject({ nodeId: 'n3', fence: run.fences.get(n) });

    const after = await run.cluster.waitConnected(run.numbers, (node) => node !== 'n3', 'every number connected from a survivor');
    expectSessionsMoved(run, after);
    await expectClosedBeforeOpened(run, after);
    expect(await run.cluster.arbiter.overlaps()).toMatchObject({ count: 0, max_ms: 0 });
  });

  /** Rows a number's stale child (old fence) wrote to its store after the number was claimed with the next fence. */
  async function staleWrites(run: Running, n: string): Promise<{ stale: string[]; fresh: string[] }> {
    const claims = (await run.cluster.rig.moves()).filter((m) => m.toNode !== null && m.fromNode === 'n3');
    const claimedAt = claims.find((m) => m.phoneNumber === n && m.fence === run.fences.get(n)! + 1)!.at;
    const rows = await run.cluster.rig.query<{ kind: string; fence: string }>(`SELECT kind, fence FROM wa_${n}.sim_event_log WHERE at > $1 ORDER BY seq`, [claimedAt]);
    return { stale: rows.filter((r) => r.fence === `f${run.fences.get(n)!}`).map((r) => r.kind), fresh: rows.filter((r) => r.fence === `f${run.fences.get(n)! + 1}`).map((r) => r.kind) };
  }

  it('F-3: a node paused past its lease → its watchdog kills its children before anyone takes over (no overlap); after SIGCONT the node finds its fence stale, restarts nothing, writes nothing', async () => {
    const run = await threeNodesWithSix();
    const stale = new Map(run.victimNumbers.map((n) => [n, run.cluster.childOf(run.victim, n)]));
    process.kill(run.victim.pid, 'SIGSTOP');
    // CHILD_WATCHDOG_TIMEOUT=3 (the rig's), shorter than the lease's TTL − margin − heartbeat: dead while n3 is stopped.
    await waitFor(() => [...stale.values()].every(({ pid }) => !isAlive(pid)), { timeoutMs: 20_000, what: "the paused node's children killed by its watchdog" });
    const after = await run.cluster.waitConnected(run.numbers, (node) => node !== 'n3', 'every number connected from a survivor');
    expectSessionsMoved(run, after);
    await expectClosedBeforeOpened(run, after);

    const mark = run.victim.events.length;
    process.kill(run.victim.pid, 'SIGCONT');
    await run.victim.waitForEvent((e) => e.event === 'fenced', 'self-fence after the pause');
    // What the watchdog killed is reported once the node runs again.
    const fired = (await run.victim.waitForEvent((e) => e.event === 'watchdog-fired', 'the watchdog report after the pause')) as unknown as { killed: number[] };
    expect([...fired.killed].sort()).toEqual([...stale.values()].map((c) => c.pid).sort());
    const since = (n: string) => run.victim.events.slice(mark).filter((e) => e.number === n);
    for (const n of run.victimNumbers) {
      // Whichever the node learns first (the watchdog's kill, or the loss of the number as its lease lapsed), the
      // number ends stopped there, never started again with its stale fence.
      const seen = await waitFor(() => (since(n).some((e) => e.event === 'child-state' && (e as { to?: string }).to === 'stopped') ? since(n) : null), { what: `${n} stopped on the paused node` });
      const first = seen.find((e) => e.event === 'child-state') as unknown as { from: string; to: string; reason: string };
      const byWatchdog = first.to === 'backoff' && /^killed by the child watchdog: the gateway was unresponsive for/.test(first.reason);
      const byLoss = first.to === 'stopping' && first.reason === 'ownership lost';
      expect({ n, first, understood: byWatchdog || byLoss }).toMatchObject({ n, first: { from: 'running' }, understood: true });
      // Nothing started again with the stale fence: a start on n3 only after it acquires the number anew.
      const firstStart = seen.findIndex((e) => e.event === 'child-state' && (e as { to?: string }).to === 'starting');
      if (firstStart >= 0) expect(seen.slice(0, firstStart).map((e) => e.event)).toContain('acquired');
      expect((await staleWrites(run, n)).stale).toEqual([]);
      expect((await staleWrites(run, n)).fresh).toContain('login');
    }
    expect(await run.cluster.arbiter.overlaps()).toMatchObject({ count: 0, max_ms: 0 });
  });

  it('F-3 without the watchdog (CHILD_WATCHDOG_TIMEOUT=0): the paused node\'s children stay connected beside the new owners until SIGCONT; their store refuses them', async () => {
    const run = await threeNodesWithSix({ CHILD_WATCHDOG_TIMEOUT: '0' });
    const stale = new Map(run.victimNumbers.map((n) => [n, run.cluster.childOf(run.victim, n)]));
    process.kill(run.victim.pid, 'SIGSTOP');
    // The survivors take over and their children connect the moved sessions; the paused node's children, which
    // nothing stops, are still connected too: detect mode counts that, see below.
    const after = await waitFor(
      async () => {
        const byNumber = await run.cluster.connections(run.victimNumbers);
        const moved = new Map<string, ArbiterConnection>();
        for (const [n, list] of byNumber) {
          const fresh = list.find((c) => c.node !== 'n3');
          if (!fresh) return null;
          moved.set(n, fresh);
        }
        return moved;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the survivors connecting the paused node\'s numbers' },
    );
    expectSessionsMoved(run, after);
    for (const n of run.victimNumbers) {
      const { pid, port } = stale.get(n)!;
      expect(isAlive(pid)).toBe(true);
      // The stale child answers, but its store refuses it: the send fails and nothing is written. Its slot is
      // addressed by the session's JID: a child started on a store paired elsewhere has its session under that id.
      const res = await fetch(`http://127.0.0.1:${port}/send/message`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(childAuth(pid)).toString('base64')}`, 'content-type': 'application/json', 'x-device-id': jidOf(n) },
        body: JSON.stringify({ phone: '628999000111', message: 'from a stale child' }),
      });
      expect(res.status).toBe(500);
      expect(await res.text()).toContain('password authentication failed');
      const writes = await staleWrites(run, n);
      expect(writes.stale).toEqual([]);
      expect(writes.fresh).toContain('login');
    }

    process.kill(run.victim.pid, 'SIGCONT');
    await run.victim.waitForEvent((e) => e.event === 'fenced', 'self-fence after the pause');
    await waitFor(() => [...stale.values()].every(({ pid }) => !isAlive(pid)), { what: 'the stale children killed' });
    // Two sessions of one number at once, the worst outcome: every overlap is the paused node's stale child beside
    // the new owner's, and each one ended only when the node woke up.
    const overlaps = await run.cluster.arbiter.overlaps();
    expect(overlaps.count).toBeGreaterThan(0);
    for (const o of overlaps.overlaps) {
      expect(o.ongoing).toBe(false);
      expect(run.victimNumbers.map(jidOf)).toContain(o.jid);
      expect(o.connections.map((c) => c.pid)).toContain(stale.get(o.jid.split('@')[0]!)!.pid);
    }
  });

  it('F-10: SIGTERM → the node stops its children, waits for their exit, hands over; the survivors reconnect with no overlap', async () => {
    const run = await threeNodesWithSix();
    const children = run.cluster.childPids(run.victim);
    run.victim.signal('SIGTERM');
    expect(await run.victim.exited).toBe(0);
    expect(run.victim.count('drained')).toBe(1);
    // Graceful: each child was stopped (SIGTERM, exit 0 on request) before its number was released.
    for (const n of run.victimNumbers) {
      const exited = run.victim.events.findIndex((e) => e.event === 'child-exited' && e.number === n && (e as { expected?: boolean }).expected === true);
      const released = run.victim.events.findIndex((e) => e.event === 'released' && e.number === n);
      expect(exited).toBeGreaterThanOrEqual(0);
      expect(released).toBeGreaterThan(exited);
    }
    expect(children.every((pid) => !isAlive(pid))).toBe(true);

    const after = await run.cluster.waitConnected(run.numbers, (node) => node !== 'n3', 'every number connected from a survivor');
    expectSessionsMoved(run, after);
    // Handed over, not failed over: the survivors claimed released rows, without waiting for the lease.
    const claims = (await run.cluster.rig.moves()).filter((m) => m.toNode !== null && run.victimNumbers.includes(m.phoneNumber) && m.fence > run.fences.get(m.phoneNumber)!);
    expect(claims.map((m) => m.reason)).toEqual(run.victimNumbers.map(() => 'released'));
    expect(await run.cluster.arbiter.overlaps()).toMatchObject({ count: 0, max_ms: 0 });
  });

  it('DM-19: a number whose child crash-loops goes failed on its node, is marked failed in the cluster and stays there', async () => {
    const arbiter = await startArbiter('detect');
    cluster = new AgentCluster(await server.createDatabase(`agent_${++scenario}`), arbiter);
    // A binary that exits 1 at once: every start crashes, the breaker gives up after two.
    const [n1] = await cluster.startAll(['n1'], { WHATSAPP_BINARY: '/bin/false', CRASH_LOOP_MAX: '2', RESTART_BASE_DELAY: '10', RESTART_MAX_DELAY: '50' });
    const numbers = await cluster.rig.addNumbers(2, `5511${scenario}`);
    for (const n of numbers) await n1!.waitForEvent((e) => e.event === 'child-state' && e.number === n && (e as { to?: string }).to === 'failed', `${n} failed`, 30_000);
    const rows = await waitFor(
      async () => {
        const marked = await cluster!.rig.query<{ phone_number: string; node_id: string }>('SELECT phone_number, node_id FROM assignments WHERE failed_at IS NOT NULL ORDER BY 1');
        return marked.length === 2 ? marked : null;
      },
      { what: 'both numbers marked failed' },
    );
    expect(rows).toEqual(numbers.map((n) => ({ phone_number: n, node_id: 'n1' })));
    const owners = await cluster.rig.owners();
    for (const n of numbers) expect(owners.get(n)?.nodeId).toBe('n1');
    expect(n1!.count('released')).toBe(0);
    expect(n1!.count('lost')).toBe(0);
  });
});

/**
 * Which numbers start at once on the node that takes them, judged by the starts its supervisor sees: the agent on a
 * stand-in supervisor whose starts hold until the test lets them go, driven by the ownership book as the core drives it.
 */
describe('node agent: a hand-over starts at once, a failover stays bounded (F-10, F-12)', () => {
  const LIMIT = 2;
  const NUMBERS_MOVED = 6;
  const numbers = Array.from({ length: NUMBERS_MOVED }, (_, i) => `55119800000${i}`);
  let detach: (() => void) | null = null;
  const pending: (() => void)[] = [];

  afterEach(() => {
    detach?.();
    detach = null;
    for (const finish of pending.splice(0)) finish();
  });

  /** `random` and the jitter bound are the agent's; a start that waited for jitter would wait `random() × jitterMs`. */
  function takerNode(jitter: { random: () => number; jitterMs: number }) {
    const book = new OwnershipBook();
    const registered = new Set<string>();
    const started: string[] = [];
    let inFlight = 0;
    let most = 0;
    const children: ChildRunner = {
      runner: (n) => (registered.has(n) ? { state: 'stopped' } : undefined),
      register: async (device) => registered.add(device.phoneNumber),
      start: (n) => {
        started.push(n);
        most = Math.max(most, ++inFlight);
        return new Promise((resolve) =>
          pending.push(() => {
            inFlight--;
            resolve(undefined);
          }),
        );
      },
      stop: async () => undefined,
      killNow: () => undefined,
      list: () => [],
      events: { on: () => () => undefined },
    };
    const agent = new NodeAgent({
      children,
      stores: { provision: async () => ({ uri: 'postgres://unused' }) },
      storeUris: new Map(),
      startConcurrency: LIMIT,
      startJitterMs: jitter.jitterMs,
      handoffConcurrency: 16,
      random: jitter.random,
    });
    detach = agent.attach({ membership: { events: new TypedEmitter<MembershipEvents>().view, isLive: () => true }, ownership: { events: book.events, markFailed: async () => undefined } });
    const take = (claim: ClaimReason): void => {
      for (const n of numbers) {
        book.transition(n, { kind: 'acquiring', fence: 2, incarnation: 'i', claim });
        book.transition(n, { kind: 'owned', fence: 2, incarnation: 'i', claim });
      }
    };
    return { take, started, most: () => most };
  }

  it(`starts more than RESTORE_CONCURRENCY (${LIMIT}) handed-over numbers all at once, none waiting for jitter`, async () => {
    // Any jitter would hold a start for about a minute, past waitFor's limit.
    const taker = takerNode({ random: () => 0.99, jitterMs: 60_000 });
    taker.take('released');
    await waitFor(() => taker.started.length === NUMBERS_MOVED, { what: 'every handed-over number starting' });
    // All six at once: none of the supervisor's starts has finished yet.
    expect(taker.most()).toBe(NUMBERS_MOVED);
    expect([...taker.started].sort()).toEqual(numbers);
  });

  it.each(['expired', 'orphaned', 'new', 'held'] as const)('starts numbers claimed %s at most RESTORE_CONCURRENCY at a time', async (claim) => {
    const taker = takerNode({ random: () => 0, jitterMs: 0 });
    taker.take(claim);
    // Each finished start lets exactly one more begin, until all have run.
    for (let seen = LIMIT; seen <= NUMBERS_MOVED; seen++) {
      await waitFor(() => taker.started.length >= seen, { what: `${seen} starts` });
      pending.shift()?.();
    }
    expect([...taker.started].sort()).toEqual(numbers);
    expect(taker.most()).toBe(LIMIT);
  });
});
