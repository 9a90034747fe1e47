import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { compatTenants, type CompatTenantRow } from '../schema.js';

export type NewTenant = Pick<CompatTenantRow, 'tenantId' | 'phoneNumber' | 'flaskUrl' | 'empresaIdType'>;

/** The legacy API's tenant → number map. */
export class CompatTenantRepository {
  /** `byNumber` runs for every stored message (the Flask subscriber, in the journal's transaction): built once. */
  private readonly hot;

  constructor(private readonly db: Db) {
    const t = compatTenants;
    this.hot = {
      get: db.select().from(t).where(eq(t.tenantId, sql.placeholder('tenantId'))).prepare(),
      byNumber: db.select().from(t).where(eq(t.phoneNumber, sql.placeholder('phoneNumber'))).prepare(),
    };
  }

  insert(row: NewTenant): CompatTenantRow {
    return this.db.insert(compatTenants).values(row).returning().get();
  }

  get(tenantId: string): CompatTenantRow | undefined {
    return this.hot.get.get({ tenantId });
  }

  byNumber(phoneNumber: string): CompatTenantRow | undefined {
    return this.hot.byNumber.get({ phoneNumber });
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
