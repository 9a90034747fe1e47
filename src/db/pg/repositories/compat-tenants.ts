import { eq, sql } from 'drizzle-orm';
import type { CompatTenantStore, NewTenant } from '../../ports/compat-tenants.js';
import type { CompatTenantRow } from '../../schema-compat.js';
import type { PgDb } from '../client.js';
import { compatTenants } from '../schema-compat.js';
import { pgTexts, unstorable } from '../text.js';

/** The legacy API's tenants on Postgres; one tenant per id and per number across gateways by the table's keys. */
export class PgCompatTenantRepository implements CompatTenantStore {
  constructor(private readonly db: PgDb) {}

  async insert(row: NewTenant): Promise<CompatTenantRow> {
    const [inserted] = await this.db.insert(compatTenants).values(pgTexts(row)).returning();
    return inserted as CompatTenantRow;
  }

  async get(tenantId: string): Promise<CompatTenantRow | undefined> {
    if (unstorable(tenantId)) return undefined;
    const [row] = await this.db.select().from(compatTenants).where(eq(compatTenants.tenantId, tenantId));
    return row;
  }

  async byNumber(phoneNumber: string): Promise<CompatTenantRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db.select().from(compatTenants).where(eq(compatTenants.phoneNumber, phoneNumber));
    return row;
  }

  /** Ids in byte order, as SQLite compares them (a locale collation would sort `a-1` and `a1` otherwise). */
  async list(): Promise<CompatTenantRow[]> {
    return this.db.select().from(compatTenants).orderBy(compatTenants.createdAt, sql`${compatTenants.tenantId} COLLATE "C"`);
  }

  async delete(tenantId: string): Promise<boolean> {
    if (unstorable(tenantId)) return false;
    return ((await this.db.delete(compatTenants).where(eq(compatTenants.tenantId, tenantId))).rowCount ?? 0) > 0;
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    if (unstorable(phoneNumber)) return 0;
    return (await this.db.delete(compatTenants).where(eq(compatTenants.phoneNumber, phoneNumber))).rowCount ?? 0;
  }
}
