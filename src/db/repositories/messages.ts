import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, lte, not, notInArray, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client.js';
import { devices, messages, type MessageRow, type MessageStatus } from '../schema.js';

import type { MessageFilter, NewMessage } from '../ports/messages.js';

export type { MessageFilter, NewMessage } from '../ports/messages.js';
/** A row to insert, and what to write with it in its transaction if it is new. */
export interface NewMessageItem {
  readonly row: NewMessage;
  readonly inTransaction?: (row: MessageRow) => void;
}

const PENDING: MessageStatus[] = ['queued', 'sending'];

/**
 * The durable outbox. Status changes are conditional updates (`WHERE status IN …`), so two writers can never
 * move a message twice, and receipts never move one backwards.
 *
 * While a row is `sending`, `updatedAt` is when its latest attempt started (updates that keep it `sending` leave
 * it alone): after a crash that is the earliest moment the message can have reached WhatsApp.
 */
export class MessageRepository {
  /** The queries every message runs (accept, send, receipts), built once: drizzle's query building cost more than SQLite. */
  private readonly hot;

  constructor(private readonly db: Db) {
    this.hot = prepareHotQueries(db);
  }

  /**
   * Insert, or return the existing row when (phoneNumber, idempotencyKey) was seen before. `inTransaction` runs with
   * the row when it was newly inserted, in the same transaction (the send's audit row, in the same commit).
   */
  insertOnce(row: NewMessage, inTransaction?: (row: MessageRow) => void): { row: MessageRow; created: boolean } {
    return this.db.transaction(() => this.insertOrFind({ row, ...(inTransaction ? { inTransaction } : {}) }));
  }

  private insertOrFind({ row, inTransaction }: NewMessageItem): { row: MessageRow; created: boolean } {
    if (row.idempotencyKey) {
      const existing = this.hot.byIdempotencyKey.get({ phoneNumber: row.phoneNumber, key: row.idempotencyKey });
      if (existing) return { row: existing, created: false };
    }
    const inserted = this.hot.insert.get(withDefaults(row));
    if (!inserted) throw new Error('message insert returned no row');
    inTransaction?.(inserted);
    return { row: inserted, created: true };
  }

  get(id: string): MessageRow | undefined {
    return this.hot.byId.get({ id });
  }

  list(filter: MessageFilter): { rows: MessageRow[]; total: number } {
    if (filter.phoneNumbers !== null && filter.phoneNumbers.length === 0) return { rows: [], total: 0 };
    const where: SQL[] = [];
    if (filter.phoneNumbers !== null) where.push(inArray(messages.phoneNumber, [...filter.phoneNumbers]));
    if (filter.status) where.push(eq(messages.status, filter.status));
    if (filter.recipient) where.push(eq(messages.recipient, filter.recipient));
    const clause = where.length > 0 ? and(...where) : undefined;
    const rows = this.db
      .select()
      .from(messages)
      .where(clause)
      .orderBy(desc(messages.createdAt), desc(sql`rowid`))
      .limit(filter.limit)
      .offset(filter.offset)
      .all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(messages).where(clause).get()?.n ?? 0;
    return { rows, total };
  }

  /** Numbers with messages still to send (boot: their queues are rebuilt from here). */
  pendingNumbers(): string[] {
    return this.db
      .selectDistinct({ phoneNumber: messages.phoneNumber })
      .from(messages)
      .where(inArray(messages.status, PENDING))
      .all()
      .map((r) => r.phoneNumber);
  }

  pendingIds(): Set<string> {
    const rows = this.db.select({ id: messages.id }).from(messages).where(inArray(messages.status, PENDING)).all();
    return new Set(rows.map((r) => r.id));
  }

