/**
 * The same repository contract on both dialects: a fresh SQLite file (drizzle/ migrations) or a fresh Postgres
 * database (drizzle-postgres/ migrations) per test, on one private Postgres per test file.
 */
import { afterEach } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/db/client.js';
import { pgDatabase, type PgDb } from '../../src/db/pg/client.js';
import { makeDataRoot, ROOT } from './gateway.js';
import { migratedDatabase, postgresForFile } from './postgres.js';

/**
 * The messages a refused statement failed with, its cause's included (drizzle wraps Postgres errors). Matched by
 * text because better-sqlite3's native part keeps the error constructor of the first test file that loaded it: in
 * every later file of the same worker its errors are not `Error`s of that file's realm, and `rejects.toThrow`
 * reports "did not throw".
 */
export async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const messages: string[] = [];
    for (let e: unknown = error; typeof e === 'object' && e !== null && 'message' in e; e = 'cause' in e ? e.cause : undefined) messages.push(String(e.message));
    return messages.join(' / ');
  }
  throw new Error('the statement was not refused');
}

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

interface Common {
  /** A fixture statement in plain SQL (`?` placeholders, the same text on both): the `id` of the first row it wrote. */
  fixture(sql: string, params?: readonly unknown[]): Promise<number | undefined>;
}
export type TestDatabase = ({ readonly dialect: 'sqlite'; readonly db: Db } | { readonly dialect: 'postgres'; readonly db: PgDb }) & Common;

/** `open(dialect)` gives a migrated, empty database; everything opened is closed after each test. */
export function dialectDatabases(prefix: string): (dialect: Dialect) => Promise<TestDatabase> {
  const server = postgresForFile();
  let count = 0;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  return async (dialect) => {
    if (dialect === 'sqlite') {
      const dir = makeDataRoot(`wa-gw-${prefix}-`);
      const handle = openDatabase(path.join(dir, 'gateway.db'), path.join(ROOT, 'drizzle'));
      closers.push(async () => {
        handle.close();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      return {
        dialect,
        db: handle.db,
        fixture: async (sql, params = []) => (handle.sqlite.prepare(`${sql} RETURNING *`).get(...params) as { id?: number } | undefined)?.id,
      };
    }
    const url = await migratedDatabase(server(), `${prefix}_${++count}`);
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    closers.push(() => pool.end());
    return {
      dialect,
      db: pgDatabase(pool),
      fixture: async (sql, params = []) => {
        let n = 0;
        const rows = (await pool.query<{ id?: number | string }>(`${sql.replace(/\?/g, () => `$${++n}`)} RETURNING *`, [...params])).rows;
        return rows[0]?.id === undefined ? undefined : Number(rows[0].id);
      },
    };
  };
}
