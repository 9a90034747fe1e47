import type { AuditLink } from '../db/ports/audit.js';
import type { AttemptOutcome, DeliveryLedger, DeliveryStore, LaneKey } from '../db/ports/deliveries.js';
import type { DeliveryRow } from '../db/schema.js';
import { GatewayError } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { safeUrl } from '../lib/safe-url.js';
import { attemptOutcome, deliveryHeaders } from './attempt.js';
import { singleHostGate, type DispatchGate } from './dispatch-gate.js';
import { advance, AHEAD_MAX, laneKey, newLane, READ_AHEAD, reread, type Lane } from './lane.js';
import { webhookPoster, type PostFn, type PostResult } from './post.js';
import type { RetryPolicy } from './retry-policy.js';
import type { WebhookTargets } from './targets.js';

export interface DispatcherSettings {
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Attempts in flight at once per endpoint (each number's lane has at most one, to keep its order). */
  readonly concurrency: number;
  readonly policy: RetryPolicy;
  readonly userAgent: string;
}

/** Where the dispatcher's rows live: the store for reads and replays, the ledger for claims and acks. */
export interface DispatchStores {
  readonly store: DeliveryStore;
  readonly ledger: DeliveryLedger;
}

/** After a claim that failed (the database did not answer), the lane tries again this much later. */
const CLAIM_RETRY_MS = 1000;


/**
 * Delivers the outbox, at least once. Each lane (number × endpoint) sends only its oldest undelivered row, so a
 * failing event holds back later ones of that number on that endpoint only; endpoints have their own bounded
 * concurrency and every attempt a timeout, so a slow or dead receiver never slows anybody else. State lives in
 * the table (either dialect): after a crash or restart, `start()` picks up every lane that still has work. Only
 * numbers the gate says are this node's are sent (DM-23); `acquired` resumes a number taken over from the last
 * acknowledged row, `lost` stops it.
 */
export class WebhookDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, Lane[]>();
  private readonly running = new Set<Promise<void>>();
  /** Rows being attempted now: only ever one attempt per row, even across a lane handed to another key. */
  private readonly sending = new Set<number>();
  private readonly abort = new AbortController();
  private closed = false;
  /** Until `start()` has read the open lanes, a lane without state may still have rows from a previous run. */
  private started = false;

  constructor(
    private readonly stores: DispatchStores,
    private readonly targets: WebhookTargets,
    private readonly settings: DispatcherSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly post: PostFn = webhookPoster(),
    private readonly gate: DispatchGate = singleHostGate,
  ) {}

  /** Resume every lane left with work (by a previous run, or written by other nodes); resolves once they are woken. */
  async start(): Promise<void> {
    const lanes = await this.stores.store.openLanes();
    this.started = true;
    this.wake(lanes);
  }

  /** This node took the number over: carry on with its open deliveries, from the oldest not acknowledged. */
  async acquired(phoneNumber: string): Promise<void> {
    this.wake(await this.stores.store.openLanes(phoneNumber));
  }

  /**
   * The number is no longer this node's: nothing more of it is claimed or sent. An attempt in flight ends, but its
   * ack is refused by the ledger, so the new owner sends that delivery again (same event id).
   */
  lost(phoneNumber: string): void {
    for (const state of [...this.lanes.values()]) if (state.lane.phoneNumber === phoneNumber) this.drop(state);
  }

  /**
   * New work (or changed work) in these lanes, written by someone who does not hand the rows over: what a lane
   * holds in memory is read again, so a row written behind its back is never missed.
   */
  wake(lanes: readonly LaneKey[]): void {
    for (const lane of lanes) {
      if (!this.gate.owns(lane.phoneNumber)) continue;
      const key = laneKey(lane);
      let state = this.lanes.get(key);
      if (!state) {
        state = newLane(key, lane, false);
        this.lanes.set(key, state);
      } else reread(state);
      this.pump(state);
    }
  }

  /**
   * Rows just written (committed) by the outbox. Once started, a lane the dispatcher holds no state for has no
   * other open rows (every way a row becomes open wakes its lane, and a lane is only dropped once it is empty), so
   * they are all it has; a lane whose open rows are all in memory takes them as they are. Either way no query is
   * needed. A row already read from the table (a lane read between the commit and this call) is not added twice.
   */
  added(rows: readonly DeliveryRow[]): void {
    for (const row of rows) {
      // Not this node's number: its owner reads the row from the table.
      if (!this.gate.owns(row.phoneNumber)) continue;
      const key = laneKey(row);
      let state = this.lanes.get(key);
      if (!state) {
        state = newLane(key, { endpoint: row.endpoint, scope: row.scope, phoneNumber: row.phoneNumber }, this.started && this.gate.soleWriter);
        this.lanes.set(key, state);
      }
      const last = state.ahead.at(-1);
      if (state.reading || !this.gate.soleWriter) {
        // Being read now, or other nodes write the table too: only the table has the lane's order right.
        reread(state);
      } else if (!last || last.id < row.id) {
        if (state.complete && state.ahead.length < AHEAD_MAX) state.ahead.push(row);
        else state.complete = false;
      } else if (!state.ahead.some((r) => r.id === row.id)) {
        // Older than what the lane holds, yet not among it: handed over out of order (or already sent, which
        // the table knows). Only the table has the order right.
        reread(state);
      }
      this.pump(state);
    }
  }

