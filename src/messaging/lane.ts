import PQueue from 'p-queue';
import type { Answer, Mode } from '../db/ports/answer.js';
import type { OutboxStore } from '../db/ports/outbox.js';
import type { MessageRow } from '../db/schema.js';
import { backoffDelay } from '../domain/backoff.js';
import { GatewayError } from '../domain/errors.js';
import type { GowaClient } from '../gowa/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import { attemptSend, type AttemptEnd } from './attempt.js';
import type { MediaStore } from './media-store.js';
import { ask, run, type Steps } from './steps.js';
import type { MessagePayload, OutboxEvents, OutboxSettings, QueuePolicy, QueueStatus } from './types.js';

export interface LaneDeps<M extends Mode> {
  readonly phoneNumber: string;
  readonly store: OutboxStore<M>;
  readonly media: MediaStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: OutboxSettings;
  readonly events: TypedEmitter<OutboxEvents>;
  /** The child's API client while it is running, else null. */
  readonly client: () => GowaClient | null;
  /** Whether this node dispatches the number (DM-21: its owner only; always on one host). */
  readonly owns: () => boolean;
  readonly policy: () => { policy: QueuePolicy; custom: boolean };
  /** Where the number's timelock pause is kept, so a restarted gateway honours it too. */
  readonly pauses: PauseStore;
}

export interface SavedPause {
  readonly until: number;
  readonly reason: string;
}

export interface PauseStore {
  load(): SavedPause | null;
  save(pause: SavedPause | null): void;
}

function makeQueue(policy: QueuePolicy): PQueue {
  // strict = sliding window: never more than intervalCap starts in any `interval` ms, even across idle periods.
  return policy.interval > 0
    ? new PQueue({ concurrency: policy.concurrency, interval: policy.interval, intervalCap: policy.intervalCap, strict: true })
    : new PQueue({ concurrency: policy.concurrency });
}

/**
 * One number's send queue. The outbox rows are the queue's truth; the lane pulls the oldest pending row whenever
 * it has room (at most `concurrency` at a time) and runs it through a p-queue that enforces the pacing. Proxied
 * `/send/*` calls go through the same p-queue (`schedule`), so the proxy cannot jump the pacing.
 *
 * Order is kept per number: a message waiting for its retry holds the ones behind it.
 *
 * Written once for both store modes (steps.ts): on SQLite the pick runs synchronously as it always has; on Postgres
 * one pick runs at a time (a pump asked for meanwhile runs after it), so two picks never start the same row.
 */
export class NumberLane<M extends Mode = 'sync'> {
  private queue: PQueue;
  private policy: QueuePolicy;
  private readonly inFlight = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private pausedUntil: number | null = null;
  private pauseReason: string | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  private holdUntil: number | null = null;
  private holdReason: string | null = null;
  private consecutiveWaits = 0;
  private closed = false;
  private pumping = false;
  private pumpAgain = false;
  private readonly log: Logger;

  constructor(private readonly deps: LaneDeps<M>) {
    this.policy = deps.policy().policy;
    this.queue = makeQueue(this.policy);
    this.log = deps.logger.child({ phoneNumber: deps.phoneNumber });
    const saved = deps.pauses.load();
    if (saved && saved.until > deps.clock.now()) this.enterPause(saved);
  }

  get phoneNumber(): string {
    return this.deps.phoneNumber;
  }

  /** The store with its answers as either mode's (the steps below await or take them as they come). */
  private get store(): OutboxStore<Mode> {
    return this.deps.store;
  }

