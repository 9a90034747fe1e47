import type pg from 'pg';
import type { MoveReason } from '../db/pg/schema-cluster.js';

/** What an operator sees of the cluster (API, Prometheus, dashboard), read in one snapshot by the database's clock. */
export interface ClusterView {
  /** The database's `now()` the ages below are measured against. */
  readonly at: string;
  readonly nodes: readonly ClusterNodeView[];
  /** Numbers whose row points at no live lease: waiting to be claimed (or for a node with a new enough binary). */
  readonly unowned: readonly string[];
  /** The newest moves first. */
  readonly moves: readonly ClusterMoveView[];
  /** Every move ever recorded, by reason. */
  readonly movesByReason: Readonly<Partial<Record<MoveReason, number>>>;
}

export type NodeLeaseState = 'live' | 'draining' | 'expired';

export interface ClusterNodeView {
  readonly nodeId: string;
  readonly advertiseUrl: string;
  readonly capacity: number;
  readonly gowaVersion: string;
  readonly state: NodeLeaseState;
  readonly joinedAt: string;
  /** Since its last renewal (by the database's clock): a healthy node stays below the heartbeat interval. */
  readonly leaseAgeMs: number;
  /** Until its lease runs out; negative once it has. */
  readonly expiresInMs: number;
  /** Numbers held by this node's current incarnation (none once its lease ran out). */
  readonly numbers: readonly ClusterNumberView[];
}

export interface ClusterNumberView {
  readonly phoneNumber: string;
  readonly fence: number;
  readonly claimedAt: string | null;
  /** Crash-looped to `failed` on its node: it stays there until a human restarts it. */
  readonly failed: boolean;
}

export interface ClusterMoveView {
  readonly phoneNumber: string;
  readonly fromNode: string | null;
  /** null for a release (drain, rebalance, abandoned take-over). */
  readonly toNode: string | null;
  readonly fence: number;
  readonly reason: MoveReason;
  readonly at: string;
}

interface NodeRow {
  node_id: string;
  advertise_url: string;
  capacity: number;
  gowa_version: string;
  draining: boolean;
  joined_at: Date;
  lease_age_ms: number;
  expires_in_ms: number;
}

interface NumberRow {
  phone_number: string;
  owner: string | null;
  fence: number;
  claimed_at: Date | null;
  failed: boolean;
}

interface MoveRow {
  phone_number: string;
  from_node: string | null;
  to_node: string | null;
  fence: number;
  reason: MoveReason;
  at: Date;
}

const NODES = `
  SELECT node_id, advertise_url, capacity, gowa_version, draining, joined_at,
         (extract(epoch FROM now() - renewed_at) * 1000)::float8 AS lease_age_ms,
         (extract(epoch FROM expires_at - now()) * 1000)::float8 AS expires_in_ms
  FROM nodes ORDER BY node_id`;

const NUMBERS = `
  SELECT a.phone_number, CASE WHEN n.expires_at > now() THEN a.node_id END AS owner, a.fence::float8 AS fence,
         a.claimed_at, a.failed_at IS NOT NULL AS failed
  FROM assignments a LEFT JOIN nodes n ON n.node_id = a.node_id AND n.incarnation = a.node_incarnation
  ORDER BY a.phone_number`;

const MOVES = `
  SELECT phone_number, from_node, to_node, fence::float8 AS fence, reason, at
  FROM ownership_moves ORDER BY id DESC LIMIT $1`;

const MOVES_BY_REASON = 'SELECT reason, count(*)::int AS n FROM ownership_moves GROUP BY reason';

/** The cluster as the database has it, in one repeatable-read snapshot (nodes, numbers and moves agree). */
export async function readClusterView(pool: pg.Pool, options: { moves?: number } = {}): Promise<ClusterView> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const at = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]?.now ?? new Date();
    const nodes = (await client.query<NodeRow>(NODES)).rows;
    const numbers = (await client.query<NumberRow>(NUMBERS)).rows;
    const moves = (await client.query<MoveRow>(MOVES, [Math.min(Math.max(options.moves ?? 50, 0), 1000)])).rows;
    const byReason = (await client.query<{ reason: MoveReason; n: number }>(MOVES_BY_REASON)).rows;
    await client.query('COMMIT');
    return {
      at: at.toISOString(),
      nodes: nodes.map((n) => nodeView(n, numbers)),
      unowned: numbers.filter((r) => r.owner === null).map((r) => r.phone_number),
      moves: moves.map((m) => ({ phoneNumber: m.phone_number, fromNode: m.from_node, toNode: m.to_node, fence: Number(m.fence), reason: m.reason, at: m.at.toISOString() })),
      movesByReason: Object.fromEntries(byReason.map((r) => [r.reason, r.n])),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function nodeView(n: NodeRow, numbers: readonly NumberRow[]): ClusterNodeView {
  const expiresInMs = Math.round(n.expires_in_ms);
  const state: NodeLeaseState = expiresInMs <= 0 ? 'expired' : n.draining ? 'draining' : 'live';
  return {
    nodeId: n.node_id,
    advertiseUrl: n.advertise_url,
    capacity: n.capacity,
    gowaVersion: n.gowa_version,
    state,
    joinedAt: n.joined_at.toISOString(),
    leaseAgeMs: Math.round(n.lease_age_ms),
    expiresInMs,
    numbers: numbers
      .filter((r) => r.owner === n.node_id)
      .map((r) => ({ phoneNumber: r.phone_number, fence: Number(r.fence), claimedAt: r.claimed_at?.toISOString() ?? null, failed: r.failed })),
  };
}
