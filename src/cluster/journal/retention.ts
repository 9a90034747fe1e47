import type pg from 'pg';

/**
 * Forget journal rows older than `before` (ms), except each number's newest: it carries the seq on, so the next
 * append still follows it and a client's last seq keeps its meaning (as single-host mode prunes). Any node may run
 * it: it never touches a number's newest row, which is all an appender reads.
 */
export async function pruneJournal(pool: pg.Pool, before: number): Promise<number> {
  const result = await pool.query(
    `DELETE FROM events e WHERE e.created_at < $1
       AND e.seq < (SELECT max(e2.seq) FROM events e2 WHERE e2.phone_number = e.phone_number)`,
    [before],
  );
  return result.rowCount ?? 0;
}
