/**
 * Cluster members (bench/cluster/member.ts, built into dist/) as real processes against one private Postgres:
 * their JSON event lines, signals, and what the database says they own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import path from 'node:path';
import pg from 'pg';
import { MEMBER_WRITES_TABLE, STALE_WRITES, WRITE_OVERLAP } from '../../bench/cluster/writes.js';
import { startClusterNode, type ClusterNode } from '../../src/cluster/cluster-node.js';
import { addNumbers } from '../../src/cluster/numbers.js';
import type { OwnershipHooks } from '../../src/cluster/ownership.js';
import { clusterSettings } from '../../src/cluster/settings.js';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from './gateway.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from './postgres.js';
import { isAlive, waitFor } from './wait.js';

const MEMBER = path.join(ROOT, 'dist', 'bench', 'cluster', 'member.js');

export interface MemberEvent {
  readonly event: string;
  readonly node: string;
  readonly t: number;
  readonly number?: string;
  readonly fence?: number;
  readonly reason?: string;
  readonly code?: string;
  readonly message?: string;
  readonly incarnation?: string;
  readonly rejoin?: boolean;
}

/**
 * Short leases so a failover takes seconds (the defaults are the design's 3 s / 15 s / 1 s / 2 s), with query limits
 * loose enough for a loaded two-core machine.
 */
export const FAST = {
  CLUSTER_LEASE_TTL: '6000',
  CLUSTER_HEARTBEAT_INTERVAL: '1000',
  CLUSTER_FENCE_MARGIN: '1500',
  CLUSTER_DB_TIMEOUT: '900',
  CLUSTER_CLAIM_INTERVAL: '300',
  CLUSTER_EXPIRY_GRACE: '500',
  CLUSTER_REBALANCE_INTERVAL: '400',
  CLUSTER_RELEASE_COOLDOWN: '600',
  // At most TTL − margin − heartbeat (3.5 s here): a paused node's children die before anyone may take its numbers.
  CHILD_WATCHDOG_TIMEOUT: '3',
} as const;

