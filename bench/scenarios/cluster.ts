import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NumbersModule } from '../cluster/node-api.js';
import { measureJournal } from '../cluster/journal-figures.js';
import { measureRouting } from '../cluster/routing-figures.js';
import { ClusterBenchRig, type ArbiterConnection, type ArbiterEvent, type NodeEvent } from '../lib/cluster-rig.js';
import { ROOT } from '../lib/gateway.js';
import { distribution, round } from '../lib/stats.js';
import { figure, type BenchContext, type ScenarioResult, type Scenario } from './types.js';

const NODES = ['n1', 'n2', 'n3'] as const;
/** The journal figures (bench/cluster/journal-figures.ts): two nodes, 20 numbers, a saturated and a paced run. */
/** One forwarding hop (bench/cluster/routing-figures.ts): two members, one number, sequential calls. */
const ROUTING = { database: 'routing_bench', requests: 1000 } as const;
const JOURNAL = { database: 'journal_bench', numbers: 20, events: 20_000, inFlight: 1000, pacedRate: 1000, pacedSeconds: 5 } as const;

/** Rows a stand-in wrote to its store with a fence older than one already claimed before the write. Must be 0. */
const STALE_STORE_WRITES = (schema: string): string => `
  SELECT count(*)::int AS n FROM ${schema}.sim_event_log l
  WHERE EXISTS (SELECT 1 FROM ownership_moves m WHERE m.phone_number = $1 AND m.to_node IS NOT NULL
                  AND m.fence > substr(l.fence, 2)::bigint AND m.at < l.at)`;

/**
 * Distributed mode, ownership and sessions (docs/node-agent.md): three cluster nodes with real stand-in children
 * on one private Postgres, every number paired once into its fenced Postgres session store, the fake WhatsApp
 * arbiter in detect mode. `kill -9` of a whole node (its process group), then SIGTERM of another; timed on the
 * arbiter's monotonic clock from the fault to each moved session's first connect from its new node. The design's
 * default lease timings (TTL 15 s, heartbeat 3 s, claim tick 1 s, grace 2 s).
 */
