/**
 * The cluster bench's rig on one machine (docs: scale-out §4): a private Postgres (scripts/dev/postgres.sh), the
 * fake WhatsApp arbiter in detect mode, and cluster nodes with real children (dist/bench/cluster/node.js), each in
 * its own process group with its own data folder and port range. Everything carries the run tag.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import getPort from 'get-port';
import pg from 'pg';
import { benchEnv, makeDataRoot, ROOT, type PortRange } from './gateway.js';
import { RUN_TAG, RUN_TAG_KEY } from './processes.js';

const POSTGRES = path.join(ROOT, 'scripts', 'dev', 'postgres.sh');
const ARBITER = path.join(ROOT, 'bin', 'whatsapp-arbiter');
const NODE = path.join(ROOT, 'dist', 'bench', 'cluster', 'node.js');
const STORE_SECRET = 'bench-cluster-store-secret-of-32-bytes-or-more';

export interface NodeEvent {
  readonly event: string;
  readonly node: string;
  readonly t: number;
  readonly number?: string;
  readonly pid?: number;
}

export interface ArbiterConnection {
  readonly id: number;
  readonly device: string;
  readonly jid: string;
  readonly node: string;
  readonly pid: number | null;
  readonly fence: number | null;
}

export interface ArbiterEvent extends ArbiterConnection {
  readonly type: 'connect' | 'disconnect' | 'send';
  readonly ms: number;
  readonly connection_id: number;
}

async function until<T>(check: () => Promise<T | null | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class BenchNode {
  readonly events: NodeEvent[] = [];
  readonly exited: Promise<number | null>;
  constructor(
    readonly nodeId: string,
    readonly child: ChildProcess,
  ) {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) this.events.push(JSON.parse(line) as NodeEvent);
    });
    child.stderr?.resume();
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  get pid(): number {
    return this.child.pid ?? 0;
  }
  childPids(): number[] {
    return this.events.flatMap((e) => (e.event === 'child-ready' && typeof e.pid === 'number' ? [e.pid] : []));
  }
}

export class ClusterBenchRig {
  readonly nodes: BenchNode[] = [];
  private pgDir = '';
  private arbiter: ChildProcess | null = null;
  arbiterUrl = '';
  databaseUrl = '';
  pool: pg.Pool | null = null;

  async start(): Promise<void> {
    this.pgDir = makeDataRoot('cluster-pg');
    const port = await getPort();
    const started = spawnSync(POSTGRES, ['start', this.pgDir, String(port), 'bench'], { encoding: 'utf8', env: { ...process.env, PG_THROWAWAY: '1' } });
    if (started.status !== 0) throw new Error(`postgres did not start: ${started.stderr}`);
    this.databaseUrl = started.stdout.trim().split('\n').at(-1) ?? '';
    this.pool = new pg.Pool({ connectionString: this.databaseUrl, max: 3 });
    this.pool.on('error', () => undefined);
    this.arbiter = spawn(ARBITER, ['--mode', 'detect', '--quiet'], { env: { PATH: process.env['PATH'] ?? '', [RUN_TAG_KEY]: RUN_TAG }, stdio: ['ignore', 'pipe', 'inherit'] });
    this.arbiterUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      this.arbiter!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /whatsapp-arbiter ready url=(\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      this.arbiter!.once('exit', () => reject(new Error(`arbiter exited: ${out}`)));
    });
  }

  /** Nodes on slices of the bench's child port range, all in before it returns. */
  async startNodes(ids: readonly string[], ports: PortRange): Promise<BenchNode[]> {
    const slice = Math.floor((ports.max - ports.base + 1) / ids.length);
    const started = ids.map((nodeId, i) => {
      const dir = makeDataRoot(`cluster-${nodeId}`);
      const range = { base: ports.base + i * slice, max: ports.base + (i + 1) * slice - 1 };
      const env = {
        ...benchEnv(dir, range),
        LOG_LEVEL: 'warn',
        CLUSTER_MODE: 'postgres',
        DATABASE_URL: this.databaseUrl,
        NODE_ID: nodeId,
        NODE_ADVERTISE_URL: `http://127.0.0.1:1/${nodeId}`,
        CLUSTER_STORE_SECRET: STORE_SECRET,
        NODE_PAIR: '1',
        SIM_ARBITER_URL: this.arbiterUrl,
        SIM_NODE: nodeId,
      };
      const child = spawn(process.execPath, [NODE], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const node = new BenchNode(nodeId, child);
      this.nodes.push(node);
      return node;
    });
    await until(async () => started.every((n) => n.events.some((e) => e.event === 'ready')) || null, 60_000, 'the nodes to join');
    return started;
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool!.query<T>(sql, params)).rows;
  }

  async arbiterGet<T>(route: string): Promise<T> {
    return (await (await fetch(`${this.arbiterUrl}${route}`)).json()) as T;
  }

  async connections(): Promise<ArbiterConnection[]> {
    return (await this.arbiterGet<{ connections: ArbiterConnection[] }>('/connections')).connections;
  }

  async arbiterEvents(): Promise<ArbiterEvent[]> {
    return (await this.arbiterGet<{ events: ArbiterEvent[] }>('/events?since=0')).events;
  }

  /** Until every number has exactly one open connection and `where` accepts its node; by number. */
  waitConnected(numbers: readonly string[], where: (node: string) => boolean, timeoutMs: number, what: string): Promise<Map<string, ArbiterConnection>> {
    return until(
      async () => {
        const open = await this.connections();
        const byNumber = new Map<string, ArbiterConnection>();
        for (const n of numbers) {
          const list = open.filter((c) => c.jid === `${n}@s.whatsapp.net`);
          if (list.length !== 1 || !where(list[0]!.node)) return null;
          byNumber.set(n, list[0]!);
        }
        return byNumber;
      },
      timeoutMs,
      what,
    );
  }

  async stop(): Promise<void> {
    const children = this.nodes.flatMap((n) => n.childPids());
    for (const node of this.nodes) {
      try {
        process.kill(-node.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await Promise.all(this.nodes.map((n) => n.exited));
    await until(async () => children.every((pid) => !fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')) || null, 15_000, 'the nodes\' children to be gone');
    if (this.arbiter && this.arbiter.exitCode === null) {
      const gone = new Promise((resolve) => this.arbiter!.once('exit', resolve));
      this.arbiter.kill('SIGTERM');
      await gone;
    }
    await this.pool?.end();
    if (this.pgDir) spawnSync(POSTGRES, ['stop', this.pgDir], { encoding: 'utf8' });
  }
}
