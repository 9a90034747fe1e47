/**
 * The drizzle tables of both dialects, and each table described in terms both dialects share (a "shape"), so a
 * test can compare an SQLite table with its Postgres twin, or a drizzle table with what a migration built.
 */
import { is, SQL, type Column } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgDialect, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteSyncDialect, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as pgAccess from '../../src/db/pg/schema-access.js';
import * as pgCluster from '../../src/db/pg/schema-cluster.js';
import { now as pgNow } from '../../src/db/pg/schema-common.js';
import * as pgMain from '../../src/db/pg/schema.js';
import * as sqliteAccess from '../../src/db/schema-access.js';
import { now as sqliteNow } from '../../src/db/schema-common.js';
import * as sqliteMain from '../../src/db/schema.js';

/** Every module the drizzle-kit configs read (drizzle.config.ts, drizzle.postgres.config.ts). */
export const SQLITE_MODULES = [sqliteMain, sqliteAccess] as const;
export const PG_GATEWAY_MODULES = [pgMain, pgAccess] as const;
export const PG_MODULES = [...PG_GATEWAY_MODULES, pgCluster] as const;

function collect<T>(modules: readonly object[], isTable: (value: unknown) => value is T, name: (table: T) => string): Map<string, T> {
  const found = new Map<string, T>();
  for (const mod of modules) for (const value of Object.values(mod)) if (isTable(value)) found.set(name(value), value);
  return found;
}

export const sqliteTables = (modules: readonly object[] = SQLITE_MODULES): Map<string, SQLiteTable> =>
  collect(modules, (v): v is SQLiteTable => is(v, SQLiteTable), (t) => sqliteConfig(t).name);
export const pgTables = (modules: readonly object[] = PG_MODULES): Map<string, PgTable> => collect(modules, (v): v is PgTable => is(v, PgTable), (t) => pgConfig(t).name);

/** A column as both dialects can state it. `type` is the value's meaning; `default` is `now`, `generated`, a literal or `sql:…`. */
export interface ColumnShape {
  readonly type: string;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly default: string | null;
  /** The unique constraint's name, for a column declared `.unique()`. */
  readonly unique: string | null;
}

export interface IndexShape {
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** A partial index's condition, lower case, without spaces, parentheses or casts (Postgres adds them). */
  readonly where: string | null;
}

export interface TableShape {
  readonly columns: Readonly<Record<string, ColumnShape>>;
  /** Composite primary keys (a single-column one is on its column). */
  readonly primaryKeys: readonly (readonly string[])[];
  readonly indexes: Readonly<Record<string, IndexShape>>;
  readonly uniques: Readonly<Record<string, readonly string[]>>;
  /** `columns → table(columns) on delete …`, sorted. */
  readonly foreignKeys: readonly string[];
  readonly checks: readonly string[];
}

/** SQLite's column class → the meaning; Postgres's class for the same meaning (src/db/pg/schema-common.ts). */
const SQLITE_TYPES: Record<string, string> = { SQLiteInteger: 'integer', SQLiteBoolean: 'boolean', SQLiteTextJson: 'json', SQLiteText: 'text' };
const PG_TYPES: Record<string, string> = { PgBigInt53: 'integer', PgBoolean: 'boolean', PgJson: 'json', PgText: 'text' };

export const normalizeCondition = (text: string): string =>
  text
    .toLowerCase()
    .replace(/::[a-z_]+/g, '')
    .replace(/[\s()]/g, '');

interface Dialect {
  readonly types: Record<string, string>;
  render(sql: SQL): string;
  readonly now: string;
  generated(column: Column): boolean;
}

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();
const SQLITE: Dialect = {
  types: SQLITE_TYPES,
  render: (sql) => sqliteDialect.sqlToQuery(sql).sql,
  now: sqliteDialect.sqlToQuery(sqliteNow).sql,
  generated: (column) => (column as Column & { autoIncrement?: boolean }).autoIncrement === true,
};
const PG: Dialect = {
  types: PG_TYPES,
  render: (sql) => pgDialect.sqlToQuery(sql).sql,
  now: pgDialect.sqlToQuery(pgNow).sql,
  generated: (column) => (column as Column & { generatedIdentity?: unknown }).generatedIdentity !== undefined,
};

function columnShape(column: Column, dialect: Dialect): ColumnShape {
  let value: string | null = null;
  if (dialect.generated(column)) value = 'generated';
  // SQLite's rowid alias: an `integer primary key` gets a value when left out; the gateway never leaves one out
  // (its keys are time-ordered or another table's), and Postgres gives a plain key none.
  else if (column.primary && column.hasDefault && column.default === undefined && !column.defaultFn) value = null;
  else if (column.defaultFn) value = 'function';
  else if (column.hasDefault) {
    const given: unknown = column.default;
    if (is(given, SQL)) {
      const text = dialect.render(given);
      value = text === dialect.now ? 'now' : `sql:${text}`;
    } else value = JSON.stringify(given);
  }
  return {
    type: dialect.types[column.columnType] ?? `unmapped ${column.columnType}`,
    notNull: column.notNull,
    primaryKey: column.primary,
    default: value,
    unique: column.isUnique ? (column.uniqueName ?? '') : null,
  };
}

interface AnyConfig {
  readonly columns: readonly Column[];
  readonly primaryKeys: readonly { readonly columns: readonly Column[] }[];
  readonly indexes: readonly { readonly config: { readonly name?: string; readonly columns: readonly unknown[]; readonly unique?: boolean; readonly where?: SQL } }[];
  readonly uniqueConstraints: readonly { readonly name?: string; readonly columns: readonly Column[] }[];
  readonly foreignKeys: readonly { readonly onDelete?: string; readonly onUpdate?: string; reference(): { columns: readonly Column[]; foreignColumns: readonly Column[]; foreignTable: object } }[];
  readonly checks: readonly { readonly name: string }[];
}

const names = (columns: readonly unknown[]): string[] => columns.map((c) => (is(c, SQL) ? 'expression' : (c as Column).name));

function shape(config: AnyConfig, dialect: Dialect, tableName: (table: object) => string): TableShape {
  return {
    columns: Object.fromEntries(config.columns.map((c) => [c.name, columnShape(c, dialect)])),
    primaryKeys: config.primaryKeys.map((pk) => names(pk.columns)),
    indexes: Object.fromEntries(
      config.indexes.map(({ config: i }) => [i.name ?? '', { columns: names(i.columns), unique: i.unique === true, where: i.where ? normalizeCondition(dialect.render(i.where)) : null }]),
    ),
    uniques: Object.fromEntries(config.uniqueConstraints.map((u) => [u.name ?? '', names(u.columns)])),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return `${names(ref.columns).join(',')} → ${tableName(ref.foreignTable)}(${names(ref.foreignColumns).join(',')}) on delete ${fk.onDelete ?? 'no action'} on update ${fk.onUpdate ?? 'no action'}`;
      })
      .sort(),
    checks: config.checks.map((c) => c.name).sort(),
  };
}

export const sqliteShape = (table: SQLiteTable): TableShape => shape(sqliteConfig(table), SQLITE, (t) => sqliteConfig(t as SQLiteTable).name);
export const pgShape = (table: PgTable): TableShape => shape(pgConfig(table), PG, (t) => pgConfig(t as PgTable).name);
