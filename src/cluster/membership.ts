import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter, type Listenable } from '../lib/typed-emitter.js';
import { clusterErrors, isClusterError, type ClusterError } from './errors.js';
import { LeaseClock, monotonic, type Monotonic } from './lease-clock.js';
import type { ClusterTimings } from './settings.js';

/** This node in the `nodes` table: joined with an incarnation, fenced (its lease lapsed; it will rejoin), or gone. */
export type MembershipState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'joined'; readonly incarnation: string }
  | { readonly kind: 'fenced'; readonly previous: string; readonly reason: string }
  | { readonly kind: 'left' }
  /** Another process took this NODE_ID while this one was fenced: it must not run on. */
  | { readonly kind: 'conflict'; readonly error: ClusterError };

export type MembershipEvents = {
  changed: { readonly from: MembershipState['kind']; readonly to: MembershipState };
  joined: { readonly incarnation: string; readonly rejoin: boolean };
  /** Stop every number now (kill the children): the lease may be taken soon. */
  fenced: { readonly incarnation: string; readonly reason: string };
  conflict: { readonly error: ClusterError };
};

export interface MembershipDeps {
  /** A pool of its own, so claims and writes never queue a renewal. */
  readonly pool: pg.Pool;
  readonly nodeId: string;
  readonly advertiseUrl: string;
  readonly capacity: number;
  readonly gowaVersion: string;
  readonly timings: Pick<ClusterTimings, 'heartbeatMs' | 'leaseTtlMs' | 'fenceMarginMs'>;
  readonly clock?: Monotonic;
  readonly logger?: Logger;
}

const JOIN = `
  INSERT INTO nodes AS n (node_id, incarnation, advertise_url, capacity, gowa_version, joined_at, renewed_at, expires_at, draining)
  VALUES ($1, $2, $3, $4, $5, now(), now(), now() + make_interval(secs => $6::float8 / 1000), $8)
  ON CONFLICT (node_id) DO UPDATE SET incarnation = EXCLUDED.incarnation, advertise_url = EXCLUDED.advertise_url,
    capacity = EXCLUDED.capacity, gowa_version = EXCLUDED.gowa_version, joined_at = now(), renewed_at = now(),
    expires_at = EXCLUDED.expires_at, draining = EXCLUDED.draining
  WHERE n.expires_at <= now() OR n.incarnation = $7::uuid
  RETURNING n.incarnation`;
const HOLDER = `SELECT (extract(epoch FROM expires_at - now()) * 1000)::float8 AS ms FROM nodes WHERE node_id = $1`;
const RENEW = `UPDATE nodes SET renewed_at = now(), expires_at = now() + make_interval(secs => $3::float8 / 1000) WHERE node_id = $1 AND incarnation = $2`;
const SET_DRAINING = `UPDATE nodes SET draining = true WHERE node_id = $1 AND incarnation = $2`;
const LEAVE = `UPDATE nodes SET draining = true, expires_at = now() WHERE node_id = $1 AND incarnation = $2`;

/**
 * This node's lease (DM-5 … DM-7, DM-10): joins with a fresh incarnation, renews it every heartbeat matched on
 * node_id and incarnation, fences itself when renewals stop succeeding (on the monotonic clock, counted from
 * before the last good renewal was sent) and then rejoins as a new incarnation. State changes go through `set`.
 */
