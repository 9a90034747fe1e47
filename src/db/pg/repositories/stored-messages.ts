import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { ChatPageQuery, ChatThread, NewStoredMessage, StoredMessagePatch, StoredMessageReads, StoredMessageWrites } from '../../ports/stored-messages.js';
import { idOfKey, KEY_SLOTS, keyOfId, keyOfTime } from '../../repositories/stored-message-rows.js';
import type { StoredMessageColumns, StoredMessageRow } from '../../schema.js';
import type { PgExec } from '../client.js';
import { conversationMessages as messages } from '../schema.js';
import { pgTexts, unstorable } from '../text.js';

const withId = (row: StoredMessageColumns): StoredMessageRow => ({ ...row, id: row.outboxId ?? idOfKey(row.key) });

/** Live incoming messages: what unread counts are made of. */
const liveIncoming = and(eq(messages.direction, 'in'), eq(messages.source, 'live')) as SQL;

/**
 * The store's messages on Postgres, over the pool or bound to one transaction (the turn writer's twin). Keys are
 * global across numbers, and several nodes insert at once (each for the numbers it owns): a key is taken by an
 * insert that does nothing on a taken key and tries the next one, so two nodes never store under one key.
 */
export class PgStoredMessageRepository implements StoredMessageReads, StoredMessageWrites<'async'> {
  constructor(private readonly db: PgExec) {}

