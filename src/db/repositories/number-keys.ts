import type Database from 'better-sqlite3';
import { errors } from '../../domain/errors.js';
import { NUMBER_LISTS, NUMBER_TABLES } from '../ports/number-keys.js';

export { HISTORICAL_TABLES, NUMBER_LISTS, NUMBER_TABLES, OWNERSHIP_TABLES } from '../ports/number-keys.js';

/**
 * Renames a number everywhere in one transaction; `inside` runs last within it (the session folder's rename), so
 * a failure there leaves the database as it was. Refuses a taken new key and a missing old one (see NumberKeys).
 */
export function renameNumber(sqlite: Database.Database, from: string, to: string, patch: { pendingId: string; now: number }, inside: () => void): void {
  sqlite.transaction(() => {
    if (sqlite.prepare('SELECT 1 FROM devices WHERE phone_number = ?').get(to)) throw errors.deviceExists(to);
    if (!sqlite.prepare('SELECT 1 FROM devices WHERE phone_number = ?').get(from)) throw errors.deviceNotFound(from);
    // Grants reference devices.phone_number: parent and children move in turn, so the check waits for the commit
    // (the pragma ends with the transaction).
    sqlite.pragma('defer_foreign_keys = ON');
    for (const table of NUMBER_TABLES) sqlite.prepare(`UPDATE ${table} SET phone_number = ? WHERE phone_number = ?`).run(to, from);
    for (const list of NUMBER_LISTS) renameInLists(sqlite, list, from, to);
    sqlite.prepare('UPDATE devices SET pending_id = ?, updated_at = ? WHERE phone_number = ?').run(patch.pendingId, patch.now, to);
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
