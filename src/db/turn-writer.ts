import type Database from 'better-sqlite3';

interface Work<T> {
  readonly run: () => T;
  readonly after: ((result: T) => void) | undefined;
  readonly undo: (() => void) | undefined;
  readonly resolve: (result: T) => void;
  readonly reject: (err: unknown) => void;
}

/** Reports a failed after-commit step (it never fails the caller: its writes are committed). */
export type AfterError = (err: unknown) => void;

/**
 * A turn that runs long (a burst that piled up while the process waited for a core) writes what it has queued
 * once the oldest item has waited this long, so the events of a long turn are published as it goes, not at its end.
 */
const MAX_WAIT_MS = 5;

/**
 * One SQLite transaction per turn of the event loop for the writes of the hot paths (journal entries with what
 * their durable subscribers write, receipts, message and delivery status changes, accepted messages). A commit is
 * a handful of WAL page writes, each a system call, and every few hundred commits a checkpoint: with a commit per
 * item they were most of what storing an item cost.
 *
 * Work queued during a turn runs at its end (setImmediate: after the turn's I/O callbacks, before any timer), in
 * order, inside one transaction, each in its own savepoint: one that throws undoes only its own writes and fails
 * only its own caller. After the commit, the `after` steps run synchronously in queue order (publishing, waking
 * dispatchers), then every caller's promise resolves. A failed commit undoes everything and fails every caller.
 * A long turn is cut into batches of at most MAX_WAIT_MS.
 */
export class TurnWriter {
  private pending: Work<never>[] = [];
  private firstQueuedAt = 0;
  private readonly savepoint: (run: () => unknown) => unknown;
  /** Turns committed and items written (for the bench and metrics). */
  commits = 0;
  items = 0;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly onAfterError: AfterError,
  ) {
    // Called inside the batch's transaction, better-sqlite3 runs a transaction function as a savepoint.
    this.savepoint = sqlite.transaction((run: () => unknown) => run());
  }

  /**
   * Queue `run` (synchronous writes) for this turn's transaction; resolves with its result once committed. `after`
   * runs right after the commit, before the promise resolves and before any other callback; `undo` runs when the
   * writes were rolled back after `run` returned (the commit failed), to forget what was assumed in memory.
   */
  write<T>(run: () => T, after?: (result: T) => void, undo?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, after, undo, resolve, reject } as unknown as Work<never>);
      if (this.pending.length === 1) {
        this.firstQueuedAt = performance.now();
        setImmediate(() => this.flush());
      } else if (performance.now() - this.firstQueuedAt >= MAX_WAIT_MS && !this.sqlite.inTransaction) {
        this.flush();
      }
    });
  }

  /** Run `work` in a transaction now: its own, or a savepoint of the one already open (it then commits with that one). */
  transaction<T>(work: () => T): T {
    return this.savepoint(work) as T;
  }

  /** Whether a transaction is open on the connection (a synchronous writer inside someone else's transaction). */
  inTransaction(): boolean {
    return this.sqlite.inTransaction;
  }

  /**
   * Write what is queued now, synchronously: a synchronous writer whose writes must come after it calls this
   * first (the journal's `record`). Inside an open transaction the batch joins it (as savepoints).
   */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.sqlite.transaction(() => {
        for (const work of batch) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(work.run) });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      })();
    } catch (err) {
      for (const [index, work] of batch.entries()) {
        if (outcomes[index]?.ok) this.undoOf(work);
        work.reject(err);
      }
      return;
    }
    this.commits++;
    this.items += batch.length;
    batch.forEach((work, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok && work.after) {
        try {
          (work.after as (result: unknown) => void)(outcome.value);
        } catch (err) {
          this.onAfterError(err);
        }
      }
    });
    batch.forEach((work, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) (work.resolve as (value: unknown) => void)(outcome.value);
      else work.reject(outcome?.err);
    });
  }

  private undoOf(work: Work<never>): void {
    try {
      work.undo?.();
    } catch (err) {
      this.onAfterError(err);
    }
  }
}
