import type { DeviceRow } from '../schema.js';

/**
 * Every table whose `phone_number` column holds a number's key. When a number created before its phone was known
 * pairs, all its rows move from the pending id to the phone in one transaction, so nothing of it is left behind
 * or half-moved. A new table keyed by number belongs here: the contract test (tests/db/number-keys.contract.test.ts)
 * lists every drizzle table with a `phone_number` column and fails on one that is in none of these lists.
 */
export const NUMBER_TABLES = [
  'devices',
  'device_events',
  'events',
  'messages',
  'webhook_deliveries',
  'conversations',
  'conversation_messages',
  'conversation_annotations',
  'conversation_aliases',
  'conversation_syncs',
  'chatwoot_bindings',
  'chatwoot_contacts',
  'chatwoot_posts',
  'chatwoot_links',
  'chatwoot_jobs',
  'chatwoot_receipts',
  'chatwoot_commands',
  'compat_tenants',
  'number_grants',
] as const;

/**
 * Tables with a `phone_number` column that record history as it happened and keep the key it had then: the audit
 * log is append-only and hash-chained (a trigger refuses updates), so its rows name the pending id they were
 * written under; the `number.bound` row links the two.
 */
export const HISTORICAL_TABLES: readonly string[] = ['audit_events'];

/**
 * Distributed mode's own tables (Postgres only): who owns the number and every move of it. The plain rename leaves
 * them alone; distributed mode's (src/cluster/number-rename.ts) moves the `assignments` row in the same fenced
 * transaction, and `ownership_moves` keeps the key each move was made under (history, like the audit log).
 */
export const OWNERSHIP_TABLES: readonly string[] = ['assignments', 'ownership_moves'];

/** JSON arrays of numbers (an API key's numbers): an entry naming the old key names the new one. */
export const NUMBER_LISTS = [{ table: 'api_keys', key: 'id', column: 'numbers' }] as const;

/** Giving a pending number its phone, on either dialect. */
export interface NumberKeys {
  /**
   * Moves every row of `from` (NUMBER_TABLES, NUMBER_LISTS) to `to` in one transaction; the row keeps `from` as its
   * pending id and gets `now` as its update time. `inside` runs last within the transaction (the session folder's
   * rename): if it throws, nothing has moved. DEVICE_EXISTS when `to` is taken (also by a writer that got there
   * first), DEVICE_NOT_FOUND when there is no `from`. Answers the row under its new key.
   */
  rename(from: string, to: string, now: number, inside: () => void): Promise<DeviceRow>;
}
