import { and, asc, desc, eq, gt, lte, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { JournalHistory } from '../../ports/journal.js';
import type { EventRow } from '../../schema.js';
import { events } from '../schema.js';
import { unstorable } from '../text.js';

/** The journal's history on Postgres: any node reads it (resume after moving to another node) and may prune it. */
export class PgJournalHistory implements JournalHistory {
  constructor(private readonly db: NodePgDatabase) {}

  async lastSeq(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    const [row] = await this.db.select({ seq: sql<string | null>`max(${events.seq})` }).from(events).where(eq(events.phoneNumber, phoneNumber));
    return Number(row?.seq ?? 0);
  }

  async firstSeq(phoneNumber: string): Promise<number | null> {
    if (unstorable(phoneNumber)) return null;
    const [row] = await this.db.select({ seq: sql<string | null>`min(${events.seq})` }).from(events).where(eq(events.phoneNumber, phoneNumber));
    return row?.seq == null ? null : Number(row.seq);
  }

  async after(phoneNumber: string, since: number, limit: number): Promise<EventRow[]> {
    if (unstorable(phoneNumber)) return [];
    return (await this.db
      .select()
      .from(events)
      .where(and(eq(events.phoneNumber, phoneNumber), gt(events.seq, since)))
      .orderBy(asc(events.seq))
      .limit(limit)) as EventRow[];
  }

  async newestAfter(phoneNumber: string, since: number, limit: number, upTo?: number): Promise<EventRow[]> {
    if (unstorable(phoneNumber)) return [];
    const rows = await this.db
      .select()
      .from(events)
      .where(and(eq(events.phoneNumber, phoneNumber), gt(events.seq, since), upTo === undefined ? undefined : lte(events.seq, upTo)))
      .orderBy(desc(events.seq))
      .limit(limit);
    return (rows as EventRow[]).reverse();
  }

  async countAfter(phoneNumber: string, since: number): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    const [row] = await this.db
      .select({ n: sql<string>`count(*)` })
      .from(events)
      .where(and(eq(events.phoneNumber, phoneNumber), gt(events.seq, since)));
    return Number(row?.n ?? 0);
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    return (await this.db.delete(events).where(eq(events.phoneNumber, phoneNumber))).rowCount ?? 0;
  }

  /** Never touches a number's newest row, which is all an appender reads: safe beside every node's appends. */
  async prune(before: number): Promise<number> {
    const result = await this.db.execute(
      sql`DELETE FROM events e WHERE e.created_at < ${before} AND e.seq < (SELECT max(e2.seq) FROM events e2 WHERE e2.phone_number = e.phone_number)`,
    );
    return result.rowCount ?? 0;
  }
}
