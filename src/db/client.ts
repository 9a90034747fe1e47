import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { readonly $client: Database.Database };

export interface DatabaseHandle {
  readonly db: Db;
  /** The raw connection, for online backups and integrity checks. */
  readonly sqlite: Database.Database;
  close(): void;
}

/** Open (creating if needed) the gateway database and bring its schema up to date. */
export function openDatabase(file: string, migrationsFolder: string): DatabaseHandle {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets readers (health, backups) run beside the writer; a busy timeout covers the backup script's lock.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Up to 32 MiB of pages in memory (default 2 MiB): the conversation store's indexes are written at random
  // places (a message's chat, its WhatsApp id), and a million messages' indexes do not fit in 2 MiB.
  sqlite.pragma('cache_size = -32768');
  reuseStatements(sqlite);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return {
    db,
    sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * drizzle compiles a new SQLite statement for every query it runs (only `.prepare()`d queries are reused), and
 * that compile was a large share of each API call and send. better-sqlite3 statements are reusable, so the same
 * SQL text gets the same statement back: least recently used first out, so queries whose text varies (IN lists)
 * cannot grow it without bound. Execution is synchronous and nothing iterates, so a statement is never in use twice.
 */
function reuseStatements(sqlite: Database.Database, max = 500): void {
  const compile = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
      // drizzle switches statements to raw (array) rows; a reused one starts from the default again.
      if (statement.reader) statement.raw(false);
    } else {
      statement = compile(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, statement);
    return statement;
  }) as Database.Database['prepare'];
}
