import { and, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client.js';
import { events, messages } from '../schema.js';

export interface MinuteCounts {
  /** Start of the minute (ms). */
  readonly minute: number;
  readonly sent: number;
  readonly delivered: number;
  readonly received: number;
}

/** Messages sent, delivered and received per minute for one number, from the outbox and the event journal. */
export class ActivityRepository {
  constructor(private readonly db: Db) {}

  perMinute(phoneNumber: string, since: number): MinuteCounts[] {
    const byMinute = new Map<number, { sent: number; delivered: number; received: number }>();
    const add = (key: 'sent' | 'delivered' | 'received', rows: { minute: number; n: number }[]) => {
      for (const { minute, n } of rows) {
        const at = minute * 60_000;
        const entry = byMinute.get(at) ?? { sent: 0, delivered: 0, received: 0 };
        entry[key] += n;
        byMinute.set(at, entry);
      }
    };
    add('sent', this.count(messages.sentAt, and(eq(messages.phoneNumber, phoneNumber), gte(messages.sentAt, since))));
    add('delivered', this.count(messages.deliveredAt, and(eq(messages.phoneNumber, phoneNumber), gte(messages.deliveredAt, since))));
    add('received', this.count(events.createdAt, and(eq(events.phoneNumber, phoneNumber), eq(events.type, 'message'), gte(events.createdAt, since)), events));
    return [...byMinute.entries()].sort(([a], [b]) => a - b).map(([minute, counts]) => ({ minute, ...counts }));
  }

  private count(column: SQLiteColumn, where: SQL | undefined, table: typeof messages | typeof events = messages): { minute: number; n: number }[] {
    const minute = sql<number>`${column} / 60000`;
    return this.db.select({ minute, n: sql<number>`count(*)` }).from(table).where(where).groupBy(minute).all();
  }
}
