/**
 * Cluster nodes with real children (bench/cluster/node.ts, built into dist/): each its own process group, its own
 * throwaway data folder and port range, stand-in children on fenced Postgres session stores that connect to one
 * arbiter. Plus what the arbiter and the stores say about them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Arbiter, ArbiterConnection } from './arbiter.js';
import { ClusterRig, Member, memberEnv } from './cluster-members.js';
import { makeDataRoot, ROOT, SIM_BINARY, workerPortRange } from './gateway.js';
import { isAlive, waitFor } from './wait.js';

const NODE = path.join(ROOT, 'dist', 'bench', 'cluster', 'node.js');
export const STORE_SECRET = 'a-cluster-store-secret-of-32-bytes-or-more';
/** Ports per node inside the jest worker's range. */
const PORTS_PER_NODE = 40;

export const jidOf = (phoneNumber: string): string => `${phoneNumber}@s.whatsapp.net`;

export class AgentCluster {
  readonly rig: ClusterRig;
  private readonly dirs: string[] = [];
  private started = 0;

  constructor(
    readonly url: string,
    readonly arbiter: Arbiter,
  ) {
    this.rig = new ClusterRig(url);
  }

  get nodes(): Member[] {
    return this.rig.members;
  }

  node(nodeId: string): Member {
    const found = this.rig.members.find((m) => m.nodeId === nodeId);
    if (!found) throw new Error(`no node ${nodeId}`);
    return found;
  }

  /** Spawn a node in its own process group (so `kill -9 -<pgid>` takes it and its children). */
  spawn(nodeId: string, extra: Record<string, string> = {}): Member {
    const dir = makeDataRoot(`wa-gw-node-${nodeId}-`);
    this.dirs.push(dir);
    const range = workerPortRange();
    const base = range.base + this.started++ * PORTS_PER_NODE;
    if (base + PORTS_PER_NODE - 1 > range.max) throw new Error('no port range left for another node');
    const env = {
      ...memberEnv(this.url, nodeId),
      NODE_ENV: 'test',
      WHATSAPP_BINARY: SIM_BINARY,
      SESSIONS_DIR: path.join(dir, 'sessions'),
      DATA_DIR: path.join(dir, 'volumes'),
      PROCESS_BASE_PORT: String(base),
      PROCESS_MAX_PORT: String(base + PORTS_PER_NODE - 1),
      MAX_PROCESSES: String(PORTS_PER_NODE),
      PROCESS_STOP_GRACE: '3000',
      RESTORE_JITTER: '50',
      CLUSTER_STORE_SECRET: STORE_SECRET,
      NODE_PAIR: '1',
      SIM_ARBITER_URL: this.arbiter.url,
      SIM_NODE: nodeId,
      SIM_AUTOCONNECT_DELAY_MS: '200',
      ...extra,
    };
    const child = spawn(process.execPath, [NODE], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const member = new Member(nodeId, child);
    this.rig.members.push(member);
    return member;
  }

  async startAll(nodeIds: readonly string[], extra: Record<string, string> = {}): Promise<Member[]> {
    const started = nodeIds.map((id) => this.spawn(id, extra));
    await Promise.all(started.map((m) => m.waitForEvent((e) => e.event === 'ready' || e.event === 'error', 'ready', 60_000)));
    for (const m of started) if (m.count('ready') === 0) throw new Error(`${m.nodeId} failed: ${m.stderr}`);
    return started;
  }

  /** Open arbiter connections of these numbers, by number (the newest if there are two). */
  async connections(numbers: readonly string[]): Promise<Map<string, ArbiterConnection[]>> {
    const open = await this.arbiter.connections();
    return new Map(numbers.map((n) => [n, open.filter((c) => c.jid === jidOf(n))]));
  }

  /** Wait until each number has exactly one open connection, from a node `where` accepts. */
  async waitConnected(numbers: readonly string[], where: (nodeId: string, phoneNumber: string) => boolean, what: string, timeoutMs = 60_000): Promise<Map<string, ArbiterConnection>> {
    return waitFor(
      async () => {
        const byNumber = await this.connections(numbers);
        const one = new Map<string, ArbiterConnection>();
        for (const [n, list] of byNumber) {
          const [only] = list;
          if (list.length !== 1 || !only || !where(only.node, n)) return null;
          one.set(n, only);
        }
        return one;
      },
      { timeoutMs, intervalMs: 100, what },
    );
  }

  /** Pids of the children a node reported started. */
  childPids(member: Member): number[] {
    return member.events.flatMap((e) => (e.event === 'child-ready' && typeof (e as { pid?: unknown }).pid === 'number' ? [(e as unknown as { pid: number }).pid] : []));
  }

  /** The latest child of a number on a node: pid and port. */
  childOf(member: Member, phoneNumber: string): { pid: number; port: number } {
    const ready = member.events.filter((e) => e.event === 'child-ready' && e.number === phoneNumber).at(-1) as unknown as { pid: number; port: number } | undefined;
    if (!ready) throw new Error(`${member.nodeId} never started ${phoneNumber}`);
    return ready;
  }

  /** Kill every node's whole group, wait for every child to be gone, remove the folders. */
  async close(): Promise<void> {
    const children = this.nodes.flatMap((m) => this.childPids(m));
    for (const m of this.nodes) {
      try {
        process.kill(-m.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.rig.close();
    await waitFor(() => children.every((pid) => !isAlive(pid)), { what: 'every child of the nodes to be gone' });
    for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A child's own basic auth, read from its environment (/proc): the node prints no secret. */
export function childAuth(pid: number): string {
  const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const entry = environ.find((line) => line.startsWith('APP_BASIC_AUTH='));
  if (!entry) throw new Error(`pid ${pid} has no APP_BASIC_AUTH`);
  return entry.slice('APP_BASIC_AUTH='.length);
}
