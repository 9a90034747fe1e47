/**
 * Several gateways' stores on one Postgres database (what distributed mode shares): a private Postgres per test
 * file, a fresh migrated database per call, and what a test opens closed after it.
 */
import { afterEach } from '@jest/globals';
import pg from 'pg';
import { ChangeFeed } from '../../src/cluster/change-feed.js';
import { connectClient } from '../../src/cluster/pool.js';
import { pgDatabase, type PgDb } from '../../src/db/pg/client.js';
import type { Listenable } from '../../src/lib/typed-emitter.js';
import { migratedDatabase, postgresForFile } from './postgres.js';

export interface SharedDatabase {
  readonly url: string;
  /** A gateway's own pool (and drizzle over it) on the shared database. */
  pool(name: string): { pool: pg.Pool; db: PgDb };
  /** A gateway's change feed on it, not started yet. */
  feed(name: string): ChangeFeed;
  /** Run after the test, last registered first. */
  onClose(close: () => Promise<void>): void;
}

export function sharedDatabases(prefix: string): () => Promise<SharedDatabase> {
  const server = postgresForFile();
  let count = 0;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  return async () => {
    const url = await migratedDatabase(server(), `${prefix}_${++count}`);
    return {
      url,
      pool: (name) => {
        const pool = new pg.Pool({ connectionString: url, max: 3, application_name: `test:${name}` });
        closers.push(() => pool.end());
        return { pool, db: pgDatabase(pool) };
      },
      feed: (name) => {
        const feed = new ChangeFeed(() => connectClient(url, 5000, `test:${name}:changes`), 100);
        closers.push(() => feed.stop());
        return feed;
      },
      onClose: (close) => void closers.push(close),
    };
  };
}

/** The next `event` the emitter announces that `matches` (a change that arrived through the feed). */
export function nextEvent<E extends Record<string, unknown>, K extends keyof E & string>(events: Listenable<E>, event: K, matches: (payload: E[K]) => boolean = () => true): Promise<E[K]> {
  return new Promise((resolve) => {
    const off = events.on(event, (payload) => {
      if (!matches(payload)) return;
      off();
      resolve(payload);
    });
  });
}
