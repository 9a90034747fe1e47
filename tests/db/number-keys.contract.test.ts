/**
 * A pending number taking its phone, the same on both dialects: every row of every table keyed by the number moves
 * in one transaction (the tables are read from the drizzle schema, so a new keyed table cannot be forgotten), the
 * API keys' number lists follow, a failure inside the transaction moves nothing, and a taken phone is refused.
 */
import { describe, expect, it } from '@jest/globals';
import { getTableColumns, getTableName, type Column, type Table } from 'drizzle-orm';
import { getTableConfig as pgConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { HISTORICAL_TABLES, NUMBER_LISTS, NUMBER_TABLES, OWNERSHIP_TABLES, type NumberKeys } from '../../src/db/ports/number-keys.js';
import { PgNumberKeys } from '../../src/db/pg/repositories/number-keys.js';
import { DeviceRepository } from '../../src/db/repositories/devices.js';
import { sqliteNumberKeys } from '../../src/db/repositories/sqlite-ports.js';
import { userRow } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';
import { pgTables, sqliteTables } from '../helpers/table-shapes.js';

const open = dialectDatabases('number_keys');
const keysOf = (d: TestDatabase): NumberKeys => (d.dialect === 'sqlite' ? sqliteNumberKeys(new DeviceRepository(d.db)) : new PgNumberKeys(d.db));
const PENDING = 'pending-4k2m9q7w1z3x';
const PHONE = '5511970000001';
const OTHER = '5511970000002';

const hasNumberColumn = (table: Table) => Object.values(getTableColumns(table)).some((c) => c.name === 'phone_number');
const keyedIn = (tables: Map<string, Table>) => [...tables].filter(([, t]) => hasNumberColumn(t)).map(([name]) => name);
const SQLITE_KEYED = keyedIn(sqliteTables());
const PG_KEYED = keyedIn(pgTables());
const KEYED = [...new Set([...SQLITE_KEYED, ...PG_KEYED])].sort();
/** What must move, from the schema (not from the list under test): every keyed table but history and ownership. */
const MOVED: ReadonlySet<string> = new Set(KEYED.filter((t) => !HISTORICAL_TABLES.includes(t) && !OWNERSHIP_TABLES.includes(t)));

describe('the tables a rename moves', () => {
  it('are every table with a phone_number column but the history and the ownership tables, and only those', () => {
    // A floor, so a schema module the helper stopped reading cannot make the cases below vanish.
    expect(KEYED.length).toBeGreaterThanOrEqual(NUMBER_TABLES.length);
    const listed = new Set([...NUMBER_TABLES, ...HISTORICAL_TABLES, ...OWNERSHIP_TABLES]);
    expect({ unlisted: KEYED.filter((t) => !listed.has(t)), notKeyed: [...listed].filter((t) => !KEYED.includes(t)) }).toEqual({ unlisted: [], notKeyed: [] });
    expect(OWNERSHIP_TABLES.filter((t) => SQLITE_KEYED.includes(t))).toEqual([]);
  });
});

/** One row that each column takes: required columns filled with any value of their type, foreign keys to `users` with a real user. */
function rowFor(table: Table, config: { foreignKeys: { reference(): { columns: Column[]; foreignTable: Table } }[] }, phoneNumber: string, userId: number): Record<string, unknown> {
  const toUsers = new Set(config.foreignKeys.flatMap((fk) => (getTableName(fk.reference().foreignTable) === 'users' ? fk.reference().columns.map((c) => c.name) : [])));
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (column.name === 'phone_number') row[key] = phoneNumber;
    else if (toUsers.has(column.name)) row[key] = userId;
    else if (column.notNull && !column.hasDefault && !generated(column)) row[key] = anyValue(column);
  }
  return row;
}

/** SQLite's autoincrement and Postgres' identity columns number themselves. */
const generated = (column: Column): boolean => Boolean((column as { autoIncrement?: boolean }).autoIncrement) || (column as { generatedIdentity?: unknown }).generatedIdentity !== undefined;

function anyValue(column: Column): unknown {
  switch (column.dataType) {
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'json':
      return [];
    case 'date':
      return new Date();
    default:
      return 'x';
  }
}

