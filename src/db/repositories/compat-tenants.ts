import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { compatTenants, type CompatTenantRow } from '../schema.js';

export type NewTenant = Pick<CompatTenantRow, 'tenantId' | 'phoneNumber' | 'flaskUrl' | 'empresaIdType'>;

/** The legacy API's tenant → number map. */
export class CompatTenantRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewTenant): CompatTenantRow {
    return this.db.insert(compatTenants).values(row).returning().get();
  }

  get(tenantId: string): CompatTenantRow | undefined {
    return this.db.select().from(compatTenants).where(eq(compatTenants.tenantId, tenantId)).get();
  }

  byNumber(phoneNumber: string): CompatTenantRow | undefined {
    return this.db.select().from(compatTenants).where(eq(compatTenants.phoneNumber, phoneNumber)).get();
  }

  /** Oldest first (the order the legacy server listed them in: creation). */
  list(): CompatTenantRow[] {
    return this.db.select().from(compatTenants).orderBy(asc(compatTenants.createdAt), asc(compatTenants.tenantId)).all();
  }

  delete(tenantId: string): void {
    this.db.delete(compatTenants).where(eq(compatTenants.tenantId, tenantId)).run();
  }

  deleteForNumber(phoneNumber: string): void {
    this.db.delete(compatTenants).where(eq(compatTenants.phoneNumber, phoneNumber)).run();
  }
}
