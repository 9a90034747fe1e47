/**
 * drizzle-postgres/ builds, on a real Postgres, exactly the tables src/db/pg/ declares (a migration that drifted
 * from its schema, or a schema file drizzle.postgres.config.ts does not read, fails here), keeps the rules drizzle
 * cannot model, and gives back the same values SQLite does.
 */
import { CHANGED_TABLES } from '../../src/db/ports/changes.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import * as pgAccess from '../../src/db/pg/schema-access.js';
import * as pgSchema from '../../src/db/pg/schema.js';
import * as sqliteSchema from '../../src/db/schema.js';
import { ROOT } from '../helpers/gateway.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { normalizeCondition, pgShape, pgTables, sqliteTables } from '../helpers/table-shapes.js';

const MIGRATIONS = path.join(ROOT, 'drizzle-postgres');
const tables = pgTables();

/** The SQLite full-text index (FTS5 and its queue, drizzle/0005): Postgres will search its own way (docs/cluster.md). */
const SQLITE_SEARCH_TABLES = ['conversation_search', 'conversation_search_config', 'conversation_search_data', 'conversation_search_idx', 'conversation_search_pending'];
const SQLITE_SEARCH_TRIGGERS = ['conversation_search_delete', 'conversation_search_insert', 'conversation_search_update'];
/** Made deferrable by drizzle-postgres/0002 (renaming a number moves parent and child rows in turn). */
const DEFERRABLE = ['number_grants_phone_number_devices_phone_number_fk'];

interface ColumnRow { table_name: string; column_name: string; data_type: string; is_nullable: 'YES' | 'NO'; has_default: boolean }
interface ConstraintRow { table_name: string; name: string; type: 'p' | 'u' | 'f' | 'c'; columns: string[]; def: string }
interface IndexRow { table_name: string; name: string; unique: boolean; columns: string[]; where: string | null }