  /**
   * Send a delivery again: a dead or delivered one is queued afresh (new retry period), a pending or retrying one
   * is made due now. It takes its place in its lane by id, i.e. before the events that came after it. `audit`
   * commits with the change. On a node that does not own the number, its owner picks the row up from the table.
   */
  async replay(id: number, audit?: AuditLink): Promise<DeliveryRow> {
    const row = await this.stores.store.get(id);
    if (!row) throw new GatewayError('DELIVERY_NOT_FOUND', `delivery ${id} does not exist`);
    const now = this.clock.now();
    const fresh = row.status === 'dead' || row.status === 'delivered';
    const lane = this.lanes.get(laneKey(row));
    if (lane) reread(lane);
    const updated = await this.stores.store.update(
      id,
      fresh
        ? { status: 'pending', attempts: 0, nextAttemptAt: now, giveUpAt: now + this.settings.policy.periodMs, deliveredAt: null }
        : { nextAttemptAt: now },
      now,
      audit,
    );
    this.logger.info({ deliveryId: id, phoneNumber: row.phoneNumber, from: row.status }, 'webhook delivery replayed');
    this.wake([{ endpoint: row.endpoint, scope: row.scope, phoneNumber: row.phoneNumber }]);
    return updated ?? row;
  }

  /**
   * Every row of `from` now belongs to `to` (a pending number bound to its phone). Its lanes move with them, with
   * an attempt in flight: the row it sends is one of the moved ones, so the lane under the new key must wait for
   * it rather than read it from the table and send it a second time. What they held in memory is read again.
   */
  renamed(from: string, to: string): void {
    for (const state of [...this.lanes.values()]) {
      if (state.lane.phoneNumber !== from) continue;
      this.lanes.delete(state.key);
      state.lane = { ...state.lane, phoneNumber: to };
      state.key = laneKey(state.lane);
      reread(state);
      const live = this.lanes.get(state.key);
      if (!live) {
        this.lanes.set(state.key, state);
        continue;
      }
      // The new key has a lane already (a row written under the phone before this call): it takes over, and the
      // moved one only finishes its attempt in flight (whose row the live one leaves alone, see `sending`).
      if (state.timer) this.clock.clearTimeout(state.timer);
      state.timer = null;
      reread(live);
    }
  }

  /** The number was unregistered and its rows deleted: nothing read ahead of them may go out any more. */
  forget(phoneNumber: string): void {
    for (const lane of this.lanes.values()) if (lane.lane.phoneNumber === phoneNumber) reread(lane);
  }

  /** Attempts currently in flight per endpoint, or about to start once their rows are read (health). */
  inFlightFor(endpoint: string): number {
    return this.inFlight.get(endpoint) ?? 0;
  }

