import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import { claimRound, readHeld, readShares, type Identity } from './claim.js';
import { clusterErrors, isClusterError } from './errors.js';
import { fencedTransaction } from './fenced-write.js';
import { monotonic, type Monotonic } from './lease-clock.js';
import type { Membership } from './membership.js';
import { OwnershipBook, type ClaimReason, type LossReason, type NumberOwnership, type OwnershipEvents, type ReleaseReason } from './ownership-state.js';
import { rebalanceCandidates, releaseNumber } from './release.js';
import type { ClusterTimings } from './settings.js';

/** What the owner of the children plugs in (the supervisor, later; the bench member now). All optional. */
export interface OwnershipHooks {
  /** Between the claim and `acquired`: fence the session store, re-apply the number's settings (DM-12). Throwing hands the number back. */
  prepare?(phoneNumber: string, fence: number): Promise<void>;
  /** Before a hand-over: stop the child and wait until it has exited (DM-18). Throwing keeps the number. */
  beforeRelease?(phoneNumber: string): Promise<void>;
  /** Rebalance candidates, idlest first (DM-19); default: as listed. */
  rankForRelease?(phoneNumbers: readonly string[]): readonly string[];
}

export interface OwnershipDeps {
  readonly pool: pg.Pool;
  readonly membership: Membership;
  readonly capacity: number;
  readonly gowaVersion: string;
  readonly timings: Pick<ClusterTimings, 'claimIntervalMs' | 'expiryGraceMs' | 'rebalanceIntervalMs' | 'releaseCooldownMs'>;
  readonly hooks?: OwnershipHooks;
  readonly logger?: Logger;
  readonly clock?: Monotonic;
  readonly random?: () => number;
}

const NO_INCARNATION = '00000000-0000-0000-0000-000000000000';

/**
 * Which numbers this node owns (DM-9, DM-17 … DM-19): a claim loop (every tick with jitter, and at once on a NOTIFY
 * wake-up) that first checks what it believes against the database, then claims up to its fair share and, when
 * above it, hands one number per rebalance period to a node below it. Every change goes through the book.
 */
