import type pg from 'pg';
import { backoffDelay, type Backoff } from '../../domain/backoff.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { clusterErrors } from '../errors.js';
import { commitStatus, CommitOutcomeUnknown, writeBatch, type BatchItem, type BatchOutcome } from './batch.js';
import type { BatchSubscriber, FenceKeeper, JournalDraft, JournalEntry } from './types.js';

export interface AppenderSettings {
  /** How long the first event of a batch waits for others (DM-22: 10–50 ms). */
  readonly batchMs: number;
  /** A batch is written at once when it has this many rows. */
  readonly maxBatch: number;
  /** How long an event may wait for the database (retries with backoff) before its append fails. */
  readonly retryForMs: number;
  readonly backoff: Backoff;
}

export const DEFAULT_APPENDER_SETTINGS: AppenderSettings = {
  batchMs: 20,
  maxBatch: 500,
  retryForMs: 10_000,
  backoff: { baseDelayMs: 50, maxDelayMs: 1000, jitter: 0.2 },
};

export interface AppenderDeps {
  readonly pool: pg.Pool;
  readonly nodeId: string;
  readonly fences: FenceKeeper;
  readonly settings?: Partial<AppenderSettings>;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Waiting extends BatchItem {
  readonly since: number;
  resolve(entry: JournalEntry): void;
  reject(err: Error): void;
}

/**
 * The node's writer of the Postgres journal (DM-22). Events of every number it owns are queued, and written in
 * batches: one transaction per batch, at most one batch in flight, so rows commit in the order they were
 * appended and each number's seqs are gap-free. Each event is written under the fence the caller gives: an
 * event whose fence is stale is refused with CLUSTER_OWNERSHIP_LOST, nothing of it is written, and the number is
 * reported lost. A database outage is retried (backoff, up to `retryForMs`); a commit whose answer was lost is
 * settled by asking Postgres whether that transaction committed, so an event is never written twice. Subscribers
 * (`addSubscriber`) write theirs in each batch's transaction and run their after-commit steps once it committed.
 */
export class JournalAppender {
  private readonly settings: AppenderSettings;
  private readonly clock: Clock;
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;
  private readonly subscribers: BatchSubscriber[] = [];

  constructor(private readonly deps: AppenderDeps) {
    this.settings = { ...DEFAULT_APPENDER_SETTINGS, ...deps.settings };
    this.clock = deps.clock ?? systemClock;
  }

  /** Resolves with the stored entry (its seq) once its batch has committed, and its NOTIFY is out. */
  append(phoneNumber: string, fence: number, draft: JournalDraft): Promise<JournalEntry> {
    if (this.closed) return Promise.reject(new Error('the journal appender is closed'));
    const claim = { phoneNumber, fence, incarnation: this.deps.fences.writerFor(phoneNumber).incarnation };
    return new Promise((resolve, reject) => {
      this.queue.push({ claim, draft, since: this.clock.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Writes of its own in every batch's transaction, before the batches that come after this call. */
  addSubscriber(subscriber: BatchSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Events waiting for their batch. */
  pending(): number {
    return this.queue.length;
  }

  /** Write what is queued, then refuse new appends. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    while (this.writing || this.queue.length > 0) await (this.writing ?? this.drain());
  }

  private schedule(): void {
    if (this.writing || this.queue.length === 0) return;
    const waited = this.clock.now() - this.queue[0]!.since;
    if (this.queue.length >= this.settings.maxBatch || waited >= this.settings.batchMs) return void this.drain();
    if (this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.drain();
    }, this.settings.batchMs - waited);
  }

  private drain(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue.splice(0, this.settings.maxBatch);
    this.writing = this.write(batch).finally(() => {
      this.writing = null;
      this.schedule();
    });
    return this.writing;
  }

  /** One batch until it is settled: written, refused, or given up on; the rest of the queue waits (order). */
  private async write(batch: Waiting[]): Promise<void> {
    let live = batch;
    for (let attempt = 1; live.length > 0; attempt++) {
      try {
        return this.settle(live, await writeBatch(this.deps.pool, this.deps.nodeId, live, this.subscribers));
      } catch (err) {
        if (err instanceof CommitOutcomeUnknown) {
          const status = await this.outcome(err.xid, live);
          if (status === 'committed') return this.settle(live, err.planned);
          if (status === 'unknown') return this.fail(live, err, 'its commit could not be confirmed');
        }
        this.deps.logger?.warn({ code: (err as { code?: string }).code, rows: live.length, attempt }, 'cluster: a journal batch failed; retrying');
        live = this.expire(live, err);
        if (live.length > 0) await this.pause(backoffDelay(this.settings.backoff, attempt, this.clock.random()));
      }
    }
  }

  /** Committed: the subscribers' steps first (as the local journal's after-commit steps), then the appends resolve. */
  private settle(batch: readonly Waiting[], outcome: BatchOutcome): void {
    for (const after of outcome.after) {
      try {
        after();
      } catch (err) {
        this.deps.logger?.error({ err }, 'cluster: an after-commit step of a journal subscriber failed');
      }
    }
    batch.forEach((item, i) => {
      const entry = outcome.stored[i];
      if (entry) return item.resolve(entry);
      this.deps.fences.writeRefused(item.claim.phoneNumber, item.claim.fence);
      item.reject(clusterErrors.ownershipLost(item.claim.phoneNumber, item.claim.fence));
    });
  }

  /** Asks until Postgres can say (the server may be restarting), within the batch's time. */
  private async outcome(xid: string, batch: readonly Waiting[]): Promise<'committed' | 'aborted' | 'unknown'> {
    for (let attempt = 1; ; attempt++) {
      try {
        const status = await commitStatus(this.deps.pool, xid);
        if (status !== 'in progress') return status;
      } catch {
        // The server is still away: ask again.
      }
      if (this.clock.now() - batch[0]!.since >= this.settings.retryForMs) return 'unknown';
      await this.pause(backoffDelay(this.settings.backoff, attempt, this.clock.random()));
    }
  }

  /** Events that waited past `retryForMs` fail; the others are tried again. */
  private expire(batch: readonly Waiting[], cause: unknown): Waiting[] {
    const now = this.clock.now();
    const expired = batch.filter((item) => now - item.since >= this.settings.retryForMs);
    if (expired.length > 0) this.fail(expired, cause, 'the database did not answer in time');
    return batch.filter((item) => !expired.includes(item));
  }

  private fail(batch: readonly Waiting[], cause: unknown, why: string): void {
    for (const item of batch) item.reject(clusterErrors.journalUnavailable(item.claim.phoneNumber, why, cause));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }
}
