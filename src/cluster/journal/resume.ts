import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { PgJournalHistory } from '../../db/pg/repositories/journal-history.js';
import type { EventRow } from '../../db/schema.js';
import type { JournalEntry } from './types.js';

export interface JournalReplay {
  readonly entries: JournalEntry[];
  /** The number's newest seq (0: none). */
  readonly lastSeq: number;
  /** True when entries after `since` are left out (older than the window, or pruned). */
  readonly truncated: boolean;
}

const toEntry = ({ phoneNumber, seq, type, payload, createdAt }: EventRow): JournalEntry => ({ phoneNumber, seq, type, payload, createdAt });

/**
 * Resume from Postgres, on any node (DM-22): the newest `limit` entries after a client's last seq, oldest first,
 * as single-host mode's journal replays them. `upTo` ends the replay where a live stream (JournalFanout.position)
 * takes over, so a client joining both gets every entry once.
 */
export async function replayJournal(pool: pg.Pool, phoneNumber: string, since: number, limit: number, upTo?: number): Promise<JournalReplay> {
  const history = new PgJournalHistory(drizzle({ client: pool }));
  const lastSeq = await history.lastSeq(phoneNumber);
  const end = Math.min(lastSeq, upTo ?? lastSeq);
  if (since >= end) return { entries: [], lastSeq, truncated: false };
  const entries = (await history.newestAfter(phoneNumber, since, limit, end)).map(toEntry);
  const first = entries[0]?.seq ?? end + 1;
  return { entries, lastSeq, truncated: first > since + 1 };
}

/** Oldest first after `since`: paging through a number's history beyond the replay window. */
export async function pageJournal(pool: pg.Pool, phoneNumber: string, since: number, limit: number): Promise<JournalEntry[]> {
  return (await new PgJournalHistory(drizzle({ client: pool })).after(phoneNumber, since, limit)).map(toEntry);
}
