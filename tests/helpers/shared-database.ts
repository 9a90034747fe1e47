/**
 * Several gateways' stores on one Postgres database (what distributed mode shares): a private Postgres per test
 * file, a fresh migrated database per call, and what a test opens closed after it.
 */
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import path from 'node:path';
import pg from 'pg';
import { ChangeFeed } from '../../src/cluster/change-feed.js';
import { connectClient } from '../../src/cluster/pool.js';
import { pgDatabase, type PgDb } from '../../src/db/pg/client.js';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import type { Listenable } from '../../src/lib/typed-emitter.js';
import { ROOT } from './gateway.js';
import { POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from './postgres.js';

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
  let server: TestPostgres | null = null;
  let count = 0;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  return async () => {
    if (!server) throw new Error('Postgres not started');
    const url = await server.createDatabase(`${prefix}_${++count}`);
    const migrator = await connectClient(url, 5000, 'test:migrate');
    try {
      await migratePostgres(migrator, path.join(ROOT, 'drizzle-postgres'));
    } finally {
      await migrator.end();
    }
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
