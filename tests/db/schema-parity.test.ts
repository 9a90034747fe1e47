/**
 * DM-3/DM-4: every table the gateway keeps exists in both dialects with the same columns, keys, uniques, indexes and
 * foreign keys. The cases are the union of both sides' tables, so a table (or column) added to one dialect only
 * shows up as a case whose other side is missing (or differs), never as a case nobody runs.
 */
import { describe, expect, it } from '@jest/globals';
import { bigint, pgTable, text as pgText } from 'drizzle-orm/pg-core';
import type { PgTable } from 'drizzle-orm/pg-core';
import { integer, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type * as pgAccess from '../../src/db/pg/schema-access.js';
import type * as pgMain from '../../src/db/pg/schema.js';
import type * as sqliteAccess from '../../src/db/schema-access.js';
import type * as sqliteMain from '../../src/db/schema.js';
import { pgShape, pgTables, sqliteShape, sqliteTables, type TableShape } from '../helpers/table-shapes.js';

/** Distributed mode's own tables (src/db/pg/schema-cluster.ts): Postgres only, by design (docs/cluster.md). */
const POSTGRES_ONLY = ['assignments', 'nodes', 'ownership_moves'];

const sqlite = sqliteTables();
const postgres = pgTables();
const gatewayTables = [...new Set([...sqlite.keys(), ...[...postgres.keys()].filter((t) => !POSTGRES_ONLY.includes(t))])].sort();

const shapeOf = <T>(tables: Map<string, T>, name: string, describeTable: (t: T) => TableShape): TableShape | 'missing' => {
  const table = tables.get(name);
  return table ? describeTable(table) : 'missing';
};

describe('the gateway schema in SQLite and in Postgres', () => {
  it('covers the tables both sides should have', () => {
    // A floor, so an import that found no tables (a renamed module) cannot make every case below vanish.
    expect(gatewayTables.length).toBeGreaterThanOrEqual(25);
    expect(gatewayTables).toEqual(expect.arrayContaining(['devices', 'messages', 'events', 'webhook_deliveries', 'audit_events', 'chatwoot_jobs', 'compat_tenants']));
  });

  it.each(gatewayTables)('%s has the same shape in both dialects', (name) => {
    expect(shapeOf(postgres, name, pgShape)).toEqual(shapeOf(sqlite, name, sqliteShape));
  });

  it.each(POSTGRES_ONLY)('%s is a Postgres-only cluster table', (name) => {
    expect(postgres.has(name)).toBe(true);
    expect(sqlite.has(name)).toBe(false);
  });

  it('tells tables apart that differ by a column, a default, nullness or a type', () => {
    const base = sqliteShape(sqliteTable('t', { id: integer('id').primaryKey(), name: sqliteText('name').notNull() }));
    const twin = (table: PgTable) => pgShape(table);
    expect(twin(pgTable('t', { id: bigint('id', { mode: 'number' }).primaryKey(), name: pgText('name').notNull() }))).toEqual(base);
    const variants: PgTable[] = [
      pgTable('t', { id: bigint('id', { mode: 'number' }).primaryKey(), name: pgText('name').notNull(), extra: pgText('extra') }),
      pgTable('t', { id: bigint('id', { mode: 'number' }).primaryKey(), name: pgText('name') }),
      pgTable('t', { id: bigint('id', { mode: 'number' }).primaryKey(), name: pgText('name').notNull().default('') }),
      pgTable('t', { id: pgText('id').primaryKey(), name: pgText('name').notNull() }),
    ];
    for (const variant of variants) expect(twin(variant)).not.toEqual(base);
  });
});

/**
 * The same at compile time: every table's row (select) and insert types are identical in both dialects, so a
 * repository written against one reads and writes the same values through the other. A difference fails typecheck.
 */
type Tables<M, T> = { [K in keyof M as M[K] extends T ? K : never]: M[K] };
type Rows<M> = { [K in keyof M]: M[K] extends { $inferSelect: infer R } ? R : never };
/** Required: SQLite lets any `integer primary key` be left out (the rowid); which columns may be is checked above. */
type Inserts<M> = { [K in keyof M]: M[K] extends { $inferInsert: infer R } ? Required<R> : never };
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type SqliteSide = Tables<typeof sqliteMain & typeof sqliteAccess, SQLiteTable>;
type PgSide = Tables<typeof pgMain & typeof pgAccess, PgTable>;
const rowsAgree: Equal<Rows<SqliteSide>, Rows<PgSide>> = true;
const insertsAgree: Equal<Inserts<SqliteSide>, Inserts<PgSide>> = true;
const tableNamesAgree: Equal<keyof SqliteSide, keyof PgSide> = true;
void [rowsAgree, insertsAgree, tableNamesAgree];
