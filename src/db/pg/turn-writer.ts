import type { AfterError } from '../turn-writer.js';
import type { PgDb, PgTx } from './client.js';

interface Work<T> {
  readonly run: (tx: PgTx) => Promise<T>;
  readonly after: ((result: T) => void) | undefined;
  readonly undo: (() => void) | undefined;
  readonly resolve: (result: T) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

export interface PgTurnSettings {
  /** A batch holds at most this many writes; the rest wait for the next one. */
  readonly maxBatch: number;
}

/**
 * The turn writer's twin on Postgres (distributed mode's hot path): the writes queued during a turn of the event
 * loop commit in one transaction, each in a savepoint of its own, so one that throws undoes only its own writes and
 * fails only its caller. One batch is in flight at a time, so batches commit in the order their writes were
 * queued; what is queued meanwhile waits for the next. After the commit the `after` steps run in queue order, then
 * every caller's promise resolves. A failed commit undoes everything: every caller is failed and its `undo` runs.
 * A write awaits only the transaction it is given (no network inside a transaction).
 */
export class PgTurnWriter {
  private pending: Work<never>[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;
  /** Batches committed and writes stored (for the bench and metrics). */
  commits = 0;
  items = 0;

  constructor(
    private readonly db: PgDb,
    private readonly onAfterError: AfterError,
    private readonly settings: PgTurnSettings = { maxBatch: 500 },
  ) {}

  /** Queue `run` for this turn's transaction; resolves with its result once committed. */
  write<T>(run: (tx: PgTx) => Promise<T>, after?: (result: T) => void, undo?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, after, undo, resolve, reject } as unknown as Work<never>);
      this.schedule();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.writing || this.pending.length > 0) await (this.writing ?? this.next());
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.next();
    });
  }

  private next(): Promise<void> {
    if (this.writing) return this.writing;
    const batch = this.pending.splice(0, this.settings.maxBatch);
    if (batch.length === 0) return Promise.resolve();
    this.writing = this.commit(batch).finally(() => {
      this.writing = null;
      if (this.pending.length > 0) this.schedule();
    });
    return this.writing;
  }

  private async commit(batch: Work<never>[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.db.transaction(async (tx) => {
        for (const work of batch) {
          try {
            // A nested transaction is a savepoint: a write that throws is rolled back alone.
            outcomes.push({ ok: true, value: await tx.transaction((savepoint) => work.run(savepoint)) });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      for (const [i, work] of batch.entries()) {
        if (outcomes[i]?.ok) this.guard(() => work.undo?.());
        work.reject(err);
      }
      return;
    }
    this.commits++;
    batch.forEach((work, i) => {
      const outcome = outcomes[i] as Outcome;
      if (!outcome.ok) return work.reject(outcome.err);
      this.items++;
      this.guard(() => work.after?.(outcome.value as never));
    });
    batch.forEach((work, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) work.resolve(outcome.value as never);
    });
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.onAfterError(err);
    }
  }
}