export class Membership {
  private readonly emitter: TypedEmitter<MembershipEvents>;
  readonly events: Listenable<MembershipEvents>;
  private state: MembershipState = { kind: 'idle' };
  private readonly lease: LeaseClock;
  private readonly clock: Monotonic;
  private draining = false;
  private last: string | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private fenceTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: MembershipDeps) {
    this.clock = deps.clock ?? monotonic;
    this.lease = new LeaseClock(deps.timings.leaseTtlMs, deps.timings.fenceMarginMs, this.clock);
    this.emitter = new TypedEmitter((err, event) => deps.logger?.error({ err, event }, 'cluster: a membership listener failed'));
    this.events = this.emitter.view;
  }

  get nodeId(): string {
    return this.deps.nodeId;
  }

  current(): MembershipState {
    return this.state;
  }

  /** The incarnation that writes may carry: the current one, or the last before a fence (the database refuses it then). */
  lastIncarnation(): string | null {
    return this.last;
  }

  /** Joined and within the lease as this node counts it. */
  isLive(): boolean {
    return this.state.kind === 'joined' && !this.lease.expired();
  }

  /** Live, and not in the quiet period after missed renewals (DM-10): may take other nodes' expired numbers. */
  mayClaimOthers(): boolean {
    return this.isLive() && !this.lease.quiet();
  }

  /** ms since the last good renewal was sent. */
  leaseAge(): number | null {
    return this.lease.age();
  }

  /** First join; a live holder of the same NODE_ID makes it fail with CLUSTER_NODE_ID_IN_USE (F-9). */
  async join(): Promise<string> {
    if (this.state.kind !== 'idle') throw new Error(`join from ${this.state.kind}`);
    const incarnation = await this.tryJoin(null, false);
    this.schedule();
    return incarnation;
  }

  /** Mark the node draining: it counts for no fair share and other nodes' claims stop waiting for it. */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.state.kind === 'joined') await this.deps.pool.query(SET_DRAINING, [this.deps.nodeId, this.state.incarnation]);
  }

  /** Give the lease up (after releasing every number): a restart with the same NODE_ID can join at once. */
  async leave(): Promise<void> {
    const state = this.state;
    this.stop();
    if (state.kind === 'joined') await this.deps.pool.query(LEAVE, [this.deps.nodeId, state.incarnation]).catch((err: unknown) => this.deps.logger?.warn({ err }, 'cluster: could not mark the node as left'));
    this.set({ kind: 'left' });
  }

  /** Stop the heartbeat without touching the database (the lease runs out by itself). */
  stop(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    if (this.fenceTimer) clearTimeout(this.fenceTimer);
    this.heartbeat = this.fenceTimer = null;
  }

  private async tryJoin(previous: string | null, quiet: boolean): Promise<string> {
    const incarnation = crypto.randomUUID();
    const sentAt = this.clock.now();
    const { nodeId, advertiseUrl, capacity, gowaVersion, timings } = this.deps;
    const joined = await this.deps.pool.query(JOIN, [nodeId, incarnation, advertiseUrl, capacity, gowaVersion, timings.leaseTtlMs, previous, this.draining]);
    if (joined.rowCount === 0) {
      const holder = await this.deps.pool.query<{ ms: number }>(HOLDER, [nodeId]);
      throw clusterErrors.nodeIdInUse(nodeId, holder.rows[0]?.ms ?? 0);
    }
    this.lease.started(sentAt, quiet);
    this.last = incarnation;
    this.set({ kind: 'joined', incarnation });
    this.armFence();
    this.emitter.emit('joined', { incarnation, rejoin: previous !== null });
    return incarnation;
  }

  private schedule(): void {
    this.heartbeat = setTimeout(() => void this.beat(), this.deps.timings.heartbeatMs);
  }

  private async beat(): Promise<void> {
    try {
      if (this.state.kind === 'joined') await this.renew(this.state.incarnation);
      else if (this.state.kind === 'fenced') await this.rejoin(this.state.previous);
    } finally {
      if (this.state.kind === 'joined' || this.state.kind === 'fenced') this.schedule();
    }
  }

  private async renew(incarnation: string): Promise<void> {
    // After a pause the deadline may have passed already: a renewal sent now would hide that.
    if (this.lease.expired()) return this.fence('lease lapsed before it could be renewed');
    const sentAt = this.clock.now();
    try {
      const renewed = await this.deps.pool.query(RENEW, [this.deps.nodeId, incarnation, this.deps.timings.leaseTtlMs]);
      if (this.state.kind !== 'joined' || this.state.incarnation !== incarnation) return;
      if (renewed.rowCount === 0) return this.fence('another process took this NODE_ID');
      this.lease.renewed(sentAt);
      if (this.lease.expired()) return this.fence('the renewal came back too late');
      this.armFence();
    } catch (err) {
      this.lease.renewFailed();
      this.deps.logger?.warn({ code: (err as { code?: string }).code, message: (err as Error).message }, 'cluster: lease renewal failed');
    }
  }

  private async rejoin(previous: string): Promise<void> {
    try {
      await this.tryJoin(previous, true);
    } catch (err) {
      if (isClusterError(err, 'CLUSTER_NODE_ID_IN_USE')) {
        this.stop();
        this.set({ kind: 'conflict', error: err });
        this.emitter.emit('conflict', { error: err });
        return;
      }
      this.deps.logger?.warn({ code: (err as { code?: string }).code }, 'cluster: rejoin failed; retrying');
    }
  }

  /** A timer at the deadline, so a node fences itself on time even while a renewal hangs. */
  private armFence(): void {
    if (this.fenceTimer) clearTimeout(this.fenceTimer);
    const deadline = this.lease.deadline();
    if (deadline === null) return;
    this.fenceTimer = setTimeout(() => {
      if (this.state.kind === 'joined' && this.lease.expired()) this.fence('no renewal succeeded in time');
    }, Math.max(0, deadline - this.clock.now()));
  }

  private fence(reason: string): void {
    if (this.state.kind !== 'joined') return;
    const incarnation = this.state.incarnation;
    this.lease.renewFailed();
    this.set({ kind: 'fenced', previous: incarnation, reason });
    this.deps.logger?.error({ incarnation, reason }, 'cluster: lease lost; this node stops its numbers and rejoins');
    this.emitter.emit('fenced', { incarnation, reason });
  }

  private set(next: MembershipState): void {
    const from = this.state.kind;
    this.state = next;
    this.emitter.emit('changed', { from, to: next });
  }
}
