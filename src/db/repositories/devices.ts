import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { devices, type DeviceRow } from '../schema.js';

export type NewDevice = typeof devices.$inferInsert;
export type DevicePatch = Partial<Omit<DeviceRow, 'phoneNumber' | 'createdAt' | 'updatedAt'>>;

export class DeviceRepository {
  /** Read on every request, event and send: built once (drizzle's query building cost more than SQLite's lookup). */
  private readonly byPhone;

  constructor(private readonly db: Db) {
    this.byPhone = db.select().from(devices).where(eq(devices.phoneNumber, sql.placeholder('phoneNumber'))).prepare();
  }

  insert(device: NewDevice): DeviceRow {
    return this.db.insert(devices).values(device).returning().get();
  }

  get(phoneNumber: string): DeviceRow | undefined {
    return this.byPhone.get({ phoneNumber });
  }

  list(): DeviceRow[] {
    return this.db.select().from(devices).orderBy(asc(devices.createdAt)).all();
  }

  listByOwner(ownerId: number): DeviceRow[] {
    return this.db.select().from(devices).where(eq(devices.ownerId, ownerId)).orderBy(asc(devices.createdAt)).all();
  }

  count(): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(devices).get()?.n ?? 0;
  }

  update(phoneNumber: string, patch: DevicePatch): DeviceRow | undefined {
    return this.db
      .update(devices)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(devices.phoneNumber, phoneNumber))
      .returning()
      .get();
  }

  delete(phoneNumber: string): boolean {
    return this.db.delete(devices).where(eq(devices.phoneNumber, phoneNumber)).run().changes > 0;
  }
}
