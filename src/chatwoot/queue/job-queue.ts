import type { AuditLink } from '../../db/ports/audit.js';
import type { ChatwootJobStore, LaneRef, NewJob } from '../../db/ports/chatwoot-jobs.js';
import type { ChatwootJobRow } from '../../db/schema.js';
import { backoffDelay, type Backoff } from '../../domain/backoff.js';
import { JOB_DIRECTION, type JobKind } from '../../domain/chatwoot.js';
import { GatewayError } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { ChatwootError } from '../client/errors.js';

/** What a step's handler says happened; throwing a ChatwootError is the same as returning its verdict. */
export type StepOutcome = { readonly kind: 'done' } | { readonly kind: 'retry'; readonly error: string; readonly delayMs?: number; readonly bindingWide?: boolean } | { readonly kind: 'dead'; readonly error: string };

export type StepHandler = (job: ChatwootJobRow) => Promise<StepOutcome>;

export interface JobQueueSettings {
  readonly retry: Backoff;
  /** CHATWOOT_RETRY_PERIOD: a step failing for longer than this (since its first failure) is dead-lettered. */
  readonly periodMs: number;
  /** CHATWOOT_QUEUE_CONCURRENCY: lanes (conversations) of one binding worked on at once. */
  readonly concurrency: number;
}

export type StepRequest = Omit<NewJob, 'direction' | 'nextAttemptAt' | 'giveUpAt'> & { readonly delayMs?: number };

export interface JobQueueDeps {
  readonly repo: ChatwootJobStore;
  /**
   * Queueing inside a synchronous SQLite transaction (the journal's, a webhook's with its InlineAudit row): SQLite
   * only, until those transactions move to the port (docs/cluster.md, the Chatwoot area).
   */
  readonly inTransaction: { enqueue(job: NewJob): void };
  readonly handlers: Record<JobKind, StepHandler>;
  readonly settings: JobQueueSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** After each attempt (metrics, the dead-letter follow-ups), with the status the step was left in. */
  readonly onSettled?: (job: ChatwootJobRow, outcome: StepOutcome, ms: number, status: ChatwootJobRow['status']) => void | Promise<void>;
}

interface Lane {
  readonly key: string;
  readonly ref: LaneRef;
  /** Its head is being read, claimed or run: one at a time per lane. */
  busy: boolean;
  /** Woken while busy: look at the head again when done (a step queued meanwhile is not missed). */
  again: boolean;
  queued: boolean;
  timer: NodeJS.Timeout | null;
}

const keyOf = (lane: LaneRef) => `${lane.phoneNumber}\u0000${lane.lane}`;

/**
 * Runs the durable queue (chatwoot_jobs): per lane (one conversation of one number) only the oldest open step runs,
 * so order holds; a failing step is retried with backoff and jitter and holds its lane back, never another; one
 * binding runs at most `concurrency` lanes at once, and a failure that says the whole Chatwoot is unwell (down,
 * 429, 5xx, a revoked token) pauses that binding only. State lives in the database: `start()` resumes every open
 * lane. A step runs where it was claimed (`ChatwootJobStore.claim`): a lane whose head another gateway claimed waits
 * for that gateway, which pumps the lane on after settling.
 */
