/** The journal's queries (the `events` table on Postgres, src/db/pg/schema.ts); plain SQL like the rest of the cluster. */
import type pg from 'pg';
import type { JournalEntry } from './types.js';

/** A pooled query (one statement) or a connection inside a transaction. */
type Queryable = pg.ClientBase | pg.Pool;

interface EntryRow {
  phone_number: string;
  seq: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: string;
}

// bigint comes back as text from pg; every value the journal keeps is below 2^53.
const toEntry = (row: EntryRow): JournalEntry => ({ phoneNumber: row.phone_number, seq: Number(row.seq), type: row.type, payload: row.payload, createdAt: Number(row.created_at) });

/** The newest seq of each number (0 when it has none); one index probe per number. */
export async function lastSeqs(client: Queryable, phoneNumbers: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ phone_number: string; seq: string | null }>(
    'SELECT n AS phone_number, (SELECT max(seq) FROM events e WHERE e.phone_number = n) AS seq FROM unnest($1::text[]) AS n',
    [phoneNumbers],
  );
  return new Map(rows.map((r) => [r.phone_number, r.seq === null ? 0 : Number(r.seq)]));
}

export interface NewRow {
  readonly phoneNumber: string;
  readonly seq: number;
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/** Every row of a batch in one statement; returns the database's insert time (ms) of the batch. */
export async function insertRows(client: pg.ClientBase, rows: readonly NewRow[]): Promise<number> {
  const result = await client.query<{ created_at: string }>(
    `INSERT INTO events (phone_number, seq, type, payload)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[])
     RETURNING created_at`,
    [rows.map((r) => r.phoneNumber), rows.map((r) => r.seq), rows.map((r) => r.type), rows.map((r) => JSON.stringify(r.payload))],
  );
  return Number(result.rows[0]?.created_at ?? Date.now());
}

/** Delivered with the commit, never for a rollback: one notice per number, its newest seq. */
export async function notifyNewest(client: pg.ClientBase, newest: ReadonlyMap<string, number>): Promise<void> {
  await client.query(`SELECT pg_notify('journal', json_build_object('number', n, 'seq', s)::text) FROM unnest($1::text[], $2::bigint[]) AS t(n, s)`, [
    [...newest.keys()],
    [...newest.values()],
  ]);
}

/**
 * For many numbers at once, the rows after each one's seq (at most `limit` per number), in seq order per number:
 * one query per wake-up of a node's reader, however many numbers it follows.
 */
export async function rowsAfterEach(client: Queryable, after: ReadonlyMap<string, number>, limit: number): Promise<JournalEntry[]> {
  const { rows } = await client.query<EntryRow>(
    `SELECT e.phone_number, e.seq, e.type, e.payload, e.created_at
     FROM unnest($1::text[], $2::bigint[]) AS f(n, last)
     CROSS JOIN LATERAL (SELECT * FROM events WHERE phone_number = f.n AND seq > f.last ORDER BY seq LIMIT $3) AS e
     ORDER BY e.phone_number, e.seq`,
    [[...after.keys()], [...after.values()], limit],
  );
  return rows.map(toEntry);
}
