import { and, asc, desc, eq, gt, lt, lte, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { Db } from '../client.js';
import { events, type EventRow } from '../schema.js';

export interface NewEvent {
  readonly phoneNumber: string;
  readonly seq: number;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: number;
}

/**
 * The per-number event journal behind gap-free resume. Sequence numbers only grow: pruning always keeps the
 * newest row of each number, so `max(seq)` never goes back and a client's "since" stays meaningful.
 */
export class EventRepository {
  /**
   * Every event runs the insert: a plain better-sqlite3 statement (drizzle's prepared query still spent as much
   * filling in its parameters as SQLite spent storing the row); max(seq) once per number, built once too.
   */
  private readonly maxSeq;
  private readonly insertOne: Database.Statement<[string, number, string, string, number]>;

  constructor(private readonly db: Db) {
    const param = (name: keyof NewEvent) => sql.placeholder(name);
    this.maxSeq = db.select({ seq: sql<number | null>`max(${events.seq})` }).from(events).where(eq(events.phoneNumber, param('phoneNumber'))).prepare();
    this.insertOne = db.$client.prepare('INSERT INTO events (phone_number, seq, type, payload, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  lastSeq(phoneNumber: string): number {
    return this.maxSeq.get({ phoneNumber })?.seq ?? 0;
  }

  firstSeq(phoneNumber: string): number | null {
    return this.db.select({ seq: sql<number | null>`min(${events.seq})` }).from(events).where(eq(events.phoneNumber, phoneNumber)).get()?.seq ?? null;
  }

  insert(event: NewEvent): void {
    this.insertOne.run(event.phoneNumber, event.seq, event.type, JSON.stringify(event.payload), event.createdAt);
  }

  /** Events after `since`, oldest first, at most `limit`. */
  after(phoneNumber: string, since: number, limit: number): EventRow[] {
    return this.db
      .select()
      .from(events)
      .where(and(eq(events.phoneNumber, phoneNumber), gt(events.seq, since)))
      .orderBy(asc(events.seq))
      .limit(limit)
      .all();
  }

  /** The newest `limit` events after `since` (and up to `upTo`), oldest first (the window a late client can still catch up on). */
  newestAfter(phoneNumber: string, since: number, limit: number, upTo?: number): EventRow[] {
    return this.db
      .select()
      .from(events)
      .where(and(eq(events.phoneNumber, phoneNumber), gt(events.seq, since), upTo === undefined ? undefined : lte(events.seq, upTo)))
      .orderBy(desc(events.seq))
      .limit(limit)
      .all()
      .reverse();
  }

  countAfter(phoneNumber: string, since: number): number {
    return (
      this.db
        .select({ n: sql<number>`count(*)` })
        .from(events)
        .where(and(eq(events.phoneNumber, phoneNumber), gt(events.seq, since)))
        .get()?.n ?? 0
    );
  }

  /** A number was unregistered: its history must not reach whoever registers the number next. */
  deleteForNumber(phoneNumber: string): number {
    return this.db.delete(events).where(eq(events.phoneNumber, phoneNumber)).run().changes;
  }

  /** Delete events older than `before`, except the newest of each number (it carries the sequence forward). */
  prune(before: number): number {
    return this.db
      .delete(events)
      .where(
        and(
          lt(events.createdAt, before),
          sql`${events.seq} < (select max(e2.seq) from ${events} e2 where e2.phone_number = ${events.phoneNumber})`,
        ),
      )
      .run().changes;
  }
}