export class JobQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Lane[]>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: JobQueueDeps) {}

  async start(): Promise<void> {
    const reset = await this.deps.repo.resetRunning();
    if (reset > 0) this.deps.logger.info({ steps: reset }, 'chatwoot: steps cut off by the last stop run again');
    this.wake(await this.deps.repo.openLanes());
  }

  /** A step of its own (no other write must commit with it); call `wake` with the answer. */
  async enqueue(job: StepRequest): Promise<LaneRef> {
    await this.deps.repo.enqueue(this.step(job));
    return { phoneNumber: job.phoneNumber, lane: job.lane };
  }

  /**
   * A webhook delivery's receipts, its step (if any) and its audit row in one commit; the receipt key that was taken
   * before (nothing written), else null. Wakes the step's lane after the commit.
   */
  async takeDelivery(phoneNumber: string, receipts: readonly string[], job: StepRequest | null, audit?: AuditLink): Promise<string | null> {
    const taken = await this.deps.repo.takeDelivery(phoneNumber, receipts, job ? this.step(job) : null, audit);
    if (taken === null && job) this.wake([{ phoneNumber: job.phoneNumber, lane: job.lane }]);
    return taken;
  }

  /** Inside a synchronous SQLite transaction: the step is a row before anything is attempted. Call `wake` after the commit. */
  enqueueInTransaction(job: StepRequest): LaneRef {
    this.deps.inTransaction.enqueue(this.step(job));
    return { phoneNumber: job.phoneNumber, lane: job.lane };
  }

  /** The row of a step, for a store that queues it with other writes of its own transaction (a bind's history import); `wake` its lane after the commit. */
  step(job: StepRequest): NewJob {
    const { delayMs = 0, ...rest } = job;
    return { ...rest, direction: JOB_DIRECTION[job.kind], nextAttemptAt: this.deps.clock.now() + delayMs, giveUpAt: 0 };
  }

  wake(lanes: readonly LaneRef[]): void {
    for (const ref of lanes) {
      const key = keyOf(ref);
      let lane = this.lanes.get(key);
      if (!lane) {
        lane = { key, ref, busy: false, again: false, queued: false, timer: null };
        this.lanes.set(key, lane);
      }
      this.pump(lane);
    }
  }

  /** Run a step again: a dead or done one with a fresh retry period, a waiting one now; audited with the change. */
  async replay(id: number, audit?: AuditLink): Promise<ChatwootJobRow> {
    const row = await this.deps.repo.get(id);
    if (!row) throw new GatewayError('DELIVERY_NOT_FOUND', `Chatwoot delivery ${id} does not exist`);
    const now = this.deps.clock.now();
    const fresh = row.status === 'dead' || row.status === 'done';
    const updated = await this.deps.repo.update(id, fresh ? { status: 'pending', attempts: 0, nextAttemptAt: now, giveUpAt: 0, doneAt: null } : { nextAttemptAt: now }, audit);
    this.deps.logger.info({ deliveryId: id, phoneNumber: row.phoneNumber, from: row.status }, 'chatwoot delivery replayed');
    this.pausedUntil.delete(row.phoneNumber);
    this.wake([{ phoneNumber: row.phoneNumber, lane: row.lane }]);
    return updated ?? row;
  }

  /** Whether a binding is waiting out a failure of its Chatwoot (health). */
  pausedFor(phoneNumber: string): number | null {
    const until = this.pausedUntil.get(phoneNumber);
    return until && until > this.deps.clock.now() ? until : null;
  }

  inFlight(phoneNumber: string): number {
    return this.active.get(phoneNumber) ?? 0;
  }

  /** A binding went: its lanes and pause are forgotten (its rows were deleted with it). */
  forget(phoneNumber: string): void {
    for (const [key, lane] of this.lanes) {
      if (lane.ref.phoneNumber !== phoneNumber) continue;
      if (lane.timer) this.deps.clock.clearTimeout(lane.timer);
      this.lanes.delete(key);
    }
    this.waiting.delete(phoneNumber);
    this.pausedUntil.delete(phoneNumber);
  }

  /** Stop starting steps; those under way finish (a step cut off runs again at the next start). */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) if (lane.timer) this.deps.clock.clearTimeout(lane.timer);
    this.lanes.clear();
    this.waiting.clear();
    await Promise.allSettled([...this.running]);
  }

  private pump(lane: Lane): void {
    if (this.closed || lane.queued) return;
    if (lane.busy) {
      lane.again = true;
      return;
    }
    if (lane.timer) this.deps.clock.clearTimeout(lane.timer);
    lane.timer = null;
    lane.busy = true;
    lane.again = false;
    this.track(this.look(lane), lane);
  }

  /** The lane's head: run it when due (and claimed), or wait for it. */
  private async look(lane: Lane): Promise<void> {
    const head = await this.deps.repo.head(lane.ref);
    if (this.closed) return;
    if (!head || head.status === 'running') {
      // Done, or run by another gateway (which pumps it on); a wake that came meanwhile looks again.
      lane.busy = false;
      if (lane.again) this.pump(lane);
      else if (this.lanes.get(lane.key) === lane) this.lanes.delete(lane.key);
      return;
    }
    const phone = lane.ref.phoneNumber;
    const due = Math.max(head.nextAttemptAt, this.pausedFor(phone) ?? 0);
    const wait = due - this.deps.clock.now();
    if (wait > 0) {
      lane.busy = false;
      lane.timer = this.deps.clock.setTimeout(() => {
        lane.timer = null;
        this.pump(lane);
      }, wait);
      if (lane.again) this.pump(lane);
      return;
    }
    if ((this.active.get(phone) ?? 0) >= this.deps.settings.concurrency) {
      lane.busy = false;
      lane.queued = true;
      const queue = this.waiting.get(phone) ?? [];
      queue.push(lane);
      this.waiting.set(phone, queue);
      return;
    }
    this.active.set(phone, (this.active.get(phone) ?? 0) + 1);
    try {
      // Running from here, so a change that comes meanwhile queues a step of its own instead of being absorbed.
      if (await this.deps.repo.claim(head.id)) {
        const started = this.deps.clock.now();
        await this.settle(head, await this.attempt(head), started);
      }
    } catch (err) {
      this.deps.logger.error({ err, deliveryId: head.id }, 'chatwoot: claiming or settling a step failed');
    } finally {
      this.active.set(phone, Math.max(0, (this.active.get(phone) ?? 1) - 1));
      lane.busy = false;
      this.pump(lane);
      this.next(phone);
    }
  }

  private track(task: Promise<void>, lane: Lane): void {
    const tracked = task
      .catch((err: unknown) => {
        // The database did not answer for the head: look again after a retry delay.
        this.deps.logger.error({ err, phoneNumber: lane.ref.phoneNumber, lane: lane.ref.lane }, 'chatwoot: running a lane failed');
        lane.busy = false;
        if (this.closed || lane.timer) return;
        lane.timer = this.deps.clock.setTimeout(() => {
          lane.timer = null;
          this.pump(lane);
        }, this.deps.settings.retry.baseDelayMs);
      })
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async attempt(job: ChatwootJobRow): Promise<StepOutcome> {
    try {
      return await this.deps.handlers[job.kind](job);
    } catch (err) {
      return outcomeOf(err);
    }
  }

  private async settle(job: ChatwootJobRow, outcome: StepOutcome, started: number): Promise<void> {
    const now = this.deps.clock.now();
    const attempts = job.attempts + 1;
    const log = { deliveryId: job.id, phoneNumber: job.phoneNumber, kind: job.kind, attempts };
    let status: ChatwootJobRow['status'];
    if (outcome.kind === 'done') {
      status = 'done';
      await this.deps.repo.settle(job.id, { status, attempts, nextAttemptAt: job.nextAttemptAt, giveUpAt: job.giveUpAt, lastError: null, doneAt: now });
    } else {
      const giveUpAt = job.giveUpAt || now + this.deps.settings.periodMs;
      const delay = Math.max(outcome.kind === 'retry' ? (outcome.delayMs ?? 0) : 0, backoffDelay(this.deps.settings.retry, attempts, this.deps.clock.random()));
      if (outcome.kind === 'dead' || now + delay > giveUpAt) {
        status = 'dead';
        await this.deps.repo.settle(job.id, { status, attempts, nextAttemptAt: job.nextAttemptAt, giveUpAt, lastError: outcome.error, doneAt: null });
        this.deps.logger.warn({ ...log, error: outcome.error }, 'chatwoot: step dead-lettered');
      } else {
        status = 'pending';
        await this.deps.repo.settle(job.id, { status, attempts, nextAttemptAt: now + delay, giveUpAt, lastError: outcome.error, doneAt: null });
        if (outcome.bindingWide) this.pausedUntil.set(job.phoneNumber, Math.max(this.pausedUntil.get(job.phoneNumber) ?? 0, now + delay));
        this.deps.logger.info({ ...log, error: outcome.error, retryInMs: delay }, 'chatwoot: step failed, will retry');
      }
    }
    try {
      await this.deps.onSettled?.(job, outcome, now - started, status);
    } catch (err) {
      this.deps.logger.error({ err, deliveryId: job.id }, 'chatwoot: the follow-up of a step failed');
    }
  }

  /** A slot of this binding is free: the lane that waited longest runs. */
  private next(phoneNumber: string): void {
    const queue = this.waiting.get(phoneNumber);
    const lane = queue?.shift();
    if (!lane) return;
    if (queue && queue.length === 0) this.waiting.delete(phoneNumber);
    lane.queued = false;
    this.pump(lane);
  }
}

/** A handler's exception as a verdict: Chatwoot said retry (or not), anything else is retried. */
export function outcomeOf(err: unknown): StepOutcome {
  if (err instanceof ChatwootError) {
    if (!err.retryable) return { kind: 'dead', error: err.message };
    return { kind: 'retry', error: err.message, delayMs: err.retryAfterMs ?? 0, bindingWide: err.bindingWide };
  }
  return { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
}
