import { and, eq, gt, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import type {
  BumpChange,
  BumpedChat,
  ConversationListQuery,
  ConversationPatch,
  ConversationReads,
  ConversationWrites,
  UnreadTotal,
} from '../../ports/conversations.js';
import type { ConversationRow } from '../../schema.js';
import type { PgExec } from '../client.js';
import { conversations } from '../schema.js';
import { pgText, pgTexts, unstorable } from '../text.js';

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** The row as it is there; SET expressions of an upsert name it explicitly (`excluded` is in scope too). */
const current = (column: string): SQL => sql.raw(`conversations.${column}`);

/**
 * The store's chats on Postgres: the read side for callers and the write side, over the pool or bound to one
 * transaction (`new PgConversationRepository(tx)`, the turn writer's twin).
 */
export class PgConversationRepository implements ConversationReads, ConversationWrites<'async'> {
  constructor(private readonly db: PgExec) {}

  async get(phoneNumber: string, chatKey: string): Promise<ConversationRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return undefined;
    const [row] = await this.db.select().from(conversations).where(and(eq(conversations.phoneNumber, phoneNumber), eq(conversations.chatKey, chatKey)));
    return row;
  }

  async byAlt(phoneNumber: string, altJid: string): Promise<ConversationRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(altJid)) return undefined;
    const [row] = await this.db.select().from(conversations).where(and(eq(conversations.phoneNumber, phoneNumber), eq(conversations.altJid, altJid))).limit(1);
    return row;
  }

  async insert(row: ConversationRow): Promise<ConversationRow> {
    const [stored] = await this.db.insert(conversations).values(pgTexts(row)).returning();
    return stored as ConversationRow;
  }

  async bump(chat: BumpedChat, change: BumpChange): Promise<ConversationRow> {
    const key = sql`${change.key}::bigint`;
    const after = sql`${key} > ${current('read_key')}`;
    const unread = change.reads
      ? sql`CASE WHEN ${after} THEN 0 ELSE ${current('unread')} END`
      : change.counts
        ? sql`CASE WHEN ${after} THEN ${current('unread')} + 1 ELSE ${current('unread')} END`
        : current('unread');
    const [row] = await this.db
      .insert(conversations)
      .values({
        ...pgTexts(chat),
        lastKey: change.key,
        unread: change.counts ? 1 : 0,
        readKey: change.reads ? change.key : 0,
        archived: false,
        pinned: false,
        createdAt: change.now,
        updatedAt: change.now,
      })
      .onConflictDoUpdate({
        target: [conversations.phoneNumber, conversations.chatKey],
        set: {
          lastKey: sql`greatest(${current('last_key')}, excluded.last_key)`,
          unread,
          readKey: change.reads ? sql`CASE WHEN ${after} THEN ${key} ELSE ${current('read_key')} END` : current('read_key'),
          name: sql`coalesce(${current('name')}, excluded.name)`,
          altJid: sql`coalesce(${current('alt_jid')}, excluded.alt_jid)`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning();
    return row as ConversationRow;
  }

  async update(phoneNumber: string, chatKey: string, patch: ConversationPatch): Promise<ConversationRow | undefined> {
    const set = Object.fromEntries(Object.entries(pgTexts(patch)).filter(([, value]) => value !== undefined));
    if (Object.keys(set).length === 0) return this.get(phoneNumber, chatKey);
    if (unstorable(phoneNumber) || unstorable(chatKey)) return undefined;
    const [row] = await this.db
      .update(conversations)
      .set(set)
      .where(and(eq(conversations.phoneNumber, phoneNumber), eq(conversations.chatKey, chatKey)))
      .returning();
    return row;
  }

  async delete(phoneNumber: string, chatKey: string): Promise<void> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return;
    await this.db.delete(conversations).where(and(eq(conversations.phoneNumber, phoneNumber), eq(conversations.chatKey, chatKey)));
  }

  async unreadTotals(phoneNumbers: readonly string[]): Promise<UnreadTotal[]> {
    const phones = phoneNumbers.filter((p) => !unstorable(p));
    if (phones.length === 0) return [];
    return this.db
      .select({ phoneNumber: conversations.phoneNumber, chats: sql<number>`count(*)::int`, messages: sql<number>`sum(${conversations.unread})::bigint`.mapWith(Number) })
      .from(conversations)
      .where(and(inArray(conversations.phoneNumber, phones), gt(conversations.unread, 0)))
      .groupBy(conversations.phoneNumber);
  }

  async merged(phoneNumber: string): Promise<ConversationRow[]> {
    if (unstorable(phoneNumber)) return [];
    return this.db.select().from(conversations).where(and(eq(conversations.phoneNumber, phoneNumber), isNotNull(conversations.altJid)));
  }

  /**
   * One statement over every number asked for, ordered by (last_key, phone_number, chat_key) with a row
   * comparison as the keyset bound; text in byte order (`COLLATE "C"`), as SQLite and the cursors compare it. (SQLite merges per-number index walks instead; a Postgres plan that does the
   * same is a `LATERAL` per number, worth it when lists over many numbers get slow.)
   */
  async list(q: ConversationListQuery): Promise<ConversationRow[]> {
    const phones = q.phoneNumbers.filter((p) => !unstorable(p));
    if (phones.length === 0) return [];
    const where: SQL[] = [inArray(conversations.phoneNumber, phones)];
    if (q.unread !== undefined) where.push(q.unread ? sql`${conversations.unread} > 0` : sql`${conversations.unread} = 0`);
    if (q.archived !== undefined) where.push(eq(conversations.archived, q.archived));
    if (q.type) where.push(eq(conversations.type, q.type));
    if (q.search) {
      const pattern = `%${escapeLike(pgText(q.search))}%`;
      where.push(sql`(${conversations.name} ILIKE ${pattern} OR ${conversations.chatKey} ILIKE ${pattern} OR ${conversations.altJid} ILIKE ${pattern})`);
    }
    const position = q.before ?? q.after;
    if (position) {
      const op = sql.raw(q.before ? '<' : '>');
      where.push(
        sql`(${conversations.lastKey}, ${conversations.phoneNumber} COLLATE "C", ${conversations.chatKey} COLLATE "C") ${op} (${position.lastKey}::bigint, ${position.phoneNumber}, ${position.chatKey})`,
      );
    }
    const dir = sql.raw(q.after ? 'ASC' : 'DESC');
    const rows = await this.db
      .select()
      .from(conversations)
      .where(and(...where))
      .orderBy(sql`${conversations.lastKey} ${dir}`, sql`${conversations.phoneNumber} COLLATE "C" ${dir}`, sql`${conversations.chatKey} COLLATE "C" ${dir}`)
      .limit(q.limit);
    return q.after ? rows.reverse() : rows;
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    return (await this.db.delete(conversations).where(eq(conversations.phoneNumber, phoneNumber))).rowCount ?? 0;
  }

  async deleteInactiveBefore(key: number): Promise<number> {
    return (await this.db.delete(conversations).where(sql`${conversations.lastKey} < ${key}::bigint`)).rowCount ?? 0;
  }
}
