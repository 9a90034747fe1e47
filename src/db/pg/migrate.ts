import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

/** Any fixed key: nodes starting together take turns, so two never run the same migration at once. */
const MIGRATION_LOCK = 7_240_118_018;

/**
 * Bring the Postgres schema up to date (drizzle's pg migrator over drizzle-postgres/). Runs on a connection of its
 * own, not the cluster pool: migrations may take longer than the pool's short statement timeout, and the
 * session-level advisory lock needs one connection from lock to unlock.
 */
export async function migratePostgres(client: pg.Client, migrationsFolder: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
