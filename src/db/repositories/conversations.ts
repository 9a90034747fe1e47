import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import type { ChatType, ConversationRow } from '../schema.js';

export type ConversationPatch = Partial<Omit<ConversationRow, 'phoneNumber' | 'chatKey' | 'createdAt'>>;

/** Where a list page starts: strictly after this position in (lastKey, phoneNumber, chatKey) order. */
export interface ListPosition {
  readonly lastKey: number;
  readonly phoneNumber: string;
  readonly chatKey: string;
}

export interface ConversationListQuery {
  readonly phoneNumbers: readonly string[];
  /** Older activity than this position (the next page), or newer (`after`). */
  readonly before?: ListPosition;
  readonly after?: ListPosition;
  readonly unread?: boolean;
  readonly archived?: boolean;
  readonly type?: ChatType;
  /** Part of the chat's name or JID. */
  readonly search?: string;
  readonly limit: number;
}

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

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** The store's chats, one row per chat of a number, listed by last activity with keyset positions. */
export class ConversationRepository {
  private readonly sqlite: Database.Database;
  private readonly hot;

  constructor(db: Db) {
    this.sqlite = db.$client;
    const s = this.sqlite;
    this.hot = {
      get: s.prepare(`SELECT ${SELECT} FROM conversations WHERE phone_number = ? AND chat_key = ?`),
      byAlt: s.prepare(`SELECT ${SELECT} FROM conversations WHERE phone_number = ? AND alt_jid = ?`),
      insert: s.prepare(
        `INSERT INTO conversations (${COLUMNS.map(([, c]) => c).join(', ')}) VALUES (${COLUMNS.map(([p]) => `@${p}`).join(', ')})`,
      ),
      /** A new message: moves the chat up (never down: a backfilled old message leaves its place alone). */
      bump: s.prepare(
        `UPDATE conversations SET last_key = max(last_key, @key), unread = unread + @unread, updated_at = @now,
           name = coalesce(name, @name) WHERE phone_number = @phoneNumber AND chat_key = @chatKey`,
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

  /** A message of the chat was stored; returns whether the chat existed. */
  bump(phoneNumber: string, chatKey: string, change: { key: number; unread: number; name: string | null; now: number }): boolean {
    return this.hot.bump.run({ phoneNumber, chatKey, ...change }).changes > 0;
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

  /** Chats with a known `@lid` alias (the only ones `merge=false` shows differently). */
  merged(phoneNumber: string): ConversationRow[] {
    return (this.sqlite.prepare(`SELECT ${SELECT} FROM conversations WHERE phone_number = ? AND alt_jid IS NOT NULL`).all(phoneNumber) as RawRow[]).map(toRow);
  }

  /**
   * Newest activity first, `limit` rows. Both keyset directions walk the same index ((phone, last_key, chat_key)
   * for one number, (last_key, phone, chat_key) across numbers); `after` pages come back newest first too.
   */
  list(q: ConversationListQuery): ConversationRow[] {
    if (q.phoneNumbers.length === 0) return [];
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit };
    if (q.phoneNumbers.length === 1) {
      where.push('phone_number = @phone');
      params['phone'] = q.phoneNumbers[0];
    } else {
      where.push('phone_number IN (SELECT value FROM json_each(@phones))');
      params['phones'] = JSON.stringify(q.phoneNumbers);
    }
    const position = (p: ListPosition, op: '<' | '>'): void => {
      where.push(`(last_key, phone_number, chat_key) ${op} (@lastKey, @posPhone, @posChat)`);
      Object.assign(params, { lastKey: p.lastKey, posPhone: p.phoneNumber, posChat: p.chatKey });
    };
    if (q.before) position(q.before, '<');
    else if (q.after) position(q.after, '>');
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
    const order = q.after ? 'ASC' : 'DESC';
    const sql = `SELECT ${SELECT} FROM conversations WHERE ${where.join(' AND ')}
      ORDER BY last_key ${order}, phone_number ${order}, chat_key ${order} LIMIT @limit`;
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
