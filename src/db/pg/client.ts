import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type pg from 'pg';

/** The gateway's tables on Postgres through drizzle (src/db/pg/schema*.ts), over a pool of the caller's. */
export type PgDb = NodePgDatabase & { readonly $client: pg.Pool };

export function pgDatabase(pool: pg.Pool): PgDb {
  return drizzle({ client: pool });
}

/** One transaction's handle: what a repository writes through when its rows must commit together. */
export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];

/**
 * Where a repository's statements run: the pool (each statement on its own) or one transaction's handle, so a
 * write side can be bound to the transaction that journals an event (the turn writer's Postgres twin).
 */
export type PgExec = PgDatabase<NodePgQueryResultHKT>;
