import { and, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client.js';
import { mergeMinutes, type ActivityStore, type MinuteCounts } from '../ports/activity.js';
import { events, messages } from '../schema.js';

export type { MinuteCounts } from '../ports/activity.js';

/** Per-minute message counts on SQLite. */
export class ActivityRepository implements ActivityStore {
  constructor(private readonly db: Db) {}

  async perMinute(phoneNumber: string, since: number): Promise<MinuteCounts[]> {
    return mergeMinutes({
      sent: this.count(messages.sentAt, and(eq(messages.phoneNumber, phoneNumber), gte(messages.sentAt, since))),
      delivered: this.count(messages.deliveredAt, and(eq(messages.phoneNumber, phoneNumber), gte(messages.deliveredAt, since))),
      received: this.count(events.createdAt, and(eq(events.phoneNumber, phoneNumber), eq(events.type, 'message'), gte(events.createdAt, since)), events),
    });
  }

  private count(column: SQLiteColumn, where: SQL | undefined, table: typeof messages | typeof events = messages): { minute: number; n: number }[] {
    const minute = sql<number>`${column} / 60000`;
    return this.db.select({ minute, n: sql<number>`count(*)` }).from(table).where(where).groupBy(minute).all();
  }
}
