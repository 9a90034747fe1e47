import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';

/** The gateway's tables on Postgres through drizzle (src/db/pg/schema*.ts), over a pool of the caller's. */
export type PgDb = NodePgDatabase & { readonly $client: pg.Pool };

export function pgDatabase(pool: pg.Pool): PgDb {
  return drizzle({ client: pool });
}

/** One transaction's handle: what a repository writes through when its rows must commit together. */
export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];