  /** Run work (a proxied send) in this number's pacing; refused while the number is paused or closing. */
  schedule<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down'));
    this.assertNotPaused();
    return this.queue.add(task);
  }

  assertNotPaused(): void {
    if (!this.isPaused()) return;
    const until = this.pausedUntil ?? this.deps.clock.now();
    throw new GatewayError('QUEUE_PAUSED', `sending from ${this.phoneNumber} is paused until ${new Date(until).toISOString()}: ${this.pauseReason ?? ''}`, {
      pausedUntil: new Date(until).toISOString(),
      retryAfterSeconds: Math.max(1, Math.ceil((until - this.deps.clock.now()) / 1000)),
    });
  }

  /** Start whatever can start now. Called on accept, when the child is ready, after each attempt and timer. */
  pump(): void {
    if (!this.mayStart()) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const done = (): void => {
      this.pumping = false;
      if (!this.pumpAgain) return;
      this.pumpAgain = false;
      this.pump();
    };
    let picked: void | Promise<void>;
    try {
      picked = run(this.deps.store.mode, this.pick()) as void | Promise<void>;
    } catch (err) {
      done();
      throw err;
    }
    if (!(picked instanceof Promise)) return done();
    picked.catch((err: unknown) => this.log.error({ err }, 'could not pick the next message')).finally(done);
  }

  private mayStart(): boolean {
    return !this.closed && !this.isPaused() && this.deps.owns() && this.deps.client() !== null;
  }

  private *pick(): Steps<void> {
    const now = this.deps.clock.now();
    this.clearHold();
    while (this.inFlight.size < this.policy.concurrency) {
      const row = yield* ask(this.store.nextPending(this.phoneNumber, [...this.inFlight]));
      // Asynchronous stores: the number may have been lost, paused or closed while the row was read.
      if (!row || !this.mayStart()) break;
      if (row.status === 'queued' && row.expiresAt !== null && row.expiresAt <= now) {
        this.finished(yield* ask(this.store.expire(this.phoneNumber, row.id, now)));
        continue;
      }
      if (row.nextAttemptAt !== null && row.nextAttemptAt > now) {
        this.hold(row.nextAttemptAt, row.error);
        break;
      }
      this.inFlight.add(row.id);
      const started = this.queue
        .add(() => this.attempt(row))
        .catch((err: unknown) => this.log.error({ err, messageId: row.id }, 'send attempt crashed'))
        .finally(() => {
          this.inFlight.delete(row.id);
          this.running.delete(started);
          this.pump();
        });
      this.running.add(started);
    }
  }

  /** WhatsApp's reach-out timelock: nothing leaves this number until `ms` from now (or a manual resume). */
  pause(ms: number, reason: string): void {
    const now = this.deps.clock.now();
    const pause = { until: now + ms, reason };
    this.enterPause(pause);
    this.deps.pauses.save(pause);
    this.log.warn({ pausedUntil: new Date(pause.until).toISOString(), reason }, 'send queue paused');
    this.deps.events.emit('paused', { phoneNumber: this.phoneNumber, paused: true, pausedUntil: pause.until, reason, at: now });
  }

  resume(): void {
    if (this.pauseTimer) this.deps.clock.clearTimeout(this.pauseTimer);
    const was = this.pausedUntil !== null;
    this.pauseTimer = null;
    this.pausedUntil = null;
    this.pauseReason = null;
    if (was) {
      this.deps.pauses.save(null);
      this.deps.events.emit('paused', { phoneNumber: this.phoneNumber, paused: false, pausedUntil: null, reason: null, at: this.deps.clock.now() });
    }
    this.pump();
  }

  /** Paused until `until` (a new pause, or one saved before a restart); resumes by itself then. */
  private enterPause({ until, reason }: SavedPause): void {
    this.pausedUntil = until;
    this.pauseReason = reason;
    if (this.pauseTimer) this.deps.clock.clearTimeout(this.pauseTimer);
    this.pauseTimer = this.deps.clock.setTimeout(() => this.resume(), Math.max(0, until - this.deps.clock.now()));
  }

  /** New pacing applies to work queued from now on; work already in the old queue finishes there. */
  applyPolicy(): void {
    const next = this.deps.policy().policy;
    this.policy = next;
    this.queue = makeQueue(next);
    this.pump();
  }

  status(): Answer<M, QueueStatus> {
    return run(this.deps.store.mode, this.statusSteps());
  }

  private *statusSteps(): Steps<QueueStatus> {
    const depth = yield* ask(this.store.depth(this.phoneNumber));
    const now = this.deps.clock.now();
    const paused = this.isPaused();
    const { policy, custom } = this.deps.policy();
    let reason: string | null = null;
    if (paused) reason = this.pauseReason;
    else if (!this.deps.owns()) reason = 'sent by the node that owns the number';
    else if (!this.deps.client()) reason = 'device not running';
    else if (this.holdUntil !== null && this.holdUntil > now) reason = `next attempt at ${new Date(this.holdUntil).toISOString()}: ${this.holdReason ?? ''}`;
    return {
      depth,
      inFlight: this.inFlight.size,
      paused,
      pausedUntil: paused && this.pausedUntil !== null ? new Date(this.pausedUntil).toISOString() : null,
      reason,
      policy,
      customPolicy: custom,
    };
  }

  /** Stop taking work and wait for the attempts under way (each bounded by the send timeout). */
  async close(): Promise<void> {
    this.stop();
    await Promise.allSettled([...this.running]);
  }

  /**
   * Start nothing more, at once (the number was lost): an attempt under way finds its writes refused by the fence
   * and leaves its row to the next owner, who checks a `sending` row against the child's history before any new try.
   */
  stop(): void {
    this.closed = true;
    for (const timer of [this.pauseTimer, this.holdTimer]) if (timer) this.deps.clock.clearTimeout(timer);
    this.pauseTimer = null;
    this.holdTimer = null;
  }

  private isPaused(): boolean {
    return this.pausedUntil !== null && this.pausedUntil > this.deps.clock.now();
  }

  private clearHold(): void {
    if (this.holdTimer) this.deps.clock.clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.holdUntil = null;
    this.holdReason = null;
  }

  /** The oldest message waits for its next attempt, and so do the ones behind it. */
  private hold(until: number, reason: string | null): void {
    this.holdUntil = until;
    this.holdReason = reason;
    this.holdTimer = this.deps.clock.setTimeout(() => {
      this.holdTimer = null;
      this.pump();
    }, Math.max(1, until - this.deps.clock.now()));
  }

  private async attempt(row: MessageRow): Promise<void> {
    const client = this.deps.client();
    if (this.closed || this.isPaused() || !client || !this.deps.owns()) return;
    let end: AttemptEnd;
    try {
      end = await attemptSend({ ...this.deps, log: this.log, waitDelay: () => this.waitDelay() }, client, row);
    } catch (err) {
      // The number was lost meanwhile: its fence refused the write, and the row is the next owner's to settle.
      if (!this.closed && this.deps.owns()) throw err;
      this.log.warn({ err, messageId: row.id }, 'send attempt left to the number\'s new owner');
      return;
    }
    if (end.sent) this.consecutiveWaits = 0;
    if (end.pause) this.pause(this.deps.settings.timelockPauseMs, end.pause);
    this.finished(end.changed);
  }

  /** Waiting for the child (not running, not logged in yet) backs off per number, not per message. */
  private waitDelay(): number {
    this.consecutiveWaits++;
    return backoffDelay(this.deps.settings.retry, this.consecutiveWaits, this.deps.clock.random());
  }

  /** A row reached a final status (or moved): announce it, and drop its upload once nothing will send it again. */
  private finished(row: MessageRow | undefined): void {
    if (!row) return;
    this.deps.events.emit('status', {
      id: row.id,
      phoneNumber: row.phoneNumber,
      status: row.status,
      waMessageId: row.waMessageId,
      error: row.error,
      at: this.deps.clock.now(),
      row,
    });
    if (row.status !== 'queued' && row.status !== 'sending') void this.deps.media.remove((row.payload as unknown as MessagePayload).upload);
  }
}
