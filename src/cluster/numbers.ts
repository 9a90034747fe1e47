import type pg from 'pg';

/**
 * Put numbers under the cluster's ownership (one `assignments` row each, unowned): the claim loops of the nodes
 * share them out. Existing rows are left as they are. Phone numbers and pending ids are checked by the caller.
 * Returns how many were new.
 */
export async function addNumbers(pool: pg.Pool, phoneNumbers: readonly string[], options: { desiredState?: 'running' | 'stopped' } = {}): Promise<number> {
  if (phoneNumbers.length === 0) return 0;
  // Postgres folds identical notifications of one transaction into one.
  const result = await pool.query<{ added: number }>(
    `WITH added AS (
       INSERT INTO assignments (phone_number, desired_state) SELECT unnest($1::text[]), $2
       ON CONFLICT (phone_number) DO NOTHING RETURNING phone_number)
     SELECT count(*)::int AS added FROM (SELECT pg_notify('ownership', '{"kind":"added"}') FROM added) notified`,
    [phoneNumbers, options.desiredState ?? 'running'],
  );
  return result.rows[0]?.added ?? 0;
}
