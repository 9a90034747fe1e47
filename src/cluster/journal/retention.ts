import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { PgJournalHistory } from '../../db/pg/repositories/journal-history.js';

/**
 * Forget journal rows older than `before` (ms), except each number's newest: it carries the seq on, so the next
 * append still follows it and a client's last seq keeps its meaning (as single-host mode prunes). Any node may run it.
 */
export function pruneJournal(pool: pg.Pool, before: number): Promise<number> {
  return new PgJournalHistory(drizzle({ client: pool })).prune(before);
}
