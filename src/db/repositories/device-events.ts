import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { DeviceEventInput } from '../ports/devices.js';
import { deviceEvents, type DeviceEventRow } from '../schema.js';

export type { DeviceEventInput } from '../ports/devices.js';

/** Append-only: rows are never updated, so the history of a number can be trusted in a post-mortem. */
export class DeviceEventRepository {
  constructor(private readonly db: Db) {}

  append(event: DeviceEventInput, now?: number): DeviceEventRow {
    return this.db
      .insert(deviceEvents)
      .values(now === undefined ? event : { ...event, createdAt: now })
      .returning()
      .get();
  }

  recent(phoneNumber: string, limit: number): DeviceEventRow[] {
    return this.db
      .select()
      .from(deviceEvents)
      .where(eq(deviceEvents.phoneNumber, phoneNumber))
      .orderBy(desc(deviceEvents.id))
      .limit(limit)
      .all();
  }

  /** Newest first, older than `beforeId` when given (paging back through a number's history). */
  page(phoneNumber: string, beforeId: number | null, limit: number): DeviceEventRow[] {
    const where = beforeId === null ? eq(deviceEvents.phoneNumber, phoneNumber) : and(eq(deviceEvents.phoneNumber, phoneNumber), lt(deviceEvents.id, beforeId));
    return this.db.select().from(deviceEvents).where(where).orderBy(desc(deviceEvents.id)).limit(limit).all();
  }
}