  /** Stop sending; attempts in flight are aborted and stay pending, to be sent again at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const lane of this.lanes.values()) if (lane.timer) this.clock.clearTimeout(lane.timer);
    this.lanes.clear();
    this.waiting.clear();
    await Promise.allSettled([...this.running]);
  }

  private pump(state: Lane): void {
    if (this.closed) return;
    const live = this.lanes.get(state.key);
    if (live !== state) {
      // A lane another took over (a rename) is done; its end is the live lane's turn.
      this.freeSlot(state);
      if (live) this.pump(live);
      return;
    }
    if (state.busy || state.queued || state.reading) return;
    if (!this.gate.owns(state.lane.phoneNumber)) {
      this.drop(state);
      return;
    }
    if (state.timer) this.clock.clearTimeout(state.timer);
    state.timer = null;
    const needsClaim = state.ahead.length === 0 && !state.complete;
    const head = state.ahead[0];
    if (!needsClaim) {
      if (!head) {
        this.freeSlot(state);
        this.lanes.delete(state.key);
        return;
      }
      // Still in flight from a lane this one took over: that attempt's end pumps this lane again.
      if (this.sending.has(head.id)) {
        this.freeSlot(state);
        return;
      }
      const wait = head.nextAttemptAt - this.clock.now();
      if (wait > 0) {
        this.freeSlot(state);
        this.later(state, wait);
        return;
      }
    }
    // The claim and the attempt after it hold one slot of the endpoint: a lane that waited for its turn keeps it
    // while its rows are read, instead of losing it to a lane whose rows are in memory.
    const { endpoint } = state.lane;
    if (!state.slot) {
      if ((this.inFlight.get(endpoint) ?? 0) >= this.settings.concurrency) {
        state.queued = true;
        const queue = this.waiting.get(endpoint) ?? [];
        queue.push(state);
        this.waiting.set(endpoint, queue);
        return;
      }
      state.slot = true;
      this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 0) + 1);
    }
    if (needsClaim || !head) {
      this.claim(state);
      return;
    }
    // The attempt holds the slot from here, and gives it back when it ends.
    state.slot = false;
    this.track(this.attempt(state, head));
  }

  /** A slot taken for a claim that leads to no attempt now goes to the next lane waiting for one. */
  private freeSlot(state: Lane): void {
    if (!state.slot) return;
    state.slot = false;
    const { endpoint } = state.lane;
    this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 1) - 1);
    this.releaseSlot(endpoint);
  }

  /** Read the lane's next rows (through the ledger: in distributed mode only the owner may), then go on. */
  private claim(state: Lane): void {
    state.reading = true;
    state.stale = false;
    this.track(
      this.stores.ledger.claim(state.lane, READ_AHEAD).then(
        (rows) => {
          state.reading = false;
          if (state.stale) reread(state);
          else {
            state.ahead = rows;
            state.complete = rows.length < READ_AHEAD;
          }
          this.pump(state);
        },
        (err: unknown) => {
          state.reading = false;
          reread(state);
          if (!this.gate.owns(state.lane.phoneNumber)) {
            this.drop(state);
            return;
          }
          this.freeSlot(state);
          this.logger.warn({ err, phoneNumber: state.lane.phoneNumber }, 'webhook deliveries could not be read; trying again');
          this.later(state, CLAIM_RETRY_MS);
        },
      ),
    );
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private later(state: Lane, wait: number): void {
    if (this.closed || this.lanes.get(state.key) !== state) return;
    state.timer = this.clock.setTimeout(() => {
      state.timer = null;
      this.pump(state);
    }, wait);
    state.timer.unref();
  }

  /** Forget the lane (its number is not this node's any more): what it had read goes, an attempt in flight ends alone. */
  private drop(state: Lane): void {
    this.freeSlot(state);
    if (state.timer) this.clock.clearTimeout(state.timer);
    state.timer = null;
    reread(state);
    if (this.lanes.get(state.key) === state) this.lanes.delete(state.key);
  }

  private async attempt(state: Lane, row: DeliveryRow): Promise<void> {
    const { endpoint } = state.lane;
    state.busy = true;
    this.sending.add(row.id);
    try {
      const signer = this.targets.signer(row.scope, row.phoneNumber);
      if (!signer) {
        const lastError = row.scope === 'global' ? 'the global webhook is no longer configured' : 'the number is no longer registered';
        await this.record(row, { status: 'dead', attempts: row.attempts, lastStatus: row.lastStatus, lastError, at: this.clock.now() });
        advance(state, row);
        return;
      }
      const attemptNo = row.attempts + 1;
      const result = await this.post(endpoint, row.body, deliveryHeaders(row, attemptNo, signer.secret, this.settings.userAgent), this.settings.timeoutMs, this.abort.signal, signer.outwardOnly);
      // Shutting down: the outcome is unknown to us, so the row stays as it was and is sent again next start.
      if (this.closed) return;
      const outcome = this.outcome(row, attemptNo, result);
      await this.record(row, outcome);
      if (outcome.status === 'failed') reread(state);
      else advance(state, row);
    } catch (err) {
      reread(state);
      // Taken over meanwhile: the new owner sends the row again, as it was never acknowledged here.
      if (this.gate.owns(row.phoneNumber)) this.logger.error({ err, deliveryId: row.id }, 'webhook delivery bookkeeping failed');
      else this.logger.info({ deliveryId: row.id, phoneNumber: row.phoneNumber }, 'webhook delivery not acknowledged: the number moved to another node');
    } finally {
      state.busy = false;
      this.sending.delete(row.id);
      this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 1) - 1);
      this.releaseSlot(endpoint);
      this.pump(state);
    }
  }

  private record(row: DeliveryRow, outcome: AttemptOutcome): Promise<void> {
    return this.stores.ledger.ack(row, outcome);
  }

  /** What an attempt's result means for its row, logged: delivered, failed (to be retried) or dead. */
  private outcome(row: DeliveryRow, attempts: number, result: PostResult): AttemptOutcome {
    const outcome = attemptOutcome(this.settings.policy, row, attempts, result, this.clock.now(), this.clock.random());
    if (outcome.status === 'delivered') return outcome;
    const log = { deliveryId: row.id, phoneNumber: row.phoneNumber, endpoint: safeUrl(row.endpoint), attempts, error: result.error };
    if (outcome.status === 'failed') this.logger.warn({ ...log, retryInMs: outcome.nextAttemptAt - outcome.at }, 'webhook delivery failed; will retry');
    else this.logger.error(log, 'webhook delivery failed for the whole retry period; dead-lettered');
    return outcome;
  }

  private releaseSlot(endpoint: string): void {
    const queue = this.waiting.get(endpoint);
    let next = queue?.shift();
    // A lane replaced while it waited (a rename) gives its turn to the next.
    while (next && this.lanes.get(next.key) !== next) next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(endpoint);
    if (!next) return;
    next.queued = false;
    this.pump(next);
  }
}
