import type { MessageRow } from '../schema.js';
import type { Answer, Mode } from './answer.js';
import type { AuditLink } from './audit.js';
import type { MessageFilter, MessageStore, NewMessage } from './messages.js';

/**
 * What the outbox service (src/messaging/outbox.ts) keeps its rows through, on either dialect: the `MessageStore`
 * port, plus the calls of the send path in the mode of its dialect (`db/ports/answer.ts`). On SQLite (`'sync'`) the
 * lane picks its next row, a receipt moves rows inside the journal's transaction and the routes read, all at once,
 * as before the port; accepts and the two writes of every send (claimed, sent) share the turn's transaction. On
 * Postgres (`'async'`) every call answers with a promise.
 *
 * Status changes name the number: in distributed mode they are made by its owner only, under its fence (DM-17), so
 * a node that lost the number cannot move its messages (CLUSTER_OWNERSHIP_LOST, nothing written).
 */
export interface OutboxStore<M extends Mode> {
  readonly mode: M;
  /** Off the send path (boot, sweeps, unregistering): the port. */
  readonly messages: Pick<MessageStore, 'pendingNumbers' | 'pendingIds' | 'clearRetryTimes' | 'deleteForNumber' | 'expireDue' | 'failUnregistered'>;

  /**
   * Insert, or answer the row already stored for (phoneNumber, idempotencyKey). For a new row, `audit` commits with
   * it and `created` runs with it: on SQLite inside its transaction (what listeners write for it, e.g. its journaled
   * `queued` event, commits with the row or not at all), on Postgres after the commit.
   */
  insertOnce(row: NewMessage, audit: AuditLink | undefined, created: (row: MessageRow) => void): Promise<{ row: MessageRow; created: boolean }>;

  get(id: string): Answer<M, MessageRow | undefined>;
  list(filter: MessageFilter): Answer<M, { rows: MessageRow[]; total: number }>;
  depth(phoneNumber: string): Answer<M, number>;
  nextPending(phoneNumber: string, exclude: readonly string[]): Answer<M, MessageRow | undefined>;
  knownWaIds(phoneNumber: string, waIds: readonly string[]): Answer<M, Set<string>>;
  /** sent → delivered → read, never backwards (not fenced: a receipt is a fact about WhatsApp, the same from any node). */
  applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', at: number): Answer<M, MessageRow[]>;

  /** The claim before the child is called, committed before it is (on SQLite in the turn's transaction). */
  markSending(phoneNumber: string, id: string, now: number): Promise<MessageRow | undefined>;
  /** The child's answer (on SQLite in the turn's transaction). */
  markSent(phoneNumber: string, id: string, waMessageId: string, sentAt: number): Promise<MessageRow | undefined>;
  markFailed(phoneNumber: string, id: string, error: string, now: number): Answer<M, MessageRow | undefined>;
  requeue(phoneNumber: string, id: string, patch: { nextAttemptAt: number | null; error: string; uncount: boolean }, now: number): Answer<M, MessageRow | undefined>;
  keepUnknown(phoneNumber: string, id: string, patch: { nextAttemptAt: number | null; error: string }): Answer<M, MessageRow | undefined>;
  expire(phoneNumber: string, id: string, now: number): Answer<M, MessageRow | undefined>;
}
