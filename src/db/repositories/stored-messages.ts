import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type { ChatPageQuery, ChatThread, NewStoredMessage, StoredMessagePatch, StoredMessageReads, StoredMessageWrites } from '../ports/stored-messages.js';
import type { StoredMessageColumns, StoredMessageRow } from '../schema.js';
import { COLUMN_OF, COLUMNS, Conditions, idOfKey, KEY_SLOTS, keyOfId, keyOfTime, SELECT, toParams, toRow, type RawRow } from './stored-message-rows.js';

export { idOfKey, KEY_SLOTS, keyOfTime };
export type { ChatPageQuery, NewStoredMessage, StoredMessagePatch };

/**
 * The store's messages (raw better-sqlite3 statements: every incoming message runs the insert path). Search is
 * MessageSearchRepository; the index follows the `text` and `file_name` columns by triggers. The methods answer at
 * once (the write side runs inside the turn's synchronous transaction); `reads` is the same for callers.
 */
export class StoredMessageRepository implements StoredMessageWrites<'sync'> {
  readonly reads: StoredMessageReads;
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    this.reads = {
      byId: async (id) => this.byId(id),
      byKey: async (key) => this.byKey(key),
      byKeys: async (keys) => this.byKeys(keys),
      page: async (query) => this.page(query),
      threadsOf: async (phoneNumber, chatKey, readKey) => this.threadsOf(phoneNumber, chatKey, readKey),
      unreadMessages: async (phoneNumber, chatKey, key, limit) => this.unreadMessages(phoneNumber, chatKey, key, limit),
      outboxBehind: async (since) => this.outboxBehind(since),
      count: async () => this.count(),
    };
    const s = this.sqlite;
    this.hot = {
      byWaId: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE phone_number = ? AND wa_id = ?`),
      byOutboxId: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE outbox_id = ?`),
      byKey: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE key = ?`),
      byKeys: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE key IN (SELECT value FROM json_each(?))`),
      byWaIds: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE phone_number = ? AND wa_id IN (SELECT value FROM json_each(?))`),
      maxKeyIn: s.prepare('SELECT max(key) AS k FROM conversation_messages WHERE key >= ? AND key < ?').pluck(),
      insert: s.prepare(
        `INSERT INTO conversation_messages (key, ${COLUMNS.filter(([p]) => p !== 'key').map(([, c]) => c).join(', ')})
         VALUES (@key, ${COLUMNS.filter(([p]) => p !== 'key').map(([p]) => `@${p}`).join(', ')})`,
      ),
      unreadAfter: s
        .prepare(
          `SELECT count(*) FROM conversation_messages WHERE phone_number = ? AND chat_key = ? AND key > ? AND direction = 'in' AND source = 'live'`,
        )
        .pluck(),
    };
  }

  byWaId(phoneNumber: string, waId: string): StoredMessageRow | undefined {
    const raw = this.hot.byWaId.get(phoneNumber, waId) as RawRow | undefined;
    return raw ? toRow(raw) : undefined;
  }

  /** By public id: `m…` (a key) or an outbox message's id. */
  byId(id: string): StoredMessageRow | undefined {
    const key = keyOfId(id);
    if (key !== null) return this.byKey(key);
    const raw = this.hot.byOutboxId.get(id) as RawRow | undefined;
    return raw ? toRow(raw) : undefined;
  }

  byKey(key: number): StoredMessageRow | undefined {
    const raw = this.hot.byKey.get(key) as RawRow | undefined;
    return raw ? toRow(raw) : undefined;
  }

  byKeys(keys: readonly number[]): Map<number, StoredMessageRow> {
    const found = new Map<number, StoredMessageRow>();
    if (keys.length === 0) return found;
    for (const raw of this.hot.byKeys.all(JSON.stringify(keys)) as RawRow[]) {
      const row = toRow(raw);
      found.set(row.key, row);
    }
    return found;
  }

  byWaIds(phoneNumber: string, waIds: readonly string[]): StoredMessageRow[] {
    if (waIds.length === 0) return [];
    return (this.hot.byWaIds.all(phoneNumber, JSON.stringify(waIds)) as RawRow[]).map(toRow);
  }

  /** Store a message at the first free key of `orderAt` (its time; a full millisecond spills into the next). */
  insert(orderAt: number, message: NewStoredMessage): StoredMessageRow {
    let base = keyOfTime(orderAt);
    for (;;) {
      const max = this.hot.maxKeyIn.get(base, base + KEY_SLOTS) as number | null;
      const key = max === null ? base : max + 1;
      if (key < base + KEY_SLOTS) {
        const row = { ...message, key };
        this.hot.insert.run(toParams(row));
        return { ...row, id: row.outboxId ?? idOfKey(key) };
      }
      base += KEY_SLOTS;
    }
  }

  /** Update some columns; returns the row as it is now. */
  update(key: number, patch: StoredMessagePatch): StoredMessageRow | undefined {
    const entries = Object.keys(patch).filter((prop) => (patch as Record<string, unknown>)[prop] !== undefined);
    if (entries.length > 0) {
      const set = entries.map((prop) => `${COLUMN_OF.get(prop as keyof StoredMessageColumns) ?? prop} = @${prop}`).join(', ');
      this.sqlite.prepare(`UPDATE conversation_messages SET ${set} WHERE key = @key`).run({ ...toParams(patch), key });
    }
    return this.byKey(key);
  }

  delete(key: number): void {
    this.sqlite.prepare('DELETE FROM conversation_messages WHERE key = ?').run(key);
  }

  /** Live incoming messages of a chat after `key` (what the unread count is after a read up to `key`). */
  unreadAfter(phoneNumber: string, chatKey: string, key: number): number {
    return this.hot.unreadAfter.get(phoneNumber, chatKey, key) as number;
  }

  /** The newest live incoming messages after `key`, newest first (the read receipts a "mark read" sends). */
  unreadMessages(phoneNumber: string, chatKey: string, key: number, limit: number): StoredMessageRow[] {
    return (
      this.sqlite
        .prepare(
          `SELECT ${SELECT} FROM conversation_messages WHERE phone_number = ? AND chat_key = ? AND key > ? AND direction = 'in'
           AND source = 'live' AND wa_id IS NOT NULL ORDER BY key DESC LIMIT ?`,
        )
        .all(phoneNumber, chatKey, key, limit) as RawRow[]
    ).map(toRow);
  }

  page(q: ChatPageQuery): StoredMessageRow[] {
    const c = new Conditions(['phone_number = @phoneNumber', 'chat_key = @chatKey'], { phoneNumber: q.phoneNumber, chatKey: q.chatKey, limit: q.limit })
      .add('coalesce(chat_jid, chat_key) = @chatJid', 'chatJid', q.chatJid)
      .add('key < @belowKey', 'belowKey', q.belowKey)
      .add('key > @aboveKey', 'aboveKey', q.aboveKey)
      .add('key >= @fromKey', 'fromKey', q.fromKey)
      .add('key <= @toKey', 'toKey', q.toKey)
      .add('direction = @direction', 'direction', q.direction)
      .addList('type', 'types', q.types);
    if (q.hasMedia !== undefined) c.where.push(q.hasMedia ? 'media IS NOT NULL' : 'media IS NULL');
    const sql = `SELECT ${SELECT} FROM conversation_messages WHERE ${c.sql} ORDER BY key ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT @limit`;
    return (this.sqlite.prepare(sql).all(c.params) as RawRow[]).map(toRow);
  }

  /** Messages that came under `from` (an `@lid`) now belong to the chat `to`; each keeps the JID it came under. */
  moveChat(phoneNumber: string, from: string, to: string): number {
    return this.sqlite
      .prepare('UPDATE conversation_messages SET chat_key = ?, chat_jid = coalesce(chat_jid, chat_key) WHERE phone_number = ? AND chat_key = ?')
      .run(to, phoneNumber, from).changes;
  }

  /** Per JID a chat's messages came under, for `merge=false`: newest key, and live incoming ones after `readKey`. */
  threadsOf(phoneNumber: string, chatKey: string, readKey: number): ChatThread[] {
    return this.sqlite
      .prepare(
        `SELECT coalesce(chat_jid, chat_key) AS jid, max(key) AS lastKey,
           sum(CASE WHEN direction = 'in' AND source = 'live' AND key > @readKey THEN 1 ELSE 0 END) AS unread
         FROM conversation_messages WHERE phone_number = @phoneNumber AND chat_key = @chatKey GROUP BY 1`,
      )
      .all({ phoneNumber, chatKey, readKey }) as ChatThread[];
  }

  /**
   * Outbox messages changed since `since` whose store row is missing or behind (a process killed between the
   * outbox's write and the journal's): their ids, oldest first. Only what status-journal.ts announces.
   */
  outboxBehind(since: number): string[] {
    const rank = (column: string) =>
      `CASE ${column} WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE 5 END`;
    return this.sqlite
      .prepare(
        `SELECT m.id FROM messages m LEFT JOIN conversation_messages c ON c.outbox_id = m.id
         WHERE m.updated_at >= ? AND m.status IN ('queued', 'sent', 'failed', 'expired') AND (c.key IS NULL OR ${rank('c.status')} < ${rank('m.status')})
         ORDER BY m.updated_at`,
      )
      .pluck()
      .all(since) as string[];
  }

  deleteForNumber(phoneNumber: string): number {
    return this.sqlite.prepare('DELETE FROM conversation_messages WHERE phone_number = ?').run(phoneNumber).changes;
  }

  /** Retention: every message older than `key` (a key range on the primary key: no index needed). */
  deleteBefore(key: number): number {
    return this.sqlite.prepare('DELETE FROM conversation_messages WHERE key < ?').run(key).changes;
  }

  count(): number {
    return this.sqlite.prepare('SELECT count(*) FROM conversation_messages').pluck().get() as number;
  }
}
