import { and, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { mergeMinutes, type ActivityStore, type MinuteCounts } from '../../ports/activity.js';
import type { PgDb } from '../client.js';
import { events, messages } from '../schema.js';
import { unstorable } from '../text.js';

/** Per-minute message counts on Postgres: bigint ÷ bigint truncates like SQLite's integer division; counts read as numbers. */
export class PgActivityRepository implements ActivityStore {
  constructor(private readonly db: PgDb) {}

  async perMinute(phoneNumber: string, since: number): Promise<MinuteCounts[]> {
    if (unstorable(phoneNumber)) return [];
    const [sent, delivered, received] = await Promise.all([
      this.count(messages.sentAt, and(eq(messages.phoneNumber, phoneNumber), gte(messages.sentAt, since)), messages),
      this.count(messages.deliveredAt, and(eq(messages.phoneNumber, phoneNumber), gte(messages.deliveredAt, since)), messages),
      this.count(events.createdAt, and(eq(events.phoneNumber, phoneNumber), eq(events.type, 'message'), gte(events.createdAt, since)), events),
    ]);
    return mergeMinutes({ sent, delivered, received });
  }

  private async count(column: PgColumn, where: SQL | undefined, table: typeof messages | typeof events): Promise<{ minute: number; n: number }[]> {
    const minute = sql`${column} / 60000`;
    const rows = await this.db
      .select({ minute: sql<string>`${minute}`, n: sql<string>`count(*)` })
      .from(table)
      .where(where)
      .groupBy(minute);
    return rows.map((r) => ({ minute: Number(r.minute), n: Number(r.n) }));
  }
}
