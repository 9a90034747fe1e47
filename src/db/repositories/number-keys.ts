import type Database from 'better-sqlite3';

/**
 * Every table whose `phone_number` column holds a number's key. When a number created before its phone was known
 * pairs, all its rows move from the pending id to the phone in one transaction, so nothing of it is left behind
 * or half-moved. A new table keyed by number belongs here (a test lists every table with a `phone_number`
 * column and fails on one that is in neither list).
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

/** JSON arrays of numbers (an API key's numbers): an entry naming the old key names the new one. */
export const NUMBER_LISTS = [{ table: 'api_keys', key: 'id', column: 'numbers' }] as const;

/**
 * Renames a number everywhere in one transaction; `inside` runs last within it (the session folder's rename), so
 * a failure there leaves the database as it was. Throws when the new key is already taken.
 */
export function renameNumber(sqlite: Database.Database, from: string, to: string, patch: { pendingId: string }, inside: () => void): void {
  sqlite.transaction(() => {
    const taken = sqlite.prepare('SELECT 1 FROM devices WHERE phone_number = ?').get(to);
    if (taken) throw new Error(`number ${to} already exists`);
    // Grants reference devices.phone_number: parent and children move in turn, so the check waits for the commit
    // (the pragma ends with the transaction).
    sqlite.pragma('defer_foreign_keys = ON');
    for (const table of NUMBER_TABLES) sqlite.prepare(`UPDATE ${table} SET phone_number = ? WHERE phone_number = ?`).run(to, from);
    for (const list of NUMBER_LISTS) renameInLists(sqlite, list, from, to);
    sqlite.prepare('UPDATE devices SET pending_id = ?, updated_at = ? WHERE phone_number = ?').run(patch.pendingId, Date.now(), to);
    inside();
  })();
}

function renameInLists(sqlite: Database.Database, list: (typeof NUMBER_LISTS)[number], from: string, to: string): void {
  const holders = sqlite
    .prepare(`SELECT ${list.key} AS id, ${list.column} AS numbers FROM ${list.table} WHERE EXISTS (SELECT 1 FROM json_each(${list.table}.${list.column}) WHERE value = ?)`)
    .all(from) as { id: string; numbers: string }[];
  const update = sqlite.prepare(`UPDATE ${list.table} SET ${list.column} = ? WHERE ${list.key} = ?`);
  for (const { id, numbers } of holders) {
    const renamed = (JSON.parse(numbers) as string[]).map((n) => (n === from ? to : n));
    update.run(JSON.stringify([...new Set(renamed)]), id);
  }
}

/** Tables of the open database that have a `phone_number` column (for the completeness test). */
export function tablesWithNumberColumn(sqlite: Database.Database): string[] {
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'").all() as { name: string }[];
  return tables
    .map((t) => t.name)
    .filter((name) => (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as { name: string }[]).some((c) => c.name === 'phone_number'))
    .sort();
}
