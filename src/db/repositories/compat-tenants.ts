import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { CompatTenantStore, NewTenant } from '../ports/compat-tenants.js';
import { compatTenants, type CompatTenantRow } from '../schema.js';

export type { NewTenant } from '../ports/compat-tenants.js';

/**
 * The legacy API's tenant → number map on SQLite. Nothing on the per-message path reads it (the compat layer keeps
 * the tenants in memory), so it is the port itself, synchronous underneath.
 */
export class CompatTenantRepository implements CompatTenantStore {
  constructor(private readonly db: Db) {}

  async insert(row: NewTenant): Promise<CompatTenantRow> {
    return this.db.insert(compatTenants).values(row).returning().get();
  }

  async get(tenantId: string): Promise<CompatTenantRow | undefined> {
    return this.db.select().from(compatTenants).where(eq(compatTenants.tenantId, tenantId)).get();
  }

  async byNumber(phoneNumber: string): Promise<CompatTenantRow | undefined> {
    return this.db.select().from(compatTenants).where(eq(compatTenants.phoneNumber, phoneNumber)).get();
  }

  async list(): Promise<CompatTenantRow[]> {
    return this.db.select().from(compatTenants).orderBy(asc(compatTenants.createdAt), asc(compatTenants.tenantId)).all();
  }

  async delete(tenantId: string): Promise<boolean> {
    return this.db.delete(compatTenants).where(eq(compatTenants.tenantId, tenantId)).run().changes > 0;
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    return this.db.delete(compatTenants).where(eq(compatTenants.phoneNumber, phoneNumber)).run().changes;
  }
}