  /** The number's child is (back) up or just logged in: retry times set while waiting for it no longer apply. */
  clearRetryTimes(phoneNumber: string, statuses: readonly MessageStatus[]): number {
    return this.db
      .update(messages)
      .set({ nextAttemptAt: null })
      .where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.status, [...statuses]), isNotNull(messages.nextAttemptAt)))
      .run().changes;
  }

  /** A number was unregistered: remove its messages and return them (their uploads must be deleted too). */
  deleteForNumber(phoneNumber: string): MessageRow[] {
    return this.db.delete(messages).where(eq(messages.phoneNumber, phoneNumber)).returning().all();
  }

  /** Messages per number and status, for metrics and the health report. */
  countsByStatus(): { phoneNumber: string; status: MessageStatus; n: number }[] {
    return this.db
      .select({ phoneNumber: messages.phoneNumber, status: messages.status, n: sql<number>`count(*)` })
      .from(messages)
      .groupBy(messages.phoneNumber, messages.status)
      .all();
  }

  depth(phoneNumber: string): number {
    return (
      this.db
        .select({ n: sql<number>`count(*)` })
        .from(messages)
        .where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.status, PENDING)))
        .get()?.n ?? 0
    );
  }

  /** The oldest message of a number still to send, skipping those already being worked on. */
  nextPending(phoneNumber: string, exclude: readonly string[]): MessageRow | undefined {
    return this.hot.nextPending.get({ phoneNumber, exclude: JSON.stringify(exclude) });
  }

  /** Claim a message for an attempt; undefined if it is no longer pending. */
  markSending(id: string, now: number): MessageRow | undefined {
    return this.hot.markSending.get({ id, now });
  }

  markSent(id: string, waMessageId: string, sentAt: number): MessageRow | undefined {
    return this.hot.markSent.get({ id, waMessageId, sentAt });
  }

  markFailed(id: string, error: string, now: number): MessageRow | undefined {
    return this.finish(id, 'failed', error, now, PENDING);
  }

  /** Back to `queued` (not sent). `uncount`: the attempt never reached WhatsApp, so it does not count. */
  requeue(id: string, patch: { nextAttemptAt: number | null; error: string; uncount: boolean }, now: number): MessageRow | undefined {
    return this.db
      .update(messages)
      .set({
        status: 'queued',
        nextAttemptAt: patch.nextAttemptAt,
        error: patch.error,
        attempts: patch.uncount ? sql`max(${messages.attempts} - 1, 0)` : messages.attempts,
        updatedAt: now,
      })
      .where(and(eq(messages.id, id), eq(messages.status, 'sending')))
      .returning()
      .get();
  }

  /** Outcome unknown: stays `sending` (to be verified against the child before any new try); updatedAt is kept. */
  keepUnknown(id: string, patch: { nextAttemptAt: number | null; error: string }): MessageRow | undefined {
    return this.db
      .update(messages)
      .set({ nextAttemptAt: patch.nextAttemptAt, error: patch.error })
      .where(and(eq(messages.id, id), eq(messages.status, 'sending')))
      .returning()
      .get();
  }

  expire(id: string, now: number): MessageRow | undefined {
    return this.finish(id, 'expired', 'not sent within its time to live', now, ['queued']);
  }

  /** Every queued message whose TTL has passed becomes `expired` (a `sending` one may have been sent: not touched). */
  expireDue(now: number): MessageRow[] {
    return this.db
      .update(messages)
      .set({ status: 'expired', error: 'not sent within its time to live', nextAttemptAt: null, updatedAt: now })
      .where(and(eq(messages.status, 'queued'), isNotNull(messages.expiresAt), lte(messages.expiresAt, now)))
      .returning()
      .all();
  }

  /** Messages of a number that is no longer registered can never be sent (or confirmed): they fail. */
  failUnregistered(now: number): MessageRow[] {
    const registered = this.db.select({ phoneNumber: devices.phoneNumber }).from(devices);
    return this.db
      .update(messages)
      .set({ status: 'failed', error: 'the number was unregistered before this message was sent', nextAttemptAt: null, updatedAt: now })
      .where(and(inArray(messages.status, PENDING), notInArray(messages.phoneNumber, registered)))
      .returning()
      .all();
  }

  /** Of these WhatsApp ids, those already recorded for the number (a verification must not claim them twice). */
  knownWaIds(phoneNumber: string, waIds: readonly string[]): Set<string> {
    if (waIds.length === 0) return new Set();
    const rows = this.hot.knownWaIds.all({ phoneNumber, ids: JSON.stringify(waIds) });
    return new Set(rows.map((r) => r.id ?? ''));
  }

  /** A `message.ack` receipt: sent → delivered → read, never backwards; returns the rows that moved. */
  applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', at: number): MessageRow[] {
    if (waIds.length === 0) return [];
    const query = receipt === 'delivered' ? this.hot.delivered : this.hot.read;
    return query.all({ phoneNumber, ids: JSON.stringify(waIds), at });
  }

  private finish(id: string, status: 'failed' | 'expired', error: string, now: number, from: MessageStatus[]): MessageRow | undefined {
    return this.db
      .update(messages)
      .set({ status, error, nextAttemptAt: null, updatedAt: now })
      .where(and(eq(messages.id, id), inArray(messages.status, from)))
      .returning()
      .get();
  }
}