  async byWaId(phoneNumber: string, waId: string): Promise<StoredMessageRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(waId)) return undefined;
    const [row] = await this.db.select().from(messages).where(and(eq(messages.phoneNumber, phoneNumber), eq(messages.waId, waId)));
    return row && withId(row);
  }

  async byId(id: string): Promise<StoredMessageRow | undefined> {
    const key = keyOfId(id);
    if (key !== null) return this.byKey(key);
    if (unstorable(id)) return undefined;
    const [row] = await this.db.select().from(messages).where(eq(messages.outboxId, id));
    return row && withId(row);
  }

  async byKey(key: number): Promise<StoredMessageRow | undefined> {
    const [row] = await this.db.select().from(messages).where(eq(messages.key, key));
    return row && withId(row);
  }

  async byKeys(keys: readonly number[]): Promise<Map<number, StoredMessageRow>> {
    const found = new Map<number, StoredMessageRow>();
    if (keys.length === 0) return found;
    for (const row of await this.db.select().from(messages).where(inArray(messages.key, [...keys]))) found.set(row.key, withId(row));
    return found;
  }

  async byWaIds(phoneNumber: string, waIds: readonly string[]): Promise<StoredMessageRow[]> {
    const ids = waIds.filter((id) => !unstorable(id));
    if (ids.length === 0 || unstorable(phoneNumber)) return [];
    return (await this.db.select().from(messages).where(and(eq(messages.phoneNumber, phoneNumber), inArray(messages.waId, ids)))).map(withId);
  }

  async insert(orderAt: number, message: NewStoredMessage): Promise<StoredMessageRow> {
    const values = pgTexts(message);
    let base = keyOfTime(orderAt);
    for (;;) {
      const [top] = await this.db
        .select({ max: sql<number | null>`max(${messages.key})`.mapWith((v: unknown) => (v === null ? null : Number(v))) })
        .from(messages)
        .where(and(gte(messages.key, base), lt(messages.key, base + KEY_SLOTS)));
      const key = top?.max === null || top?.max === undefined ? base : top.max + 1;
      if (key >= base + KEY_SLOTS) {
        base += KEY_SLOTS;
        continue;
      }
      const [row] = await this.db.insert(messages).values({ ...values, key }).onConflictDoNothing({ target: messages.key }).returning();
      if (row) return withId(row);
    }
  }

  async update(key: number, patch: StoredMessagePatch): Promise<StoredMessageRow | undefined> {
    const set = Object.fromEntries(Object.entries(pgTexts(patch)).filter(([, value]) => value !== undefined));
    if (Object.keys(set).length === 0) return this.byKey(key);
    const [row] = await this.db.update(messages).set(set).where(eq(messages.key, key)).returning();
    return row && withId(row);
  }

  async delete(key: number): Promise<void> {
    await this.db.delete(messages).where(eq(messages.key, key));
  }

  async unreadAfter(phoneNumber: string, chatKey: string, key: number): Promise<number> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return 0;
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(messages)
      .where(and(eq(messages.phoneNumber, phoneNumber), eq(messages.chatKey, chatKey), gt(messages.key, key), liveIncoming));
    return row?.n ?? 0;
  }

  async unreadMessages(phoneNumber: string, chatKey: string, key: number, limit: number): Promise<StoredMessageRow[]> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return [];
    const rows = await this.db
      .select()
      .from(messages)
      .where(and(eq(messages.phoneNumber, phoneNumber), eq(messages.chatKey, chatKey), gt(messages.key, key), liveIncoming, isNotNull(messages.waId)))
      .orderBy(desc(messages.key))
      .limit(limit);
    return rows.map(withId);
  }

  async page(q: ChatPageQuery): Promise<StoredMessageRow[]> {
    if (unstorable(q.phoneNumber) || unstorable(q.chatKey) || (q.chatJid !== undefined && unstorable(q.chatJid))) return [];
    const where: (SQL | undefined)[] = [eq(messages.phoneNumber, q.phoneNumber), eq(messages.chatKey, q.chatKey)];
    if (q.chatJid !== undefined) where.push(sql`coalesce(${messages.chatJid}, ${messages.chatKey}) = ${q.chatJid}`);
    if (q.belowKey !== undefined) where.push(lt(messages.key, q.belowKey));
    if (q.aboveKey !== undefined) where.push(gt(messages.key, q.aboveKey));
    if (q.fromKey !== undefined) where.push(gte(messages.key, q.fromKey));
    if (q.toKey !== undefined) where.push(lte(messages.key, q.toKey));
    if (q.direction !== undefined) where.push(eq(messages.direction, q.direction));
    if (q.types && q.types.length > 0) where.push(inArray(messages.type, [...q.types]));
    if (q.hasMedia !== undefined) where.push(q.hasMedia ? isNotNull(messages.media) : isNull(messages.media));
    const rows = await this.db
      .select()
      .from(messages)
      .where(and(...where))
      .orderBy(q.order === 'asc' ? asc(messages.key) : desc(messages.key))
      .limit(q.limit);
    return rows.map(withId);
  }

  async moveChat(phoneNumber: string, from: string, to: string): Promise<number> {
    if (unstorable(phoneNumber) || unstorable(from)) return 0;
    const result = await this.db
      .update(messages)
      .set({ chatKey: to, chatJid: sql`coalesce(${messages.chatJid}, ${messages.chatKey})` })
      .where(and(eq(messages.phoneNumber, phoneNumber), eq(messages.chatKey, from)));
    return result.rowCount ?? 0;
  }

  async threadsOf(phoneNumber: string, chatKey: string, readKey: number): Promise<ChatThread[]> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return [];
    const jid = sql<string>`coalesce(${messages.chatJid}, ${messages.chatKey})`;
    return this.db
      .select({
        jid,
        lastKey: sql<number>`max(${messages.key})`.mapWith(Number),
        unread: sql<number>`count(*) FILTER (WHERE ${liveIncoming} AND ${messages.key} > ${readKey}::bigint)`.mapWith(Number),
      })
      .from(messages)
      .where(and(eq(messages.phoneNumber, phoneNumber), eq(messages.chatKey, chatKey)))
      .groupBy(jid);
  }

  async outboxBehind(since: number): Promise<string[]> {
    const rank = (column: string) =>
      sql.raw(`CASE ${column} WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE 5 END`);
    const result = await this.db.execute<{ id: string }>(
      sql`SELECT m.id FROM messages m LEFT JOIN conversation_messages c ON c.outbox_id = m.id
          WHERE m.updated_at >= ${since}::bigint AND m.status IN ('queued', 'sent', 'failed', 'expired') AND (c.key IS NULL OR ${rank('c.status')} < ${rank('m.status')})
          ORDER BY m.updated_at`,
    );
    return result.rows.map((r) => r.id);
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(messages);
    return row?.n ?? 0;
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    return (await this.db.delete(messages).where(eq(messages.phoneNumber, phoneNumber))).rowCount ?? 0;
  }

  async deleteBefore(key: number): Promise<number> {
    return (await this.db.delete(messages).where(lt(messages.key, key))).rowCount ?? 0;
  }
}
