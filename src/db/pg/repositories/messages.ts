import { and, asc, desc, eq, inArray, isNotNull, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { announceCommitted } from '../../audit-links.js';
import type { AuditLink } from '../../ports/audit.js';
import type { MessageFilter, MessageStore, NewMessage } from '../../ports/messages.js';
import type { MessageRow, MessageStatus } from '../../schema.js';
import { devices, messages } from '../schema.js';
import { pgText, unstorable } from '../text.js';
import { appendAuditRowsPg } from './audit-append.js';

const PENDING: MessageStatus[] = ['queued', 'sending'];
const storable = (values: readonly string[]): string[] => values.filter((v) => !unstorable(v));

/**
 * The durable outbox on Postgres: every gateway accepts into it; conditional updates keep two writers from moving a
 * message twice. Over the pool, or over one connection whose transaction checked a number's fence.
 */
export class PgMessageRepository implements MessageStore {
  constructor(private readonly db: NodePgDatabase) {}

  async insertOnce(row: NewMessage, audit?: AuditLink): Promise<{ row: MessageRow; created: boolean }> {
    const result = await this.db.transaction(async (tx) => {
      const values = { ...row, recipient: pgText(row.recipient), error: pgText(row.error), idempotencyKey: pgText(row.idempotencyKey), updatedAt: row.updatedAt ?? row.createdAt };
      const [inserted] = await tx.insert(messages).values(values).onConflictDoNothing({ target: [messages.phoneNumber, messages.idempotencyKey] }).returning();
      if (inserted) return { row: inserted as MessageRow, created: true, ids: await appendAuditRowsPg(tx, audit ? [audit] : []) };
      const [existing] = await tx
        .select()
        .from(messages)
        .where(and(eq(messages.phoneNumber, row.phoneNumber), eq(messages.idempotencyKey, values.idempotencyKey ?? '')));
      if (!existing) throw new Error('message insert returned no row');
      return { row: existing as MessageRow, created: false, ids: [] };
    });
    if (result.created && audit) announceCommitted([audit], result.ids);
    return { row: result.row, created: result.created };
  }

  async get(id: string): Promise<MessageRow | undefined> {
    if (unstorable(id)) return undefined;
    const [row] = await this.db.select().from(messages).where(eq(messages.id, id));
    return row as MessageRow | undefined;
  }

  async list(filter: MessageFilter): Promise<{ rows: MessageRow[]; total: number }> {
    if (filter.phoneNumbers !== null && filter.phoneNumbers.length === 0) return { rows: [], total: 0 };
    const where: SQL[] = [];
    if (filter.phoneNumbers !== null) where.push(inArray(messages.phoneNumber, storable(filter.phoneNumbers)));
    if (filter.status) where.push(eq(messages.status, filter.status));
    if (filter.recipient !== undefined && filter.recipient !== '') where.push(eq(messages.recipient, pgText(filter.recipient)));
    const clause = where.length > 0 ? and(...where) : undefined;
    const rows = await this.db.select().from(messages).where(clause).orderBy(desc(messages.createdAt), desc(messages.id)).limit(filter.limit).offset(filter.offset);
    const [count] = await this.db.select({ n: sql<string>`count(*)` }).from(messages).where(clause);
    return { rows: rows as MessageRow[], total: Number(count?.n ?? 0) };
  }

  async pendingNumbers(): Promise<string[]> {
    const rows = await this.db.selectDistinct({ phoneNumber: messages.phoneNumber }).from(messages).where(inArray(messages.status, PENDING));
    return rows.map((r) => r.phoneNumber);
  }

  async pendingIds(): Promise<Set<string>> {
    const rows = await this.db.select({ id: messages.id }).from(messages).where(inArray(messages.status, PENDING));
    return new Set(rows.map((r) => r.id));
  }

  async clearRetryTimes(phoneNumber: string, statuses: readonly MessageStatus[]): Promise<number> {
    const result = await this.db
      .update(messages)
      .set({ nextAttemptAt: null })
      .where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.status, [...statuses]), isNotNull(messages.nextAttemptAt)));
    return result.rowCount ?? 0;
  }

  async deleteForNumber(phoneNumber: string): Promise<MessageRow[]> {
    return (await this.db.delete(messages).where(eq(messages.phoneNumber, phoneNumber)).returning()) as MessageRow[];
  }

  async countsByStatus(): Promise<{ phoneNumber: string; status: MessageStatus; n: number }[]> {
    const rows = await this.db
      .select({ phoneNumber: messages.phoneNumber, status: messages.status, n: sql<string>`count(*)` })
      .from(messages)
      .groupBy(messages.phoneNumber, messages.status);
    return rows.map((r) => ({ phoneNumber: r.phoneNumber, status: r.status, n: Number(r.n) }));
  }

  async depth(phoneNumber: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<string>`count(*)` })
      .from(messages)
      .where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.status, PENDING)));
    return Number(row?.n ?? 0);
  }

  async nextPending(phoneNumber: string, exclude: readonly string[]): Promise<MessageRow | undefined> {
    const skip = storable(exclude);
    const where = and(eq(messages.phoneNumber, phoneNumber), inArray(messages.status, PENDING), ...(skip.length > 0 ? [notInArray(messages.id, skip)] : []));
    const [row] = await this.db.select().from(messages).where(where).orderBy(asc(messages.createdAt), asc(messages.id)).limit(1);
    return row as MessageRow | undefined;
  }

  async markSending(id: string, now: number): Promise<MessageRow | undefined> {
    return this.move(id, PENDING, { status: 'sending', attempts: sql`${messages.attempts} + 1`, nextAttemptAt: null, updatedAt: now });
  }

  async markSent(id: string, waMessageId: string, sentAt: number): Promise<MessageRow | undefined> {
    return this.move(id, PENDING, { status: 'sent', waMessageId: pgText(waMessageId), sentAt, error: null, nextAttemptAt: null, updatedAt: sentAt });
  }

  async markFailed(id: string, error: string, now: number): Promise<MessageRow | undefined> {
    return this.move(id, PENDING, { status: 'failed', error: pgText(error), nextAttemptAt: null, updatedAt: now });
  }

  async requeue(id: string, patch: { nextAttemptAt: number | null; error: string; uncount: boolean }, now: number): Promise<MessageRow | undefined> {
    return this.move(id, ['sending'], {
      status: 'queued',
      nextAttemptAt: patch.nextAttemptAt,
      error: pgText(patch.error),
      attempts: patch.uncount ? sql`greatest(${messages.attempts} - 1, 0)` : messages.attempts,
      updatedAt: now,
    });
  }

  async keepUnknown(id: string, patch: { nextAttemptAt: number | null; error: string }): Promise<MessageRow | undefined> {
    return this.move(id, ['sending'], { nextAttemptAt: patch.nextAttemptAt, error: pgText(patch.error) });
  }

  async expire(id: string, now: number): Promise<MessageRow | undefined> {
    return this.move(id, ['queued'], { status: 'expired', error: 'not sent within its time to live', nextAttemptAt: null, updatedAt: now });
  }

  async expireDue(now: number): Promise<MessageRow[]> {
    return (await this.db
      .update(messages)
      .set({ status: 'expired', error: 'not sent within its time to live', nextAttemptAt: null, updatedAt: now })
      .where(and(eq(messages.status, 'queued'), isNotNull(messages.expiresAt), lte(messages.expiresAt, now)))
      .returning()) as MessageRow[];
  }

  async failUnregistered(now: number): Promise<MessageRow[]> {
    const registered = this.db.select({ phoneNumber: devices.phoneNumber }).from(devices);
    return (await this.db
      .update(messages)
      .set({ status: 'failed', error: 'the number was unregistered before this message was sent', nextAttemptAt: null, updatedAt: now })
      .where(and(inArray(messages.status, PENDING), notInArray(messages.phoneNumber, registered)))
      .returning()) as MessageRow[];
  }

  async knownWaIds(phoneNumber: string, waIds: readonly string[]): Promise<Set<string>> {
    const ids = storable(waIds);
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .select({ id: messages.waMessageId })
      .from(messages)
      .where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.waMessageId, ids)));
    return new Set(rows.map((r) => r.id ?? ''));
  }

  async applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', at: number): Promise<MessageRow[]> {
    const ids = storable(waIds);
    if (ids.length === 0) return [];
    const set =
      receipt === 'delivered'
        ? { status: 'delivered' as const, deliveredAt: sql`coalesce(${messages.deliveredAt}, ${at})`, updatedAt: at }
        : { status: 'read' as const, readAt: sql`coalesce(${messages.readAt}, ${at})`, deliveredAt: sql`coalesce(${messages.deliveredAt}, ${at})`, updatedAt: at };
    const from: MessageStatus[] = receipt === 'delivered' ? ['sent'] : ['sent', 'delivered'];
    return (await this.db
      .update(messages)
      .set(set)
      .where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.waMessageId, ids), inArray(messages.status, from)))
      .returning()) as MessageRow[];
  }

  private async move(id: string, from: MessageStatus[], set: PgUpdateSetSource<typeof messages>): Promise<MessageRow | undefined> {
    if (unstorable(id)) return undefined;
    const [row] = await this.db
      .update(messages)
      .set(set)
      .where(and(eq(messages.id, id), inArray(messages.status, from)))
      .returning();
    return row as MessageRow | undefined;
  }
}