const param = (name: string) => sql.placeholder(name);
/** A placeholder where drizzle's types want SQL (update sets): the value is bound as given, without a column encoder. */
const asSql = (name: string): SQL => sql`${param(name)}`;
/** `column IN (…)` with the list as one JSON parameter, so one prepared statement serves lists of any length. */
const inJsonList = (column: SQLiteColumn, name: string): SQL => sql`${column} in (select value from json_each(${param(name)}))`;

function prepareHotQueries(db: Db) {
  const columns = Object.keys(getTableColumns(messages)) as (keyof MessageRow)[];
  const values = Object.fromEntries(columns.map((key) => [key, param(key)]));
  const isWaId = (name: string) => and(eq(messages.phoneNumber, param('phoneNumber')), inJsonList(messages.waMessageId, name));
  const receipt = (set: Record<string, SQL | string>, from: MessageStatus[]) =>
    db.update(messages).set(set).where(and(isWaId('ids'), inArray(messages.status, from))).returning().prepare();
  return {
    byId: db.select().from(messages).where(eq(messages.id, param('id'))).prepare(),
    byIdempotencyKey: db.select().from(messages).where(and(eq(messages.phoneNumber, param('phoneNumber')), eq(messages.idempotencyKey, param('key')))).prepare(),
    insert: db.insert(messages).values(values as unknown as NewMessage).returning().prepare(),
    nextPending: db
      .select()
      .from(messages)
      .where(and(eq(messages.phoneNumber, param('phoneNumber')), inArray(messages.status, PENDING), not(inJsonList(messages.id, 'exclude'))))
      .orderBy(asc(messages.createdAt), asc(sql`rowid`))
      .limit(1)
      .prepare(),
    markSending: db
      .update(messages)
      .set({ status: 'sending', attempts: sql`${messages.attempts} + 1`, nextAttemptAt: null, updatedAt: asSql('now') })
      .where(and(eq(messages.id, param('id')), inArray(messages.status, PENDING)))
      .returning()
      .prepare(),
    markSent: db
      .update(messages)
      .set({ status: 'sent', waMessageId: asSql('waMessageId'), sentAt: asSql('sentAt'), error: null, nextAttemptAt: null, updatedAt: asSql('sentAt') })
      .where(and(eq(messages.id, param('id')), inArray(messages.status, PENDING)))
      .returning()
      .prepare(),
    knownWaIds: db.select({ id: messages.waMessageId }).from(messages).where(isWaId('ids')).prepare(),
    delivered: receipt({ status: 'delivered', deliveredAt: sql`coalesce(${messages.deliveredAt}, ${param('at')})`, updatedAt: asSql('at') }, ['sent']),
    read: receipt(
      { status: 'read', readAt: sql`coalesce(${messages.readAt}, ${param('at')})`, deliveredAt: sql`coalesce(${messages.deliveredAt}, ${param('at')})`, updatedAt: asSql('at') },
      ['sent', 'delivered'],
    ),
  };
}

/** A prepared insert names every column: what the caller leaves out gets the schema's default. */
function withDefaults(row: NewMessage): Record<keyof MessageRow, unknown> {
  const now = Date.now();
  const given = Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
  return {
    status: 'queued',
    idempotencyKey: null,
    attempts: 0,
    nextAttemptAt: null,
    waMessageId: null,
    error: null,
    expiresAt: null,
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    createdAt: now,
    updatedAt: row.createdAt ?? now,
    ...given,
  } as Record<keyof MessageRow, unknown>;
}
