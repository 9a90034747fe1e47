import type pg from 'pg';
import type { Logger } from '../../lib/logger.js';
import { Wakeups } from '../wakeups.js';
import type { Resolution, RouteOwner } from './rules.js';

/** The owner by the database: the row's node, only while that node's lease (same incarnation) is live. */
const RESOLVE = `
  SELECT a.node_id, a.node_incarnation, a.fence::float8 AS fence, n.advertise_url
  FROM assignments a
  LEFT JOIN nodes n ON n.node_id = a.node_id AND n.incarnation = a.node_incarnation AND n.expires_at > now()
  WHERE a.phone_number = $1`;

const NODE = `SELECT node_id, incarnation, advertise_url FROM nodes WHERE node_id = $1 AND expires_at > now()`;

interface Row {
  node_id: string | null;
  node_incarnation: string | null;
  fence: number;
  advertise_url: string | null;
}

export interface ResolverDeps {
  readonly pool: pg.Pool;
  /** A connection of its own for LISTEN ownership. */
  readonly listen: () => Promise<pg.Client>;
  /**
   * How long a cached owner is trusted without a NOTIFY: a node that dies announces nothing, so an entry must not
   * outlive one heartbeat (the owner's lease is then seen expired by the fresh read).
   */
  readonly maxAgeMs: number;
  readonly retryMs: number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * Who owns a number (DM-20), cached per number. Any NOTIFY on `ownership` (a claim, a release, an added number)
 * drops the whole cache: its payloads do not name every number, and a fresh read is one indexed query. Only an
 * owner is cached; "nobody owns it" is read again each time, so a take-over is seen as soon as it commits.
 */
export class OwnerResolver {
  private readonly cache = new Map<string, { owner: RouteOwner; at: number }>();
  private readonly wakeups: Wakeups;
  private readonly now: () => number;

  constructor(private readonly deps: ResolverDeps) {
    this.now = deps.now ?? Date.now;
    this.wakeups = new Wakeups(deps.listen, 'ownership', () => this.cache.clear(), deps.retryMs, deps.logger);
  }

  start(): Promise<void> {
    return this.wakeups.start();
  }

  stop(): Promise<void> {
    this.cache.clear();
    return this.wakeups.stop();
  }

  async resolve(phoneNumber: string): Promise<Resolution> {
    const hit = this.cache.get(phoneNumber);
    if (hit && this.now() - hit.at < this.deps.maxAgeMs) return { kind: 'owned', owner: hit.owner };
    return this.fresh(phoneNumber);
  }

  /** Drop the cached owner and read the database (after a 421, or a failed forward). */
  async fresh(phoneNumber: string): Promise<Resolution> {
    this.cache.delete(phoneNumber);
    const { rows } = await this.deps.pool.query<Row>(RESOLVE, [phoneNumber]);
    const row = rows[0];
    if (!row) return { kind: 'unknown' };
    if (!row.node_id || !row.node_incarnation || !row.advertise_url) return { kind: 'unowned' };
    const owner: RouteOwner = { nodeId: row.node_id, incarnation: row.node_incarnation, fence: Number(row.fence), advertiseUrl: row.advertise_url };
    this.cache.set(phoneNumber, { owner, at: this.now() });
    return { kind: 'owned', owner };
  }

  forget(phoneNumber: string): void {
    this.cache.delete(phoneNumber);
  }

  /**
   * Fault tests only (F-16): make the cache name `nodeId` as the owner at `fence`. The address is still that live
   * node's registered advertise URL, read here: nothing can point the forwarder anywhere else.
   */
  async poison(phoneNumber: string, nodeId: string, fence: number): Promise<boolean> {
    const { rows } = await this.deps.pool.query<{ node_id: string; incarnation: string; advertise_url: string }>(NODE, [nodeId]);
    const row = rows[0];
    if (!row) return false;
    // Far in the future: a poisoned entry stays until a NOTIFY or a 421 drops it.
    this.cache.set(phoneNumber, { owner: { nodeId: row.node_id, incarnation: row.incarnation, fence, advertiseUrl: row.advertise_url }, at: this.now() + 3_600_000 });
    return true;
  }
}
