import type { MessageRow, MessageStatus, messages } from '../schema.js';
import type { AuditLink } from './audit.js';

export type NewMessage = typeof messages.$inferInsert;

export interface MessageFilter {
  /** null = every number (admins); otherwise only these numbers. */
  readonly phoneNumbers: readonly string[] | null;
  readonly status?: MessageStatus;
  readonly recipient?: string;
  readonly limit: number;
  readonly offset: number;
}

/**
 * The durable outbox on either dialect. Status changes are conditional (`WHERE status IN …`), so two writers can
 * never move a message twice and receipts never move one backwards. A number's messages go out oldest first: by
 * `createdAt`, then in the order they were accepted (ids are time-ordered, `lib/uuid7.ts`, so the same order on
 * every node). While a row is `sending`, `updatedAt` is when its latest attempt started.
 */
export interface MessageStore {
  /**
   * Insert, or answer the existing row when (phoneNumber, idempotencyKey) was seen before, also when another writer
   * got there first. `audit` commits with the row only when it is new.
   */
  insertOnce(row: NewMessage, audit?: AuditLink): Promise<{ row: MessageRow; created: boolean }>;
  get(id: string): Promise<MessageRow | undefined>;
  /** Newest first, and how many match in all. */
  list(filter: MessageFilter): Promise<{ rows: MessageRow[]; total: number }>;
  /** Numbers with messages still to send (queued or sending). */
  pendingNumbers(): Promise<string[]>;
  pendingIds(): Promise<Set<string>>;
  /** Forget retry times of the number's messages in these statuses (its child is back): how many. */
  clearRetryTimes(phoneNumber: string, statuses: readonly MessageStatus[]): Promise<number>;
  /** Remove a number's messages and answer them (their uploads must be deleted too). */
  deleteForNumber(phoneNumber: string): Promise<MessageRow[]>;
  countsByStatus(): Promise<{ phoneNumber: string; status: MessageStatus; n: number }[]>;
  /** Messages of the number still to send. */
  depth(phoneNumber: string): Promise<number>;
  /** The oldest message of a number still to send, skipping those already being worked on. */
  nextPending(phoneNumber: string, exclude: readonly string[]): Promise<MessageRow | undefined>;
  /** Claim a message for an attempt (attempts + 1); undefined if it is no longer pending. */
  markSending(id: string, now: number): Promise<MessageRow | undefined>;
  markSent(id: string, waMessageId: string, sentAt: number): Promise<MessageRow | undefined>;
  markFailed(id: string, error: string, now: number): Promise<MessageRow | undefined>;
  /** Back to `queued` from `sending`. `uncount`: the attempt never reached WhatsApp, so it does not count. */
  requeue(id: string, patch: { nextAttemptAt: number | null; error: string; uncount: boolean }, now: number): Promise<MessageRow | undefined>;
  /** Outcome unknown: stays `sending` (to be verified before any new try); `updatedAt` is kept. */
  keepUnknown(id: string, patch: { nextAttemptAt: number | null; error: string }): Promise<MessageRow | undefined>;
  /** A queued message past its time to live. */
  expire(id: string, now: number): Promise<MessageRow | undefined>;
  /** Every queued message whose time to live has passed (a `sending` one may have been sent: not touched). */
  expireDue(now: number): Promise<MessageRow[]>;
  /** Messages still to send of numbers no longer registered fail. */
  failUnregistered(now: number): Promise<MessageRow[]>;
  /** Of these WhatsApp ids, those already recorded for the number. */
  knownWaIds(phoneNumber: string, waIds: readonly string[]): Promise<Set<string>>;
  /** sent → delivered → read, never backwards; answers the rows that moved. */
  applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', at: number): Promise<MessageRow[]>;
}
