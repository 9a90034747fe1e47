import type Database from 'better-sqlite3';

interface Work<T> {
  readonly run: () => T;
  readonly after: ((result: T) => void) | undefined;
  readonly undo: (() => void) | undefined;
  readonly resolve: (result: T) => void;
  readonly reject: (err: unknown) => void;
}

/** A write made while a batch item runs: stored at once inside it, announced after the batch's commit. */
interface Joined {
  readonly work: Work<never>;
  ok: boolean;
  value: unknown;
}

type Outcome = { ok: true; value: unknown; joined: Joined[] } | { ok: false; err: unknown };

/** Reports a failed after-commit step (it never fails the caller: its writes are committed). */
export type AfterError = (err: unknown) => void;

/**
 * A turn that runs long (a burst that piled up while the process waited for a core) writes what it has queued
 * once the oldest item has waited this long, so the events of a long turn are published as it goes, not at its end.
 */
const DEFAULT_MAX_WAIT_MS = 5;

const ignore = (): void => {};

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
 * A long turn is cut into batches of at most `maxWaitMs` (5 ms by default).
 *
 * A write made while an item runs (a listener the item calls stores something of its own, e.g. the journaled
 * `queued` event of an accepted message) joins that item: it runs at once in a savepoint of the item (so it
 * commits or rolls back with the item's own writes), and its `after` step runs after the commit, right after the
 * item's own, in the order the joined writes started.
 */
export class TurnWriter {
  private pending: Work<never>[] = [];
  private firstQueuedAt = 0;
  /** While a batch item runs: the writes that joined it, in the order they started. */
  private joined: Joined[] | null = null;
  private readonly savepoint: (run: () => unknown) => unknown;
  /** Turns committed and items written (for the bench and metrics). */
  commits = 0;
  items = 0;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly onAfterError: AfterError,
    private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
  ) {
    // Called inside the batch's transaction, better-sqlite3 runs a transaction function as a savepoint.
    this.savepoint = sqlite.transaction((run: () => unknown) => run());
  }

  /**
   * Queue `run` (synchronous writes) for this turn's transaction; resolves with its result once committed. `after`
   * runs right after the commit, before the promise resolves and before any other callback; `undo` runs when the
   * writes were rolled back after `run` returned (the commit failed), to forget what was assumed in memory.
   * Called while a batch item runs, the write joins that item (see the class comment).
   */
  write<T>(run: () => T, after?: (result: T) => void, undo?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const work = { run, after, undo, resolve, reject } as unknown as Work<never>;
      if (this.joined) {
        try {
          this.join(this.joined, work);
        } catch {
          // Already rejected.
        }
        return;
      }
      this.pending.push(work);
      if (this.pending.length === 1) {
        this.firstQueuedAt = performance.now();
        setImmediate(() => this.flush());
      } else if (performance.now() - this.firstQueuedAt >= this.maxWaitMs && !this.sqlite.inTransaction) {
        this.flush();
      }
    });
  }

  /**
   * Write now, synchronously, and return the result; `after` runs once the writes are committed: inside a batch
   * item, the write joins it (after its commit); inside someone else's transaction, it runs as a savepoint of it and
   * `after` runs at once (that transaction's commit is not ours to see); otherwise in a transaction of its own,
   * with `after` right after its commit. `undo` runs if the writes are rolled back after `run` returned, as far as
   * this writer can tell. What is queued is not written first: call `flush()` for that.
   */
  now<T>(run: () => T, after?: (result: T) => void, undo?: () => void): T {
    const work = { run, after, undo, resolve: ignore, reject: ignore } as unknown as Work<never>;
    if (this.joined) return this.join(this.joined, work) as T;
    let value: T;
    try {
      value = this.savepoint(run) as T;
    } catch (err) {
      undo?.();
      throw err;
    }
    this.afterOf(work, value);
    return value;
  }

  /** Whether a transaction is open on the connection that this writer does not own (a caller's own transaction). */
  inForeignTransaction(): boolean {
    return this.joined === null && this.sqlite.inTransaction;
  }

  /**
   * Write what is queued now, synchronously: a synchronous writer whose writes must come after it calls this
   * first (the journal's `record`). Inside an open transaction the batch joins it (as savepoints).
   */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const outcomes: Outcome[] = [];
    try {
      this.sqlite.transaction(() => {
        for (const work of batch) outcomes.push(this.runItem(work));
      })();
    } catch (err) {
      for (const [index, work] of batch.entries()) {
        const outcome = outcomes[index];
        if (outcome?.ok) {
          this.undoOf(work);
          this.fail(outcome.joined, 0, err);
        }
        work.reject(err);
      }
      return;
    }
    this.commits++;
    this.items += batch.length;
    batch.forEach((work, index) => {
      const outcome = outcomes[index];
      if (!outcome?.ok) return;
      this.afterOf(work, outcome.value);
      for (const entry of outcome.joined) this.afterOf(entry.work, entry.value);
    });
    batch.forEach((work, index) => {
      const outcome = outcomes[index];
      if (!outcome?.ok) {
        work.reject(outcome?.err);
        return;
      }
      (work.resolve as (value: unknown) => void)(outcome.value);
      for (const entry of outcome.joined) (entry.work.resolve as (value: unknown) => void)(entry.value);
    });
  }

  /** One batch item in its savepoint, with the writes that join it while it runs. */
  private runItem(work: Work<never>): Outcome {
    const joined: Joined[] = [];
    const outer = this.joined;
    this.joined = joined;
    try {
      return { ok: true, value: this.savepoint(work.run), joined };
    } catch (err) {
      // The item's savepoint took the joined writes with it.
      this.fail(joined, 0, err);
      return { ok: false, err };
    } finally {
      this.joined = outer;
    }
  }

  /** Run a joining write in its own savepoint of the item; on failure it, and what joined after it, is undone. */
  private join(list: Joined[], work: Work<never>): unknown {
    const entry: Joined = { work, ok: false, value: undefined };
    const mark = list.length;
    list.push(entry);
    try {
      entry.value = this.savepoint(work.run);
      entry.ok = true;
      return entry.value;
    } catch (err) {
      this.fail(list, mark, err);
      throw err;
    }
  }

  /** The joined writes from `from` on were rolled back: forget what they assumed and fail their callers. */
  private fail(list: Joined[], from: number, err: unknown): void {
    for (const entry of list.splice(from)) {
      if (entry.ok) this.undoOf(entry.work);
      entry.work.reject(err);
    }
  }

  private afterOf(work: Work<never>, value: unknown): void {
    if (!work.after) return;
    try {
      (work.after as (result: unknown) => void)(value);
    } catch (err) {
      this.onAfterError(err);
    }
  }

  private undoOf(work: Work<never>): void {
    try {
      work.undo?.();
    } catch (err) {
      this.onAfterError(err);
    }
  }
}