describe('the Postgres migrations on a real Postgres', () => {
  let server: TestPostgres;
  let client: pg.Client;
  let db: NodePgDatabase;
  let columns: ColumnRow[];
  let constraints: ConstraintRow[];
  let indexes: IndexRow[];

  beforeAll(async () => {
    server = await startPostgres();
    client = new pg.Client({ connectionString: await server.createDatabase('schema_check') });
    await client.connect();
    await migratePostgres(client, MIGRATIONS);
    db = drizzle(client);
    columns = (
      await client.query<ColumnRow>(`SELECT table_name, column_name, data_type, is_nullable, (column_default IS NOT NULL OR is_identity = 'YES') AS has_default
        FROM information_schema.columns WHERE table_schema = 'public'`)
    ).rows;
    constraints = (
      await client.query<ConstraintRow>(`SELECT conrelid::regclass::text AS table_name, conname AS name, contype AS type, pg_get_constraintdef(c.oid) AS def,
          ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns
        FROM pg_constraint c WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f', 'c')`)
    ).rows;
    indexes = (
      await client.query<IndexRow>(`SELECT t.relname AS table_name, i.relname AS name, x.indisunique AS unique, pg_get_expr(x.indpred, x.indrelid) AS where,
          ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o) AS columns
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))`)
    ).rows;
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await client?.end();
    await server?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  it('creates every drizzle table and nothing else', async () => {
    const found = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(found.rows.map((r) => r.table_name)).toEqual([...tables.keys()].sort());
  });

  it.each([...tables.keys()].sort())('%s: columns, keys, uniques, checks, foreign keys and indexes as declared', (name) => {
    const table = tables.get(name) as PgTable;
    const config = getTableConfig(table);
    const shape = pgShape(table);
    const mine = <T extends { table_name: string }>(rows: T[]) => rows.filter((r) => r.table_name === name);

    const expectedColumns = config.columns.map((c) => ({ column: c.name, type: c.getSQLType(), nullable: !c.notNull, hasDefault: c.hasDefault }));
    const actualColumns = mine(columns).map((c) => ({ column: c.column_name, type: c.data_type, nullable: c.is_nullable === 'YES', hasDefault: c.has_default }));
    expect(sortBy(actualColumns, 'column')).toEqual(sortBy(expectedColumns, 'column'));

    const ofType = (type: ConstraintRow['type']) => mine(constraints).filter((c) => c.type === type);
    const singlePk = config.columns.filter((c) => c.primary).map((c) => [c.name]);
    expect(ofType('p').map((c) => c.columns)).toEqual([...singlePk, ...shape.primaryKeys]);
    const uniques = Object.fromEntries([...Object.entries(shape.columns).flatMap(([column, c]) => (c.unique ? [[c.unique, [column]]] : [])), ...Object.entries(shape.uniques)]);
    expect(Object.fromEntries(ofType('u').map((c) => [c.name, c.columns]))).toEqual(uniques);
    expect(ofType('c').map((c) => c.name).sort()).toEqual(shape.checks);

    const expectedFks = config.foreignKeys.map((fk) => {
      const ref = fk.reference();
      const onDelete = fk.onDelete && fk.onDelete !== 'no action' ? ` ON DELETE ${fk.onDelete.toUpperCase()}` : '';
      const def = `FOREIGN KEY (${ref.columns.map((c) => c.name).join(', ')}) REFERENCES ${getTableConfig(ref.foreignTable).name}(${ref.foreignColumns.map((c) => c.name).join(', ')})${onDelete}`;
      return { name: fk.getName(), def: DEFERRABLE.includes(fk.getName()) ? `${def} DEFERRABLE` : def };
    });
    expect(sortBy(ofType('f').map((c) => ({ name: c.name, def: c.def })), 'name')).toEqual(sortBy(expectedFks, 'name'));

    const actualIndexes = Object.fromEntries(mine(indexes).map((i) => [i.name, { columns: i.columns, unique: i.unique, where: i.where === null ? null : normalizeCondition(i.where) }]));
    expect(actualIndexes).toEqual(shape.indexes);
  });

  it('keeps the SQLite-only objects to the search index, and has every other SQLite trigger too (and the change feed, Postgres only)', async () => {
    const sqlite = tempSqlite();
    try {
      const objects = sqlite.sqlite.prepare(`SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'`).all() as { type: string; name: string }[];
      const drizzleTables = sqliteTables();
      expect(objects.filter((o) => o.type === 'table' && !drizzleTables.has(o.name)).map((o) => o.name).sort()).toEqual(SQLITE_SEARCH_TABLES);
      const triggers = objects.filter((o) => o.type === 'trigger' && !SQLITE_SEARCH_TRIGGERS.includes(o.name)).map((o) => o.name).sort();
      expect(triggers).toEqual(['audit_events_append_only']);
      const pgTriggers = await client.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`);
      // A single host is its database's only writer: only Postgres announces changes to other gateways.
      const changeFeed = CHANGED_TABLES.map((table) => `${table}_changes`);
      expect(pgTriggers.rows.map((t) => t.tgname)).toEqual([...triggers, ...changeFeed].sort());
    } finally {
      sqlite.close();
    }
  });

  it('refuses to edit an audit row and lets pruning delete it', async () => {
    const [row] = await db.insert(pgAccess.auditEvents).values({ at: 1, actorType: 'system', action: 'test.edit', result: 'ok', prevHash: '0', hash: '1' }).returning();
    await expect(db.update(pgAccess.auditEvents).set({ action: 'tampered' })).rejects.toMatchObject({ cause: expect.objectContaining({ message: 'audit_events is append-only' }) });
    expect((await client.query('DELETE FROM audit_events WHERE id = $1', [row!.id])).rowCount).toBe(1);
  });

  it('moves a number key with its grants in one transaction only when the check is deferred', async () => {
    await client.query(`INSERT INTO users (username, password_hash) VALUES ('grantee', 'x')`);
    await client.query(`INSERT INTO devices (phone_number, name) VALUES ('pending-1', 'n')`);
    await client.query(`INSERT INTO number_grants (user_id, phone_number, level) SELECT id, 'pending-1', 'view' FROM users WHERE username = 'grantee'`);
    const rename = async (deferred: boolean) => {
      await client.query('BEGIN');
      try {
        if (deferred) await client.query('SET CONSTRAINTS ALL DEFERRED');
        await client.query(`UPDATE devices SET phone_number = '5511999990000' WHERE phone_number = 'pending-1'`);
        await client.query(`UPDATE number_grants SET phone_number = '5511999990000' WHERE phone_number = 'pending-1'`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    };
    await expect(rename(false)).rejects.toThrow(/number_grants_phone_number_devices_phone_number_fk/);
    await rename(true);
    expect((await client.query(`SELECT phone_number FROM number_grants`)).rows).toEqual([{ phone_number: '5511999990000' }]);
  });

  it('fills ids and times as SQLite does: identity ids, ms since the epoch', async () => {
    const before = Date.now();
    const rows = await db.insert(pgSchema.deviceEvents).values([{ phoneNumber: 'p', type: 'a' }, { phoneNumber: 'p', type: 'b' }]).returning();
    const after = Date.now();
    expect(rows[1]!.id).toBe(rows[0]!.id + 1);
    for (const row of rows) {
      expect(row.createdAt).toBeGreaterThanOrEqual(before - 1);
      expect(row.createdAt).toBeLessThanOrEqual(after);
    }
  });

  it('reads back the same values through drizzle in both dialects (JSON key order, booleans, 52-bit keys, NUL in JSON)', async () => {
    const sqlite = tempSqlite();
    const fresh = new pg.Client({ connectionString: await server.createDatabase('read_parity') });
    await fresh.connect();
    try {
      await migratePostgres(fresh, MIGRATIONS);
      const db = drizzle(fresh);
      const device = { phoneNumber: '5511988887777', name: 'parity', queuePolicy: { intervalCap: 3, concurrency: 1, interval: 1000 }, webhookEvents: ['message', 'ack'], createdAt: 1, updatedAt: 2 };
      const conversation = { phoneNumber: device.phoneNumber, chatKey: 'c@s.whatsapp.net', type: 'direct' as const, pinned: true, archived: false, createdAt: 3, updatedAt: 4 };
      const message = {
        key: 1_790_000_000_000 * 2048 + 2047,
        phoneNumber: device.phoneNumber,
        chatKey: conversation.chatKey,
        direction: 'in' as const,
        type: 'text' as const,
        status: 'received' as const,
        source: 'live' as const,
        at: 1_790_000_000_000,
        text: 'olá 👋',
        content: { z: 1, a: { y: [1, 'two', null], b: 'nul\u0000byte' }, m: 1.5 },
        createdAt: 5,
        updatedAt: 6,
      };
      const event = { phoneNumber: device.phoneNumber, seq: 1, type: 'message', payload: { zeta: true, alpha: { 2: 'b', 1: 'a' } }, createdAt: 7 };
      const cases = [
        { sqliteTable: sqliteSchema.devices, pgTable: pgSchema.devices, row: device },
        { sqliteTable: sqliteSchema.conversations, pgTable: pgSchema.conversations, row: conversation },
        { sqliteTable: sqliteSchema.conversationMessages, pgTable: pgSchema.conversationMessages, row: message },
        { sqliteTable: sqliteSchema.events, pgTable: pgSchema.events, row: event },
      ];
      for (const { sqliteTable, pgTable, row } of cases) {
        sqlite.db.insert(sqliteTable).values(row as never).run();
        await db.insert(pgTable).values(row as never);
        const fromSqlite = sqlite.db.select().from(sqliteTable).all();
        const fromPg = await db.select().from(pgTable);
        expect(fromPg).toEqual(fromSqlite);
        expect(JSON.stringify(fromPg)).toBe(JSON.stringify(fromSqlite));
      }
    } finally {
      sqlite.close();
      await fresh.end();
    }
  });
});

function sortBy<T, K extends keyof T>(rows: T[], key: K): T[] {
  return [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
}

function tempSqlite(): DatabaseHandle & { close(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-gw-parity-'));
  const handle = openDatabase(path.join(dir, 'gateway.db'), path.join(ROOT, 'drizzle'));
  return { ...handle, close: () => (handle.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}
