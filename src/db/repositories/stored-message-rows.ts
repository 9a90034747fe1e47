import type { StoredMessageColumns, StoredMessageRow } from '../schema.js';

/** Keys are the message's time in ms × KEY_SLOTS + a counter: time-ordered, unique, exact in a JS number until 2109. */
export const KEY_SLOTS = 2048;

export const keyOfTime = (ms: number): number => Math.max(0, Math.floor(ms)) * KEY_SLOTS;

/** The public id of a message the API did not send: `m` + its key in base 36 (keys never change). */
export const idOfKey = (key: number): string => `m${key.toString(36)}`;

export function keyOfId(id: string): number | null {
  if (!/^m[0-9a-z]{1,12}$/.test(id)) return null;
  const key = parseInt(id.slice(1), 36);
  return Number.isSafeInteger(key) ? key : null;
}

/** Column ↔ property, for the raw statements of the store's repositories. */
export const COLUMNS: readonly (readonly [keyof StoredMessageColumns, string])[] = [
  ['key', 'key'],
  ['outboxId', 'outbox_id'],
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
export const SELECT = COLUMNS.map(([prop, column]) => (prop === column ? column : `${column} AS "${prop}"`)).join(', ');
export const COLUMN_OF = new Map(COLUMNS);
const JSON_COLUMNS = new Set<string>(['media', 'content']);

export type RawRow = Record<string, unknown>;

export function toRow(raw: RawRow): StoredMessageRow {
  for (const prop of JSON_COLUMNS) {
    const value = raw[prop];
    raw[prop] = typeof value === 'string' ? (JSON.parse(value) as unknown) : null;
  }
  raw['id'] = (raw['outboxId'] as string | null) ?? idOfKey(raw['key'] as number);
  return raw as unknown as StoredMessageRow;
}

export function toParams(row: Partial<StoredMessageColumns>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [prop, value] of Object.entries(row)) {
    if (value === undefined || prop === 'id') continue;
    out[prop] = JSON_COLUMNS.has(prop) && value !== null ? JSON.stringify(value) : value;
  }
  return out;
}


/** A WHERE clause built from optional filters: each added with its bound parameter only when given. */
export class Conditions {
  readonly where: string[];
  readonly params: Record<string, unknown>;

  constructor(base: readonly string[], params: Record<string, unknown>) {
    this.where = [...base];
    this.params = { ...params };
  }

  add(clause: string, name: string, value: unknown): this {
    if (value === undefined) return this;
    this.where.push(clause);
    this.params[name] = value;
    return this;
  }

  /** `column IN (…)` over a JSON list, when the list has items. */
  addList(column: string, name: string, values: readonly string[] | undefined): this {
    return values && values.length > 0 ? this.add(`${column} IN (SELECT value FROM json_each(@${name}))`, name, JSON.stringify(values)) : this;
  }

  get sql(): string {
    return this.where.join(' AND ');
  }
}