export class Ownership {
  private readonly book: OwnershipBook;
  readonly events: Listenable<OwnershipEvents>;
  private readonly clock: Monotonic;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private started = false;
  private stopped = false;
  private draining = false;
  private lastRebalance = -Infinity;
  /** Hand-overs in flight, so a drain waits for a rebalance that had already begun. */
  private readonly releases = new Map<string, Promise<void>>();
  /** Renames in flight (a bind), each resolving to the key the number has once it is done. */
  private readonly renames = new Map<string, Promise<string>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: OwnershipDeps) {
    this.clock = deps.clock ?? monotonic;
    this.book = new OwnershipBook((err, event) => deps.logger?.error({ err, event }, 'cluster: an ownership listener failed'));
    this.events = this.book.events;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const { membership } = this.deps;
    this.unsubscribe.push(
      membership.events.on('fenced', () => this.loseAll('fenced')),
      membership.events.on('conflict', () => this.loseAll('fenced')),
      membership.events.on('joined', () => this.wake()),
    );
    this.wake();
  }

  /** Look now (a NOTIFY arrived, a number was added): the next tick runs at once, or right after the current one. */
  wake(): void {
    if (this.stopped || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.tick().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      } else this.schedule();
    });
  }

  held(): ReadonlyMap<string, NumberOwnership> {
    return this.book.all();
  }

  /**
   * A write about a number, fenced (DM-17): `work` runs in a transaction that has checked that this incarnation
   * still holds `phoneNumber` with `fence`; else CLUSTER_OWNERSHIP_LOST is thrown, nothing is written, and the
   * number is marked lost.
   */
  async withFence<T>(phoneNumber: string, fence: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await fencedTransaction(this.deps.pool, this.writerFor(phoneNumber), phoneNumber, fence, work);
    } catch (err) {
      if (isClusterError(err, 'CLUSTER_OWNERSHIP_LOST')) this.writeRefused(phoneNumber, fence);
      throw err;
    }
  }

  /** Who writes about the number: this node, with the incarnation it claimed the number in. */
  writerFor(phoneNumber: string): Identity {
    return { nodeId: this.deps.membership.nodeId, incarnation: this.book.get(phoneNumber)?.incarnation ?? this.deps.membership.lastIncarnation() ?? NO_INCARNATION };
  }

  /** A fenced write about the number was refused (by withFence, or a batch writer's own check): it is lost. */
  writeRefused(phoneNumber: string, fence: number): void {
    const entry = this.book.get(phoneNumber);
    if (entry && entry.fence === fence && entry.kind !== 'releasing') this.book.transition(phoneNumber, { kind: 'lost', reason: 'write-refused' });
  }

  /**
   * A pending number takes its phone (DM-17): `work` runs in a transaction fenced on `from` and moves its rows, the
   * assignment among them (same fence, same owner); after the commit the book knows the number by `to`. A node
   * that lost the number is refused (CLUSTER_OWNERSHIP_LOST) and moves nothing. The claim loop waits meanwhile, so
   * its check against the database never sees one key in the book and the other in the table; a hand-over asked
   * meanwhile waits too, then hands the number over under the key it has by then.
   */
  async rename<T>(from: string, to: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const renamed = this.exclusive(async () => {
      const entry = this.book.get(from);
      if (entry?.kind !== 'owned' || this.book.get(to)) throw clusterErrors.ownershipLost(from, entry?.fence ?? 0);
      const result = await this.withFence(from, entry.fence, work);
      if (this.book.get(from)?.kind === 'owned') this.book.rename(from, to);
      return result;
    });
    const key = renamed.then(
      () => to,
      () => from,
    );
    this.renames.set(from, key);
    void key.finally(() => this.renames.delete(from));
    return renamed;
  }

  /** The number has crash-looped to `failed` on this node (or is fine again): rebalancing leaves failed numbers where they are. */
  async markFailed(phoneNumber: string, fence: number, failed: boolean): Promise<void> {
    await this.withFence(phoneNumber, fence, (client) => client.query(`UPDATE assignments SET failed_at = ${failed ? 'now()' : 'NULL'} WHERE phone_number = $1`, [phoneNumber]));
  }

  /** This node's binary has opened the number's store (DM-11): no older binary may take it from now on. */
  async noteStoreVersion(phoneNumber: string, fence: number, version: string): Promise<void> {
    await this.withFence(phoneNumber, fence, (client) =>
      client.query(
        `UPDATE assignments SET min_gowa_version = $2 WHERE phone_number = $1
           AND string_to_array(min_gowa_version, '.')::int[] < string_to_array($2, '.')::int[]`,
        [phoneNumber, version],
      ),
    );
  }

  /** Graceful drain (SIGTERM, DM-18): claim nothing more, stop and hand over every number, then leave the cluster. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.deps.membership.drain().catch((err: unknown) => this.deps.logger?.warn({ code: (err as { code?: string }).code }, 'cluster: could not mark the node draining'));
    await this.running;
    await Promise.all([...this.book.all().keys()].map((phoneNumber) => this.release(phoneNumber, 'drain')));
    await Promise.all(this.releases.values());
    await this.halt();
    await this.deps.membership.leave();
  }

  /** Stop the loop without handing anything over (a crash stand-in, or after drain); what is held is lost. */
  async stop(): Promise<void> {
    await this.halt();
    this.loseAll('stopped');
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private schedule(): void {
    if (this.stopped) return;
    const jitter = 0.9 + 0.2 * (this.deps.random ?? Math.random)();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, this.deps.timings.claimIntervalMs * jitter);
  }

  private me(): Identity | null {
    const state = this.deps.membership.current();
    return state.kind === 'joined' && this.deps.membership.isLive() ? { nodeId: this.deps.membership.nodeId, incarnation: state.incarnation } : null;
  }

  private async tick(): Promise<void> {
    const me = this.me();
    if (!me) return;
    try {
      await this.verify(me);
      if (this.draining || this.stopped) return;
      const { capacity, gowaVersion, timings } = this.deps;
      const claimed = await claimRound(this.deps.pool, me, {
        capacity,
        gowaVersion,
        expiryGraceMs: timings.expiryGraceMs,
        releaseCooldownMs: timings.releaseCooldownMs,
        mayTakeExpired: this.deps.membership.mayClaimOthers(),
      });
      for (const { phoneNumber, fence, reason } of claimed) this.takeOver(phoneNumber, fence, me.incarnation, reason);
      await this.rebalance(me);
    } catch (err) {
      this.deps.logger?.warn({ code: (err as { code?: string }).code, message: (err as Error).message }, 'cluster: claim round failed');
    }
  }

  /** The database is the truth: numbers it no longer gives us are lost, numbers it gives us that we did not know are taken over. */
  private async verify(me: Identity): Promise<void> {
    const held = await readHeld(this.deps.pool, me);
    for (const [phoneNumber, entry] of [...this.book.all()]) {
      if (entry.kind === 'releasing') continue;
      if (entry.incarnation !== me.incarnation || held.get(phoneNumber) !== entry.fence) this.book.transition(phoneNumber, { kind: 'lost', reason: 'taken' });
    }
    // Ours already (re-asserted after an outage): nobody handed these over, so they start bounded like a failover.
    for (const [phoneNumber, fence] of held) if (!this.book.get(phoneNumber)) this.takeOver(phoneNumber, fence, me.incarnation, 'held');
  }

  private takeOver(phoneNumber: string, fence: number, incarnation: string, claim: ClaimReason): void {
    this.book.transition(phoneNumber, { kind: 'acquiring', fence, incarnation, claim });
    const prepare = this.deps.hooks?.prepare;
    const ready = prepare ? prepare(phoneNumber, fence) : Promise.resolve();
    ready.then(
      () => {
        const entry = this.book.get(phoneNumber);
        if (entry?.kind === 'acquiring' && entry.fence === fence) this.book.transition(phoneNumber, { kind: 'owned', fence, incarnation, claim });
      },
      (err: unknown) => {
        this.deps.logger?.error({ phoneNumber, err }, 'cluster: taking the number over failed; handing it back');
        void this.release(phoneNumber, 'abandoned');
      },
    );
  }

  /** At most one number per rebalance period, only when above the fair share and someone below it can take one. */
  private async rebalance(me: Identity): Promise<void> {
    const { timings, membership, hooks } = this.deps;
    if (this.clock.now() - this.lastRebalance < timings.rebalanceIntervalMs || !membership.mayClaimOthers()) return;
    const shares = await readShares(this.deps.pool, me, timings.expiryGraceMs);
    if (shares.mine <= shares.fair) return;
    const candidates = (await rebalanceCandidates(this.deps.pool, me, timings.releaseCooldownMs, shares.fair)).filter((c) => this.book.get(c.phoneNumber)?.kind === 'owned');
    if (candidates.length === 0) return;
    const ranked = hooks?.rankForRelease?.(candidates.map((c) => c.phoneNumber)) ?? candidates.map((c) => c.phoneNumber);
    const pick = ranked.find((n) => this.book.get(n)?.kind === 'owned');
    if (!pick) return;
    // The period counts from the decision and again from the end of the hand-over: at most one move per period.
    this.lastRebalance = Infinity;
    // Not awaited: stopping a child takes a while and the claim loop goes on meanwhile.
    void this.release(pick, 'rebalance').finally(() => (this.lastRebalance = this.clock.now()));
  }

  /** Runs `work` between two claim rounds, with none starting until it is done. */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.running) await this.running;
    const done = work();
    this.running = done.then(
      () => undefined,
      () => undefined,
    );
    void this.running.then(() => {
      this.running = null;
      // A round asked for meanwhile runs now; otherwise the timer set after the last round still stands.
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
    return done;
  }

  private release(phoneNumber: string, reason: ReleaseReason): Promise<void> {
    const renaming = this.renames.get(phoneNumber);
    if (renaming) return renaming.then((key) => this.release(key, reason));
    const inFlight = this.releases.get(phoneNumber);
    if (inFlight) return inFlight;
    const entry = this.book.get(phoneNumber);
    if (!entry || entry.kind === 'releasing') return Promise.resolve();
    const done = this.handOver(phoneNumber, entry, reason).finally(() => this.releases.delete(phoneNumber));
    this.releases.set(phoneNumber, done);
    return done;
  }

  private async handOver(phoneNumber: string, entry: NumberOwnership, reason: ReleaseReason): Promise<void> {
    const { fence, incarnation } = entry;
    this.book.transition(phoneNumber, { kind: 'releasing', fence, incarnation, reason });
    const keep = (err: unknown, what: string): void => {
      this.deps.logger?.error({ phoneNumber, err }, `cluster: ${what}; the number stays here`);
      // The row never left this node: `held`, as after an outage.
      if (this.book.get(phoneNumber)?.kind === 'releasing') this.book.transition(phoneNumber, { kind: 'owned', fence, incarnation, claim: 'held' });
    };
    try {
      await this.deps.hooks?.beforeRelease?.(phoneNumber);
    } catch (err) {
      return keep(err, 'its child could not be stopped for the hand-over');
    }
    try {
      const released = await releaseNumber(this.deps.pool, { nodeId: this.deps.membership.nodeId, incarnation }, phoneNumber, fence, reason);
      if (this.book.get(phoneNumber)?.kind !== 'releasing') return;
      this.book.transition(phoneNumber, released ? { kind: 'released', reason } : { kind: 'lost', reason: 'taken' });
    } catch (err) {
      keep(err, 'the hand-over could not be written');
    }
  }

  private loseAll(reason: LossReason): void {
    for (const phoneNumber of [...this.book.all().keys()]) this.book.transition(phoneNumber, { kind: 'lost', reason });
  }
}
