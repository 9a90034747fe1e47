import type { EventRow } from '../schema.js';

/**
 * The per-number journal's history on either dialect: what resume, paging and retention read and prune. Seqs run
 * from 1 without gaps per number and only grow: pruning keeps each number's newest row, so the newest seq never
 * goes back and a client's "since" stays meaningful. (Appending is the writer's: the turn writer on one host, the
 * fenced batch appender of src/cluster/journal/ in distributed mode.)
 */
export interface JournalHistory {
  /** The number's newest seq (0: none). */
  lastSeq(phoneNumber: string): Promise<number>;
  /** The oldest seq still kept (null: none). */
  firstSeq(phoneNumber: string): Promise<number | null>;
  /** Events after `since`, oldest first, at most `limit`. */
  after(phoneNumber: string, since: number, limit: number): Promise<EventRow[]>;
  /** The newest `limit` events after `since` (and up to `upTo`), oldest first: the window a late client catches up on. */
  newestAfter(phoneNumber: string, since: number, limit: number, upTo?: number): Promise<EventRow[]>;
  countAfter(phoneNumber: string, since: number): Promise<number>;
  /** A number was unregistered: its history must not reach whoever registers it next. How many rows. */
  deleteForNumber(phoneNumber: string): Promise<number>;
  /** Forget events older than `before` but each number's newest. How many rows. */
  prune(before: number): Promise<number>;
}
