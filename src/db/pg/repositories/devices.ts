import { asc, eq, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { errors } from '../../../domain/errors.js';
import type { AuditLink } from '../../ports/audit.js';
import type { DevicePatch, DeviceStore, NewDevice } from '../../ports/devices.js';
import type { DeviceRow } from '../../schema.js';
import { isUniqueViolation } from '../../unique.js';
import type { PgExec } from '../client.js';
import { devices } from '../schema.js';
import { withAuditPg } from './audit-append.js';
import { pgTexts, unstorable } from '../text.js';

/**
 * The numbers' rows on Postgres, over a pool or one transaction's connection (a fenced write). Free text (a name,
 * an error a child printed) is stored without U+0000.
 */
export class PgDeviceRepository implements DeviceStore {
  constructor(private readonly db: NodePgDatabase) {}

  async insert(device: NewDevice): Promise<DeviceRow> {
    try {
      const [row] = await this.db.insert(devices).values(pgTexts(device)).returning();
      return row as DeviceRow;
    } catch (err) {
      throw isUniqueViolation(err) ? errors.deviceExists(device.phoneNumber) : err;
    }
  }

  async get(phoneNumber: string): Promise<DeviceRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db.select().from(devices).where(eq(devices.phoneNumber, phoneNumber));
    return row;
  }

  async getByPendingId(pendingId: string): Promise<DeviceRow | undefined> {
    if (unstorable(pendingId)) return undefined;
    const [row] = await this.db.select().from(devices).where(eq(devices.pendingId, pendingId));
    return row;
  }

  async list(): Promise<DeviceRow[]> {
    return this.db.select().from(devices).orderBy(asc(devices.createdAt), asc(devices.phoneNumber));
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: sql<string>`count(*)` }).from(devices);
    return Number(row?.n ?? 0);
  }

  async update(phoneNumber: string, patch: DevicePatch, now: number, audit?: AuditLink): Promise<DeviceRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const write = async (db: PgExec): Promise<DeviceRow | undefined> => {
      const [row] = await db
        .update(devices)
        .set({ ...pgTexts(patch), updatedAt: now })
        .where(eq(devices.phoneNumber, phoneNumber))
        .returning();
      return row;
    };
    return audit ? withAuditPg(this.db, audit, write) : write(this.db);
  }

  async delete(phoneNumber: string): Promise<boolean> {
    if (unstorable(phoneNumber)) return false;
    return ((await this.db.delete(devices).where(eq(devices.phoneNumber, phoneNumber))).rowCount ?? 0) > 0;
  }
}
