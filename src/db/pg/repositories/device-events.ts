import { and, desc, eq, lt } from 'drizzle-orm';
import type { DeviceEventInput, DeviceEventStore } from '../../ports/devices.js';
import type { DeviceEventRow } from '../../schema.js';
import type { PgDb } from '../client.js';
import { deviceEvents } from '../schema.js';
import { pgText, unstorable } from '../text.js';

/** A number's history on Postgres: append-only, like SQLite's. */
export class PgDeviceEventRepository implements DeviceEventStore {
  constructor(private readonly db: PgDb) {}

  async append(event: DeviceEventInput, now: number): Promise<DeviceEventRow> {
    const [row] = await this.db
      .insert(deviceEvents)
      .values({ ...event, type: pgText(event.type), fromState: pgText(event.fromState), toState: pgText(event.toState), createdAt: now })
      .returning();
    return row as DeviceEventRow;
  }

  async page(phoneNumber: string, beforeId: number | null, limit: number): Promise<DeviceEventRow[]> {
    if (unstorable(phoneNumber)) return [];
    const where = beforeId === null ? eq(deviceEvents.phoneNumber, phoneNumber) : and(eq(deviceEvents.phoneNumber, phoneNumber), lt(deviceEvents.id, beforeId));
    return this.db.select().from(deviceEvents).where(where).orderBy(desc(deviceEvents.id)).limit(limit);
  }
}
