import type { Logger } from '../../lib/logger.js';
import { isClusterError } from '../errors.js';
import type { JournalDraft, JournalEntry } from './types.js';

/** What the forwarder needs of the appender (JournalAppender). */
export interface ForwardAppender {
  append(phoneNumber: string, fence: number, draft: JournalDraft): Promise<JournalEntry>;
  close(): Promise<void>;
}

/** The numbers this node holds now, each with its fence (the ownership core's book: acquiring, owned or releasing). */
export interface HeldFences {
  held(): ReadonlyMap<string, { readonly fence: number }>;
}

export interface ForwarderDeps {
  readonly appender: ForwardAppender;
  readonly ownership: HeldFences;
  readonly logger?: Logger;
}

/** What became of the events handed in since the node started. */
export interface ForwarderFigures {
  /** Stored in the Postgres journal. */
  readonly appended: number;
  /** Not this node's number (any more): not held when recorded, or refused with CLUSTER_OWNERSHIP_LOST. */
  readonly dropped: number;
  /** Given up on after the appender's retries: the database did not answer (CLUSTER_DB_UNREACHABLE) or failed otherwise. */
  readonly failed: number;
  /** The newest settled append failed: Postgres is missing events of this node now. */
  readonly failing: boolean;
  /** When the newest failure settled (ms since the epoch; null: none yet). */
  readonly lastFailureAt: number | null;
}

/**
 * Distributed mode's interim bridge (DM-22): every event the node's local (SQLite) journal recorded is appended to
 * the Postgres journal too, under the fence this node holds for its number, in the order it is handed in (the
 * appender writes one batch at a time, in order). Postgres numbers it anew, so a socket on any node sees the
 * Postgres seq. An event of a number this node does not hold is dropped, as is one refused because the fence moved
 * on (the new owner's journal continues from its own events). A database outage is the appender's to retry; an event
 * it gives up on is counted and logged, never thrown: the local journal already stored it.
 */
export class LocalJournalForwarder {
  private appended = 0;
  private dropped = 0;
  private failed = 0;
  private failing = false;
  private lastFailureAt: number | null = null;
  private last: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly deps: ForwarderDeps,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queue the event for the Postgres journal (returns at once; the outcome is counted). */
  forward(phoneNumber: string, draft: JournalDraft): void {
    const held = this.closed ? undefined : this.deps.ownership.held().get(phoneNumber);
    if (!held) {
      this.dropped += 1;
      this.deps.logger?.debug({ phoneNumber, type: draft.type }, 'cluster: an event of a number this node does not hold is not journaled on Postgres');
      return;
    }
    this.last = this.deps.appender.append(phoneNumber, held.fence, draft).then(
      () => this.succeeded(),
      (err: unknown) => this.refused(phoneNumber, held.fence, err),
    );
  }

  /** Resolves once every event handed in so far is settled (stored, dropped or given up on): before a hand-over. */
  settled(): Promise<void> {
    return this.last;
  }

  figures(): ForwarderFigures {
    return { appended: this.appended, dropped: this.dropped, failed: this.failed, failing: this.failing, lastFailureAt: this.lastFailureAt };
  }

  /** Write what is queued, then take nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.deps.appender.close();
    await this.last;
  }

  private succeeded(): void {
    this.appended += 1;
    this.failing = false;
  }

  private refused(phoneNumber: string, fence: number, err: unknown): void {
    if (isClusterError(err, 'CLUSTER_OWNERSHIP_LOST')) {
      // The ownership core has marked the number lost; its new owner journals its own events.
      this.dropped += 1;
      this.deps.logger?.debug({ phoneNumber, fence }, 'cluster: an event of a number this node lost is not journaled on Postgres');
      return;
    }
    this.failed += 1;
    this.failing = true;
    this.lastFailureAt = this.now();
    this.deps.logger?.error({ phoneNumber, code: (err as { code?: string }).code, message: (err as Error).message }, 'cluster: an event could not be journaled on Postgres; sockets will not see it');
  }
}
