import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type { StoredDirection, StoredMessageRow, StoredMessageType } from '../schema.js';

/** Keys are the message's time in ms × KEY_SLOTS + a counter: time-ordered, unique, exact in a JS number until 2109. */
export const KEY_SLOTS = 2048;

export const keyOfTime = (ms: number): number => Math.max(0, Math.floor(ms)) * KEY_SLOTS;

export type NewStoredMessage = Omit<StoredMessageRow, 'key'>;
export type StoredMessagePatch = Partial<Omit<StoredMessageRow, 'key' | 'id' | 'phoneNumber'>>;

/** A page of one chat: keyset bounds on `key` and the filters the API offers. */
export interface ChatPageQuery {
  readonly phoneNumber: string;
  readonly chatKey: string;
  /** Only messages that came under this JID (`merge=false`). */
  readonly chatJid?: string;
  /** Exclusive bounds. */
  readonly belowKey?: number;
  readonly aboveKey?: number;
  /** Inclusive time range, as keys. */
  readonly fromKey?: number;
  readonly toKey?: number;
  readonly direction?: StoredDirection;
  readonly types?: readonly StoredMessageType[];
  readonly hasMedia?: boolean;
  readonly limit: number;
  /** `asc` walks forward from `aboveKey` (newer messages); `desc` backward from `belowKey`. */
  readonly order: 'asc' | 'desc';
}

export interface SearchQuery {
  /** A query parseFtsQuery produced (never raw input). */
  readonly match: string;
  readonly phoneNumbers: readonly string[];
  readonly chatKey?: string;
  readonly direction?: StoredDirection;
  readonly types?: readonly StoredMessageType[];
  readonly belowKey?: number;
  readonly fromKey?: number;
  readonly toKey?: number;
  readonly limit: number;
}

export interface SearchHit {
  readonly row: StoredMessageRow;
  /** Matched words between \u0002 and \u0003, cut with … around them. */
  readonly snippet: string;
}

const COLUMNS: readonly (readonly [keyof StoredMessageRow, string])[] = [
  ['key', 'key'],
  ['id', 'id'],
  ['phoneNumber', 'phone_number'],
  ['chatKey', 'chat_key'],
  ['chatJid', 'chat_jid'],
  ['waId', 'wa_id'],
  ['direction', 'direction'],
  ['type', 'type'],
  ['senderJid', 'sender_jid'],
  ['senderLid', 'sender_lid'],
  ['senderName', 'sender_name'],
  ['text', 'text'],
  ['fileName', 'file_name'],
  ['media', 'media'],
  ['content', 'content'],
  ['status', 'status'],
  ['error', 'error'],
  ['at', 'at'],
  ['sentAt', 'sent_at'],
  ['deliveredAt', 'delivered_at'],
  ['readAt', 'read_at'],
  ['editedAt', 'edited_at'],
  ['deletedAt', 'deleted_at'],
  ['source', 'source'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
];
const SELECT = COLUMNS.map(([prop, column]) => (prop === column ? column : `${column} AS "${prop}"`)).join(', ');
const COLUMN_OF = new Map(COLUMNS);
const JSON_COLUMNS = new Set<keyof StoredMessageRow>(['media', 'content']);

type RawRow = Record<string, unknown>;

function toRow(raw: RawRow): StoredMessageRow {
  for (const prop of JSON_COLUMNS) {
    const value = raw[prop];
    raw[prop] = typeof value === 'string' ? (JSON.parse(value) as unknown) : null;
  }
  return raw as unknown as StoredMessageRow;
}

function toParams(row: Partial<StoredMessageRow>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [prop, value] of Object.entries(row)) {
    if (value === undefined) continue;
    out[prop] = JSON_COLUMNS.has(prop as keyof StoredMessageRow) && value !== null ? JSON.stringify(value) : value;
  }
  return out;
}

/**
 * The store's messages (raw better-sqlite3 statements: every incoming message runs the insert path, and FTS
 * queries are plain SQL anyway). The search index follows the `text` and `file_name` columns by triggers
 * (drizzle/0004_conversation_search.sql).
 */
