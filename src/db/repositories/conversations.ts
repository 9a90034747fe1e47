import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type {
  BumpChange,
  BumpedChat,
  ConversationListQuery,
  ConversationPatch,
  ConversationReads,
  ConversationWrites,
  ListPosition,
  UnreadTotal,
} from '../ports/conversations.js';
import type { ConversationRow } from '../schema.js';

export type { ConversationListQuery, ConversationPatch, ListPosition };

const COLUMNS: readonly (readonly [keyof ConversationRow, string])[] = [
  ['phoneNumber', 'phone_number'],
  ['chatKey', 'chat_key'],
  ['altJid', 'alt_jid'],
  ['type', 'type'],
  ['name', 'name'],
  ['lastKey', 'last_key'],
  ['unread', 'unread'],
  ['readKey', 'read_key'],
  ['archived', 'archived'],
  ['pinned', 'pinned'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
];
const SELECT = COLUMNS.map(([prop, column]) => (prop === column ? column : `${column} AS "${prop}"`)).join(', ');
const COLUMN_OF = new Map(COLUMNS);
const BOOLEANS = new Set<keyof ConversationRow>(['archived', 'pinned']);

type RawRow = Record<string, unknown>;

function toRow(raw: RawRow): ConversationRow {
  for (const prop of BOOLEANS) raw[prop] = raw[prop] === 1;
  return raw as unknown as ConversationRow;
}

function toParams(row: Partial<ConversationRow>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [prop, value] of Object.entries(row)) {
    if (value === undefined) continue;
    out[prop] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  return out;
}

/** Up to this many numbers, a list is merged from per-number index walks (SQLite allows 500 compound terms). */
const MAX_MERGED = 400;

/**
 * "After `position` in (last_key, phone, chat_key) order" for the rows of one number, as a range of that number's
 * (phone, last_key, chat_key) index: its rows are all before or all after the position's number on ties.
 */
function rangeFor(phone: string, position: ListPosition, op: '<' | '>'): string {
  if (phone === position.phoneNumber) return `(last_key, chat_key) ${op} (@lastKey, @posChat)`;
  const tieIncluded = op === '<' ? phone < position.phoneNumber : phone > position.phoneNumber;
  return `last_key ${op}${tieIncluded ? '=' : ''} @lastKey`;
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/**
 * The store's chats, one row per chat of a number, listed by last activity with keyset positions. The methods
 * answer at once (the write side runs inside the turn's synchronous transaction); `reads` is the same for callers.
 */
export class ConversationRepository implements ConversationWrites<'sync'> {
  readonly reads: ConversationReads;
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    this.reads = {
      get: async (phoneNumber, chatKey) => this.get(phoneNumber, chatKey),
      byAlt: async (phoneNumber, altJid) => this.byAlt(phoneNumber, altJid),
      list: async (query) => this.list(query),
      unreadTotals: async (phoneNumbers) => this.unreadTotals(phoneNumbers),
      merged: async (phoneNumber) => this.merged(phoneNumber),
    };
    const s = this.sqlite;
    this.hot = {
      get: s.prepare(`SELECT ${SELECT} FROM conversations WHERE phone_number = ? AND chat_key = ?`),
      byAlt: s.prepare(`SELECT ${SELECT} FROM conversations WHERE phone_number = ? AND alt_jid = ?`),
      insert: s.prepare(
        `INSERT INTO conversations (${COLUMNS.map(([, c]) => c).join(', ')}) VALUES (${COLUMNS.map(([p]) => `@${p}`).join(', ')})`,
      ),
      /**
       * A new message, in one statement: the chat is created or moves up (never down: a backfilled old message
       * leaves its place alone); a live incoming one after the read mark is unread; one sent from the phone reads
       * the chat up to it. The SET expressions all see the row as it was.
       */
      bump: s.prepare(
        `INSERT INTO conversations (phone_number, chat_key, alt_jid, type, name, last_key, unread, read_key, archived, pinned, created_at, updated_at)
         VALUES (@phoneNumber, @chatKey, @altJid, @type, @name, @key, @counts, CASE WHEN @reads = 1 THEN @key ELSE 0 END, 0, 0, @now, @now)
         ON CONFLICT (phone_number, chat_key) DO UPDATE SET
           last_key = max(last_key, excluded.last_key),
           unread = CASE WHEN @reads = 1 AND @key > read_key THEN 0 WHEN @counts = 1 AND @key > read_key THEN unread + 1 ELSE unread END,
           read_key = CASE WHEN @reads = 1 AND @key > read_key THEN @key ELSE read_key END,
           name = coalesce(name, excluded.name),
           alt_jid = coalesce(alt_jid, excluded.alt_jid),
           updated_at = excluded.updated_at
         RETURNING ${SELECT}`,
      ),
    };
  }

  get(phoneNumber: string, chatKey: string): ConversationRow | undefined {
    const raw = this.hot.get.get(phoneNumber, chatKey) as RawRow | undefined;
    return raw ? toRow(raw) : undefined;
  }

  byAlt(phoneNumber: string, altJid: string): ConversationRow | undefined {
    const raw = this.hot.byAlt.get(phoneNumber, altJid) as RawRow | undefined;
    return raw ? toRow(raw) : undefined;
  }

  insert(row: ConversationRow): ConversationRow {
    this.hot.insert.run(toParams(row));
    return row;
  }

  bump(chat: BumpedChat, change: BumpChange): ConversationRow {
    const raw = this.hot.bump.get({ ...chat, key: change.key, counts: change.counts ? 1 : 0, reads: change.reads ? 1 : 0, now: change.now }) as RawRow;
    return toRow(raw);
  }

  update(phoneNumber: string, chatKey: string, patch: ConversationPatch): ConversationRow | undefined {
    const props = Object.keys(patch).filter((p) => (patch as Record<string, unknown>)[p] !== undefined);
    if (props.length > 0) {
      const set = props.map((p) => `${COLUMN_OF.get(p as keyof ConversationRow) ?? p} = @${p}`).join(', ');
      this.sqlite
        .prepare(`UPDATE conversations SET ${set} WHERE phone_number = @phoneNumber AND chat_key = @chatKey`)
        .run({ ...toParams(patch as Partial<ConversationRow>), phoneNumber, chatKey });
    }
    return this.get(phoneNumber, chatKey);
  }

  delete(phoneNumber: string, chatKey: string): void {
    this.sqlite.prepare('DELETE FROM conversations WHERE phone_number = ? AND chat_key = ?').run(phoneNumber, chatKey);
  }

  /** Per number with anything unread: how many chats, and how many messages in them. */
  unreadTotals(phoneNumbers: readonly string[]): UnreadTotal[] {
    if (phoneNumbers.length === 0) return [];
    return this.sqlite
      .prepare(
        `SELECT phone_number AS phoneNumber, count(*) AS chats, sum(unread) AS messages FROM conversations
         WHERE phone_number IN (SELECT value FROM json_each(?)) AND unread > 0 GROUP BY phone_number`,
      )
      .all(JSON.stringify(phoneNumbers)) as UnreadTotal[];
  }

  /** Chats with a known `@lid` alias (the only ones `merge=false` shows differently). */
  merged(phoneNumber: string): ConversationRow[] {
    return (this.sqlite.prepare(`SELECT ${SELECT} FROM conversations WHERE phone_number = ? AND alt_jid IS NOT NULL`).all(phoneNumber) as RawRow[]).map(toRow);
  }

  /**
   * Newest activity first, `limit` rows, by keyset on (last_key, phone, chat_key) over the (phone, last_key,
   * chat_key) index; `after` pages come back newest first too.
   */
  list(q: ConversationListQuery): ConversationRow[] {
    if (q.phoneNumbers.length === 0) return [];
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit };
    if (q.unread !== undefined) where.push(q.unread ? 'unread > 0' : 'unread = 0');
    if (q.archived !== undefined) where.push(q.archived ? 'archived = 1' : 'archived = 0');
    if (q.type) {
      where.push('type = @type');
      params['type'] = q.type;
    }
    if (q.search) {
      where.push(`(name LIKE @search ESCAPE '\\' OR chat_key LIKE @search ESCAPE '\\' OR alt_jid LIKE @search ESCAPE '\\')`);
      params['search'] = `%${escapeLike(q.search)}%`;
    }
    const position = q.before ?? q.after;
    const op = q.before ? '<' : '>';
    if (position) Object.assign(params, { lastKey: position.lastKey, posChat: position.chatKey });
    const order = q.after ? 'ASC' : 'DESC';
    const filters = where.length > 0 ? ` AND ${where.join(' AND ')}` : '';
    let sql: string;
    if (q.phoneNumbers.length <= MAX_MERGED) {
      // Each number's best rows from its own index walk, merged: as fast for 1 number among 1,000 as for all 50.
      // Without filters the walks read the index alone (it holds all three sort columns), then the page's rows.
      const covering = filters === '' && q.phoneNumbers.length > 1;
      const columns = covering ? 'phone_number, chat_key, last_key' : SELECT;
      const parts = q.phoneNumbers.map((phone, i) => {
        params[`p${i}`] = phone;
        const bound = position ? ` AND ${rangeFor(phone, position, op)}` : '';
        return `SELECT * FROM (SELECT ${columns} FROM conversations WHERE phone_number = @p${i}${bound}${filters} ORDER BY last_key ${order}, chat_key ${order} LIMIT @limit)`;
      });
      const merged = covering
        ? `ORDER BY last_key ${order}, phone_number ${order}, chat_key ${order} LIMIT @limit`
        : `ORDER BY "lastKey" ${order}, "phoneNumber" ${order}, "chatKey" ${order} LIMIT @limit`;
      sql = parts.length === 1 ? (parts[0] as string) : `${parts.join(' UNION ALL ')} ${merged}`;
      if (covering) {
        const keys = this.sqlite.prepare(sql).all(params) as { phone_number: string; chat_key: string }[];
        const rows = keys.flatMap((k) => {
          const row = this.get(k.phone_number, k.chat_key);
          return row ? [row] : [];
        });
        return q.after ? rows.reverse() : rows;
      }
    } else {
      params['phones'] = JSON.stringify(q.phoneNumbers);
      if (position) params['posPhone'] = position.phoneNumber;
      const bound = position ? ` AND (last_key, phone_number, chat_key) ${op} (@lastKey, @posPhone, @posChat)` : '';
      sql = `SELECT ${SELECT} FROM conversations WHERE phone_number IN (SELECT value FROM json_each(@phones))${bound}${filters}
        ORDER BY last_key ${order}, phone_number ${order}, chat_key ${order} LIMIT @limit`;
    }
    const rows = (this.sqlite.prepare(sql).all(params) as RawRow[]).map(toRow);
    return q.after ? rows.reverse() : rows;
  }

  deleteForNumber(phoneNumber: string): number {
    return this.sqlite.prepare('DELETE FROM conversations WHERE phone_number = ?').run(phoneNumber).changes;
  }

  /** Retention: chats whose every message is older than `key` (those messages are gone). */
  deleteInactiveBefore(key: number): number {
    return this.sqlite.prepare('DELETE FROM conversations WHERE last_key < ?').run(key).changes;
  }
}