describe.each(DIALECTS)('the rename on %s', (dialect) => {
  const keyed = dialect === 'sqlite' ? SQLITE_KEYED : PG_KEYED;

  /** A row of the pending number in every keyed table (devices first: grants reference it), and a second number. */
  async function numberEverywhere(d: TestDatabase) {
    const userId = await userRow(d, 'ana');
    const ordered = ['devices', ...keyed.filter((t) => t !== 'devices')];
    for (const name of ordered) {
      if (d.dialect === 'sqlite') {
        const table = sqliteTables().get(name) as SQLiteTable;
        const row = rowFor(table, sqliteConfig(table), PENDING, userId);
        d.db.insert(table).values(name === 'devices' ? { ...row, pendingId: PENDING, updatedAt: 5 } : row).run();
      } else {
        const table = pgTables().get(name) as PgTable;
        const row = rowFor(table, pgConfig(table), PENDING, userId);
        await d.db.insert(table).values(name === 'devices' ? { ...row, pendingId: PENDING, updatedAt: 5 } : row);
      }
    }
    await d.fixture(`INSERT INTO devices (phone_number, name) VALUES (?, 'other')`, [OTHER]);
    for (const list of NUMBER_LISTS) {
      expect(list).toEqual({ table: 'api_keys', key: 'id', column: 'numbers' });
      for (const [id, numbers] of [['key-both', [OTHER, PENDING]], ['key-other', [OTHER]]] as const) {
        await d.fixture(`INSERT INTO api_keys (id, env, name, owner_id, secret_hash, last_four, scopes, numbers) VALUES (?, 'test', 'k', ?, 'h', 'abcd', '[]', ?)`, [id, userId, JSON.stringify(numbers)]);
      }
    }
  }

  async function where(d: TestDatabase): Promise<Record<string, { pending: number; phone: number }>> {
    const found: Record<string, { pending: number; phone: number }> = {};
    for (const table of keyed) {
      const counts = await Promise.all([PENDING, PHONE].map((key) => count(d, `SELECT count(*) AS n FROM ${table} WHERE phone_number = ?`, key)));
      found[table] = { pending: counts[0] ?? -1, phone: counts[1] ?? -1 };
    }
    return found;
  }

  async function keyLists(d: TestDatabase): Promise<Record<string, string[]>> {
    const rows = d.dialect === 'sqlite' ? (d.db.$client.prepare('SELECT id, numbers FROM api_keys ORDER BY id').all() as { id: string; numbers: string }[]) : (await d.db.$client.query<{ id: string; numbers: string }>('SELECT id, numbers::text AS numbers FROM api_keys ORDER BY id')).rows;
    return Object.fromEntries(rows.map((r) => [r.id, JSON.parse(r.numbers) as string[]]));
  }

  it('moves the rows of every table keyed by the number and the API keys that list it; history and ownership keep the old key', async () => {
    const d = await open(dialect);
    await numberEverywhere(d);
    let insideRan = 0;
    const row = await keysOf(d).rename(PENDING, PHONE, 1234, () => void insideRan++);
    expect(row).toMatchObject({ phoneNumber: PHONE, pendingId: PENDING, updatedAt: 1234 });
    expect(insideRan).toBe(1);
    const expected = Object.fromEntries(keyed.map((t) => [t, MOVED.has(t) ? { pending: 0, phone: 1 } : { pending: 1, phone: 0 }]));
    expect(await where(d)).toEqual(expected);
    expect(await keyLists(d)).toEqual({ 'key-both': [OTHER, PHONE], 'key-other': [OTHER] });
    expect(await count(d, 'SELECT count(*) AS n FROM devices WHERE phone_number = ?', OTHER)).toBe(1);
  });

  it('moves nothing when what runs inside its transaction fails', async () => {
    const d = await open(dialect);
    await numberEverywhere(d);
    const before = await where(d);
    expect(Object.values(before).every((c) => c.pending === 1 && c.phone === 0)).toBe(true);
    const failed = keysOf(d).rename(PENDING, PHONE, 1234, () => {
      throw new Error('session folder busy');
    });
    expect(await refusal(failed)).toContain('session folder busy');
    expect(await where(d)).toEqual(before);
    expect(await keyLists(d)).toEqual({ 'key-both': [OTHER, PENDING], 'key-other': [OTHER] });
    expect(await count(d, 'SELECT count(*) AS n FROM devices WHERE phone_number = ? AND updated_at = 5', PENDING)).toBe(1);
  });

  it('refuses a phone that is already a number, and a number that does not exist, before anything runs', async () => {
    const d = await open(dialect);
    await numberEverywhere(d);
    const before = await where(d);
    let insideRan = 0;
    const inside = () => void insideRan++;
    await expect(keysOf(d).rename(PENDING, OTHER, 1234, inside)).rejects.toMatchObject({ code: 'DEVICE_EXISTS' });
    await expect(keysOf(d).rename('pending-zzzzzzzzzzzz', PHONE, 1234, inside)).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect(insideRan).toBe(0);
    expect(await where(d)).toEqual(before);
    expect(await count(d, 'SELECT count(*) AS n FROM devices WHERE phone_number = ?', OTHER)).toBe(1);
  });
});

async function count(d: TestDatabase, sql: string, key: string): Promise<number> {
  if (d.dialect === 'sqlite') return (d.db.$client.prepare(sql).get(key) as { n: number }).n;
  return Number((await d.db.$client.query<{ n: string }>(sql.replace('?', '$1'), [key])).rows[0]?.n);
}