export const clusterScenario: Scenario = {
  name: 'cluster',
  title: 'Distributed mode: failover and handoff of numbers with their sessions (3 nodes)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const count = ctx.args.clusterNumbers;
    const rig = new ClusterBenchRig();
    try {
      await rig.start();
      // The journal first, on a database of its own, before the nodes' children load the machine.
      await rig.query(`CREATE DATABASE ${JOURNAL.database}`);
      const journal = await measureJournal(rig.databaseUrl.replace(/\/[^/?]+(\?.*)?$/, `/${JOURNAL.database}`), { ...JOURNAL, log: ctx.log });
      await rig.query(`CREATE DATABASE ${ROUTING.database}`);
      // The last two ports of the range, apart from the nodes' children (which start from the base).
      const routing = await measureRouting(rig.databaseUrl.replace(/\/[^/?]+(\?.*)?$/, `/${ROUTING.database}`), { requests: ROUTING.requests, port: ctx.ports.max - 1, log: ctx.log });
      await rig.startNodes(NODES, { base: ctx.ports.base, max: ctx.ports.max - 2 });
      const numbers = Array.from({ length: count }, (_, i) => `55219${String(i + 1).padStart(8, '0')}`);
      const { addNumbers } = (await import(pathToFileURL(path.join(ROOT, 'dist', 'cluster', 'numbers.js')).href)) as NumbersModule;
      await addNumbers(rig.pool as never, numbers);
      const first = await rig.waitConnected(numbers, () => true, 180_000, 'every number paired and connected');
      ctx.log(`${count} numbers connected: ${NODES.map((n) => `${n} ${[...first.values()].filter((c) => c.node === n).length}`).join(', ')}`);

      // kill -9 of n3's whole process group: the gateway and its children at once.
      const victim = rig.nodes.find((n) => n.nodeId === 'n3')!;
      const killedAt = Date.now();
      process.kill(-victim.pid, 'SIGKILL');
      await victim.exited;
      const moved = [...first].filter(([, c]) => c.node === 'n3').map(([n]) => n);
      const afterKill = await rig.waitConnected(numbers, (node) => node !== 'n3', 120_000, 'the survivors connecting the dead node\'s numbers');
      const events = await rig.arbiterEvents();
      // The kernel closed the killed children's sockets at the kill: their disconnects put the kill on the arbiter's clock.
      const killMs = Math.min(...events.filter((e) => e.type === 'disconnect' && moved.some((n) => e.connection_id === first.get(n)!.id)).map((e) => e.ms));
      const wallToArbiter = killMs - killedAt;
      const failover = moved.map((n) => (connectMs(events, afterKill.get(n)!) - killMs) / 1000);

      // SIGTERM of n2: a graceful drain, its numbers handed to n1.
      const drained = rig.nodes.find((n) => n.nodeId === 'n2')!;
      const handed = [...afterKill].filter(([, c]) => c.node === 'n2').map(([n]) => n);
      const termWall = Date.now();
      const termMs = termWall + wallToArbiter;
      drained.child.kill('SIGTERM');
      const drainExit = await drained.exited;
      const afterTerm = await rig.waitConnected(numbers, (node) => node === 'n1', 120_000, 'n1 connecting the drained node\'s numbers');
      const events2 = await rig.arbiterEvents();
      const handoff = handed.map((n) => (connectMs(events2, afterTerm.get(n)!) - termMs) / 1000);
      // Where a handoff's time goes, median seconds after the SIGTERM of each step (node wall clocks, one machine).
      const n1 = rig.nodes.find((n) => n.nodeId === 'n1')!;
      const step = (events: readonly NodeEvent[], name: string): number =>
        round(distribution(handed.map((n) => ((events.filter((e) => e.event === name && e.number === n && e.t >= termWall).at(0)?.t ?? NaN) - termWall) / 1000)).p50);
      const handoffSteps = { childExited: step(drained.events, 'child-exited'), released: step(drained.events, 'released'), acquired: step(n1.events, 'acquired'), childReady: step(n1.events, 'child-ready'), connected: round(distribution(handoff).p50) };

      ctx.log(`handoff of ${handed.length} numbers, median s after SIGTERM: ${JSON.stringify(handoffSteps)}`);
      const overlaps = await rig.arbiterGet<{ count: number; max_ms: number }>('/overlaps');
      const rePaired = numbers.filter((n) => afterTerm.get(n)!.device !== first.get(n)!.device).length;
      let stale = 0;
      for (const n of numbers) stale += (await rig.query<{ n: number }>(STALE_STORE_WRITES(`wa_${n}`), [n]))[0]?.n ?? 0;
      const f = distribution(failover);
      const h = distribution(handoff);
      return {
        scenario: 'cluster',
        title: this.title,
        ranAt: new Date().toISOString(),
        params: { nodes: NODES.length, numbers: count, leaseTtlMs: 15_000, heartbeatMs: 3000, claimIntervalMs: 1000, expiryGraceMs: 2000 },
        figures: [
          figure('failover_p50_s', 'failover after kill -9 of a node, p50', round(f.p50), 's'),
          figure('failover_max_s', 'failover after kill -9 of a node, max', round(f.max), 's', { op: '<=', value: 23 }),
          figure('handoff_p50_s', 'handoff after SIGTERM, p50', round(h.p50), 's'),
          figure('handoff_max_s', 'handoff after SIGTERM, max', round(h.max), 's', { op: '<=', value: 5 }),
          figure('overlap_ms', 'overlap: a session connected from two nodes (sampled by the arbiter), max', round(overlaps.max_ms), 'ms', { op: '<=', value: 0 }),
          figure('stale_store_writes', 'session-store rows written with a fence already superseded', stale, 'rows', { op: '<=', value: 0 }),
          figure('journal_append_per_s', 'journal on Postgres: events appended (batched, fenced, committed) per second', Math.round(journal.appendPerSecond), 'events/s'),
          figure('journal_fanout_per_s', 'journal on Postgres: events fanned out to the other node per second', Math.round(journal.fanoutPerSecond), 'events/s'),
          figure('journal_latency_p50_ms', `journal: append → emit on the other node at ${JOURNAL.pacedRate}/s, p50`, round(journal.latencyMs.p50), 'ms'),
          figure('journal_latency_p99_ms', `journal: append → emit on the other node at ${JOURNAL.pacedRate}/s, p99`, round(journal.latencyMs.p99), 'ms', { op: '<=', value: 100 }),
          figure('forward_hop_p50_ms', 'routing: extra latency of one forwarding hop, p50 (forwarded − direct)', round(routing.forwardedMs.p50 - routing.directMs.p50), 'ms'),
          figure('forward_hop_p99_ms', 'routing: extra latency of one forwarding hop, p99 (forwarded − direct)', round(routing.forwardedMs.p99 - routing.directMs.p99), 'ms'),
          figure('re_paired', 'sessions that had to be paired again after moving', rePaired, 'numbers', { op: '<=', value: 0 }),
        ],
        details: { journal: { ...JOURNAL, latencyMs: journal.latencyMs }, routing: { ...ROUTING, directMs: routing.directMs, forwardedMs: routing.forwardedMs }, handoffSteps, failedOver: moved.length, handedOver: handed.length, drainExitCode: drainExit, overlapCount: overlaps.count, failoverSeconds: f, handoffSeconds: h },
      };
    } finally {
      await rig.stop();
    }
  },
};

function connectMs(events: readonly ArbiterEvent[], connection: ArbiterConnection): number {
  const connect = events.find((e) => e.type === 'connect' && e.connection_id === connection.id);
  if (!connect) throw new Error(`no connect event for connection ${connection.id}`);
  return connect.ms;
}