export class StoredMessageRepository {
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    const s = this.sqlite;
    this.hot = {
      byWaId: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE phone_number = ? AND wa_id = ?`),
      byId: s.prepare(`SELECT ${SELECT} FROM conversation_messages WHERE id = ?`),
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

  byId(id: string): StoredMessageRow | undefined {
    const raw = this.hot.byId.get(id) as RawRow | undefined;
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
        const row = { ...message, key } as StoredMessageRow;
        this.hot.insert.run(toParams(row));
        return row;
      }
      base += KEY_SLOTS;
    }
  }

  /** Update some columns; returns the row as it is now. */
  update(key: number, patch: StoredMessagePatch): StoredMessageRow | undefined {
    const entries = Object.keys(patch).filter((prop) => (patch as Record<string, unknown>)[prop] !== undefined);
    if (entries.length > 0) {
      const set = entries.map((prop) => `${COLUMN_OF.get(prop as keyof StoredMessageRow) ?? prop} = @${prop}`).join(', ');
      this.sqlite.prepare(`UPDATE conversation_messages SET ${set} WHERE key = @key`).run({ ...toParams(patch as Partial<StoredMessageRow>), key });
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
    const where = ['phone_number = @phoneNumber', 'chat_key = @chatKey'];
    const params: Record<string, unknown> = { phoneNumber: q.phoneNumber, chatKey: q.chatKey, limit: q.limit };
    const bound = (clause: string, name: string, value: unknown): void => {
      if (value === undefined) return;
      where.push(clause);
      params[name] = value;
    };
    bound('coalesce(chat_jid, chat_key) = @chatJid', 'chatJid', q.chatJid);
    bound('key < @belowKey', 'belowKey', q.belowKey);
    bound('key > @aboveKey', 'aboveKey', q.aboveKey);
    bound('key >= @fromKey', 'fromKey', q.fromKey);
    bound('key <= @toKey', 'toKey', q.toKey);
    bound('direction = @direction', 'direction', q.direction);
    if (q.types && q.types.length > 0) bound('type IN (SELECT value FROM json_each(@types))', 'types', JSON.stringify(q.types));
    if (q.hasMedia !== undefined) where.push(q.hasMedia ? 'media IS NOT NULL' : 'media IS NULL');
    const sql = `SELECT ${SELECT} FROM conversation_messages WHERE ${where.join(' AND ')} ORDER BY key ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT @limit`;
    return (this.sqlite.prepare(sql).all(params) as RawRow[]).map(toRow);
  }

  /**
   * Full-text search, newest first: FTS5 hands out matches in rowid (= key = time) order, so a page stops after
   * `limit` hits however common the word; the numbers filter is applied to each hit.
   */
  search(q: SearchQuery): SearchHit[] {
    const where = ['conversation_search MATCH @match', 'm.phone_number IN (SELECT value FROM json_each(@phones))'];
    const params: Record<string, unknown> = { match: q.match, phones: JSON.stringify(q.phoneNumbers), limit: q.limit };
    const bound = (clause: string, name: string, value: unknown): void => {
      if (value === undefined) return;
      where.push(clause);
      params[name] = value;
    };
    bound('conversation_search.rowid < @belowKey', 'belowKey', q.belowKey);
    bound('conversation_search.rowid >= @fromKey', 'fromKey', q.fromKey);
    bound('conversation_search.rowid <= @toKey', 'toKey', q.toKey);
    bound('m.chat_key = @chatKey', 'chatKey', q.chatKey);
    bound('m.direction = @direction', 'direction', q.direction);
    if (q.types && q.types.length > 0) bound('m.type IN (SELECT value FROM json_each(@types))', 'types', JSON.stringify(q.types));
    const columns = COLUMNS.map(([prop, column]) => `m.${column} AS "${prop}"`).join(', ');
    const sql = `SELECT ${columns}, snippet(conversation_search, -1, char(2), char(3), '…', 16) AS "snippet"
      FROM conversation_search JOIN conversation_messages m ON m.key = conversation_search.rowid
      WHERE ${where.join(' AND ')} ORDER BY conversation_search.rowid DESC LIMIT @limit`;
    return (this.sqlite.prepare(sql).all(params) as RawRow[]).map((raw) => {
      const snippet = String(raw['snippet'] ?? '');
      delete raw['snippet'];
      return { row: toRow(raw), snippet };
    });
  }

  /** Messages that came under `from` (an `@lid`) now belong to the chat `to`; each keeps the JID it came under. */
  moveChat(phoneNumber: string, from: string, to: string): number {
    return this.sqlite
      .prepare('UPDATE conversation_messages SET chat_key = ?, chat_jid = coalesce(chat_jid, chat_key) WHERE phone_number = ? AND chat_key = ?')
      .run(to, phoneNumber, from).changes;
  }

  /** Per JID a chat's messages came under, for `merge=false`: newest key, and live incoming ones after `readKey`. */
  threadsOf(phoneNumber: string, chatKey: string, readKey: number): { jid: string; lastKey: number; unread: number }[] {
    return this.sqlite
      .prepare(
        `SELECT coalesce(chat_jid, chat_key) AS jid, max(key) AS lastKey,
           sum(CASE WHEN direction = 'in' AND source = 'live' AND key > @readKey THEN 1 ELSE 0 END) AS unread
         FROM conversation_messages WHERE phone_number = @phoneNumber AND chat_key = @chatKey GROUP BY 1`,
      )
      .all({ phoneNumber, chatKey, readKey }) as { jid: string; lastKey: number; unread: number }[];
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
