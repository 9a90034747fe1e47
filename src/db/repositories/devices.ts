import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { DevicePatch, NewDevice } from '../ports/devices.js';
import { devices, type DeviceRow } from '../schema.js';
import { renameNumber } from './number-keys.js';

export type { DevicePatch, NewDevice } from '../ports/devices.js';

/**
 * Every device write goes through this class (the gateway is the database's only writer while it runs), so rows
 * read by number — on every request, event and send — are kept in memory and replaced on each write. Cached rows
 * are frozen: a caller that changed one would change it for everyone.
 */
export class DeviceRepository {
  private readonly byPhone;
  private readonly rows = new Map<string, Readonly<DeviceRow>>();

  constructor(private readonly db: Db) {
    this.byPhone = db.select().from(devices).where(eq(devices.phoneNumber, sql.placeholder('phoneNumber'))).prepare();
  }

  insert(device: NewDevice): DeviceRow {
    return this.remember(this.db.insert(devices).values(device).returning().get());
  }

  get(phoneNumber: string): DeviceRow | undefined {
    const cached = this.rows.get(phoneNumber);
    if (cached) return cached;
    const row = this.byPhone.get({ phoneNumber });
    return row ? this.remember(row) : undefined;
  }

  /** A number by the pending id it was created with (also after its phone was bound). */
  getByPendingId(pendingId: string): DeviceRow | undefined {
    return this.db.select().from(devices).where(eq(devices.pendingId, pendingId)).get();
  }

  list(): DeviceRow[] {
    return this.db.select().from(devices).orderBy(asc(devices.createdAt), asc(devices.phoneNumber)).all();
  }

  count(): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(devices).get()?.n ?? 0;
  }

  update(phoneNumber: string, patch: DevicePatch, now = Date.now()): DeviceRow | undefined {
    this.rows.delete(phoneNumber);
    const row = this.db
      .update(devices)
      .set({ ...patch, updatedAt: now })
      .where(eq(devices.phoneNumber, phoneNumber))
      .returning()
      .get();
    return row ? this.remember(row) : undefined;
  }

  /**
   * Give a pending number its phone: every row of it, in every table, moves to the new key in one transaction
   * (number-keys.ts); `inside` runs within it, last. The row keeps `pendingId`.
   */
  rename(from: string, to: string, now: number, inside: () => void): DeviceRow {
    this.rows.delete(from);
    this.rows.delete(to);
    renameNumber(this.db.$client, from, to, { pendingId: from, now }, inside);
    const row = this.get(to);
    if (!row) throw new Error(`number ${to} missing after its rename`);
    return row;
  }

  delete(phoneNumber: string): boolean {
    this.rows.delete(phoneNumber);
    return this.db.delete(devices).where(eq(devices.phoneNumber, phoneNumber)).run().changes > 0;
  }

  private remember(row: DeviceRow): DeviceRow {
    const frozen = Object.freeze(row);
    this.rows.set(row.phoneNumber, frozen);
    return frozen;
  }
}