export class Member {
  readonly events: MemberEvent[] = [];
  stderr = '';
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  constructor(
    readonly nodeId: string,
    private readonly child: ChildProcess,
  ) {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim()) this.events.push(JSON.parse(line) as MemberEvent);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('member has no pid');
    return this.child.pid;
  }

  alive(): boolean {
    return this.exitCode === null && isAlive(this.pid);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  waitForEvent(match: (e: MemberEvent) => boolean, what: string, timeoutMs = 20_000): Promise<MemberEvent> {
    return waitFor(() => this.events.find(match), { timeoutMs, what: `${this.nodeId}: ${what}` });
  }

  async kill(): Promise<void> {
    if (this.exitCode !== null) return;
    // SIGKILL ends a stopped (SIGSTOP) process too.
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export function memberEnv(url: string, nodeId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    // Inherited tag: the global teardown finds (and fails the run on) a member left behind.
    SIM_TEST_RUN: process.env['SIM_TEST_RUN'] ?? '',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'error',
    CLUSTER_MODE: 'postgres',
    DATABASE_URL: url,
    NODE_ID: nodeId,
    NODE_ADVERTISE_URL: `http://127.0.0.1:1/${nodeId}`,
    CLUSTER_STORE_SECRET: 'a-cluster-store-secret-of-32-bytes-or-more',
    MEMBER_WRITE_INTERVAL: '500',
    ...FAST,
    ...extra,
  };
}

/** A cluster node inside the test process (for the hooks the supervisor will plug in), with the members' settings. */
export function inProcessNode(url: string, nodeId: string, options: { hooks?: OwnershipHooks; env?: Record<string, string>; gowaVersion?: string } = {}): Promise<ClusterNode> {
  const settings = clusterSettings(loadConfig(memberEnv(url, nodeId, options.env), ROOT));
  if (!settings) throw new Error('cluster mode expected');
  return startClusterNode({ settings, gowaVersion: options.gowaVersion ?? '9.2.0', migrationsFolder: path.join(ROOT, 'drizzle-postgres'), ...(options.hooks ? { hooks: options.hooks } : {}) });
}

export function spawnMember(url: string, nodeId: string, extra: Record<string, string> = {}): Member {
  const child = spawn(process.execPath, [MEMBER], { env: memberEnv(url, nodeId, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Member(nodeId, child);
}

export interface Owner {
  readonly phoneNumber: string;
  readonly nodeId: string | null;
  readonly fence: number;
  readonly minGowaVersion: string;
}

export interface Move {
  readonly id: number;
  readonly phoneNumber: string;
  readonly fromNode: string | null;
  readonly toNode: string | null;
  readonly fence: number;
  readonly reason: string;
  readonly at: Date;
}

/** One scenario's database: members, numbers, and what the database says. */
export class ClusterRig {
  readonly members: Member[] = [];
  private readonly pool: pg.Pool;

  constructor(readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 3 });
    // Idle connections die when a test restarts the server; the next query opens a new one.
    this.pool.on('error', () => undefined);
  }

  start(nodeId: string, extra: Record<string, string> = {}): Member {
    const member = spawnMember(this.url, nodeId, extra);
    this.members.push(member);
    return member;
  }

  /** Start members, wait until each is in (the first one migrates; the others wait on its lock). */
  async startAll(nodeIds: readonly string[], extra: Record<string, string> = {}): Promise<Member[]> {
    const started = nodeIds.map((id) => this.start(id, extra));
    await Promise.all(started.map((m) => m.waitForEvent((e) => e.event === 'ready' || e.event === 'error', 'ready')));
    for (const m of started) if (m.count('ready') === 0) throw new Error(`${m.nodeId} failed: ${m.stderr}`);
    await this.pool.query(MEMBER_WRITES_TABLE);
    return started;
  }

  async addNumbers(count: number, prefix = '55119'): Promise<string[]> {
    const numbers = Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(8, '0')}`);
    await addNumbers(this.pool, numbers);
    return numbers;
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  /** Owner by the database: a row pointing at a live lease of the same incarnation, else null. */
  async owners(): Promise<Map<string, Owner>> {
    const rows = await this.query<{ phone_number: string; node_id: string | null; fence: number; min_gowa_version: string }>(
      `SELECT a.phone_number, CASE WHEN n.expires_at > now() THEN a.node_id END AS node_id, a.fence::float8 AS fence, a.min_gowa_version
       FROM assignments a LEFT JOIN nodes n ON n.node_id = a.node_id AND n.incarnation = a.node_incarnation ORDER BY 1`,
    );
    return new Map(rows.map((r) => [r.phone_number, { phoneNumber: r.phone_number, nodeId: r.node_id, fence: Number(r.fence), minGowaVersion: r.min_gowa_version }]));
  }

  async heldBy(): Promise<Map<string, string[]>> {
    const held = new Map<string, string[]>();
    for (const owner of (await this.owners()).values()) {
      const key = owner.nodeId ?? '(none)';
      held.set(key, [...(held.get(key) ?? []), owner.phoneNumber]);
    }
    return held;
  }

  /** Wait until every number is owned and each listed node holds exactly its expected count. */
  async waitForShares(expected: Record<string, number>, timeoutMs = 30_000, options: { poke?: boolean } = {}): Promise<Map<string, string[]>> {
    let poked = Date.now();
    return waitFor(
      async () => {
        // For members whose claim tick is too long to matter: a wake-up each second in case a claim round failed.
        if (options.poke && Date.now() - poked > 1000) {
          poked = Date.now();
          await this.pool.query(`SELECT pg_notify('ownership', '{"kind":"poke"}')`);
        }
        const held = await this.heldBy();
        if (held.has('(none)')) return null;
        for (const [node, count] of Object.entries(expected)) if ((held.get(node)?.length ?? 0) !== count) return null;
        return held;
      },
      { timeoutMs, intervalMs: 100, what: `shares ${JSON.stringify(expected)}` },
    ).catch(async (err: unknown) => {
      const held = [...(await this.heldBy())].map(([node, list]) => `${node}: ${list.length}`).join(', ');
      throw new Error(`${(err as Error).message} (held: ${held}; ${this.members.map((m) => `${m.nodeId} ${m.alive() ? 'alive' : `exited ${m.exitCode}`} ${m.stderr.slice(-400)}`).join('; ')})`);
    }
    );
  }

  async moves(afterId = 0): Promise<Move[]> {
    const rows = await this.query<{ id: number; phone_number: string; from_node: string | null; to_node: string | null; fence: number; reason: string; at: Date }>(
      'SELECT id::float8 AS id, phone_number, from_node, to_node, fence::float8 AS fence, reason, at FROM ownership_moves WHERE id > $1 ORDER BY id',
      [afterId],
    );
    return rows.map((r) => ({ id: Number(r.id), phoneNumber: r.phone_number, fromNode: r.from_node, toNode: r.to_node, fence: Number(r.fence), reason: r.reason, at: r.at }));
  }

  async lastMoveId(): Promise<number> {
    return Number((await this.query<{ id: number | null }>('SELECT max(id)::float8 AS id FROM ownership_moves'))[0]?.id ?? 0);
  }

  /** Stale writes accepted and write overlaps, by the database's own record of the members' fenced writes. */
  async writeSafety(): Promise<{ stale: number; overlapNumbers: number; overlapMaxMs: number; writes: number }> {
    const [stale] = await this.query<{ stale: number }>(STALE_WRITES);
    const [overlap] = await this.query<{ numbers: number; max_ms: number }>(WRITE_OVERLAP);
    const [writes] = await this.query<{ n: number }>('SELECT count(*)::int AS n FROM member_writes');
    return { stale: stale?.stale ?? -1, overlapNumbers: overlap?.numbers ?? -1, overlapMaxMs: Number(overlap?.max_ms ?? -1), writes: writes?.n ?? 0 };
  }

  async nodeRow(nodeId: string): Promise<{ expires_at: Date; renewed_at: Date; incarnation: string; draining: boolean } | undefined> {
    return (await this.query<{ expires_at: Date; renewed_at: Date; incarnation: string; draining: boolean }>('SELECT expires_at, renewed_at, incarnation, draining FROM nodes WHERE node_id = $1', [nodeId]))[0];
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
    await this.pool.end();
  }
}

/**
 * One private Postgres for a test file and a fresh database per scenario (`newRig`), whose members are killed after
 * each test.
 */
export function clusterScenarios(prefix: string, options: { listen?: readonly string[] } = {}): { server: () => TestPostgres; newRig: () => Promise<ClusterRig> } {
  let server: TestPostgres | null = null;
  let rig: ClusterRig | null = null;
  let count = 0;
  beforeAll(async () => {
    server = await startPostgres(options);
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);
  const started = (): TestPostgres => {
    if (!server) throw new Error('Postgres not started');
    return server;
  };
  return {
    server: started,
    newRig: async () => (rig = new ClusterRig(await started().createDatabase(`${prefix}_${++count}`))),
  };
}
