import type { CompatTenantRow } from '../schema-compat.js';

export type NewTenant = Pick<CompatTenantRow, 'tenantId' | 'phoneNumber' | 'flaskUrl' | 'empresaIdType'>;

/**
 * The legacy tenant API's tenants (tenant id → number), kept by either dialect. A tenant id names one number and a
 * number has at most one tenant: a second insert of either is refused by the database (a unique violation), also
 * when two gateways create the same tenant at once. Read whole at boot: the compat layer answers from memory
 * (src/compat/tenants/tenant-directory.ts) and reads a row again when the change feed names it.
 */
export interface CompatTenantStore {
  insert(row: NewTenant): Promise<CompatTenantRow>;
  get(tenantId: string): Promise<CompatTenantRow | undefined>;
  byNumber(phoneNumber: string): Promise<CompatTenantRow | undefined>;
  /** Oldest first, then by tenant id (the order the legacy server listed them in: creation). */
  list(): Promise<CompatTenantRow[]>;
  /** Whether there was such a tenant. */
  delete(tenantId: string): Promise<boolean>;
  /** The tenant of a number that was unregistered; how many went (0 or 1). */
  deleteForNumber(phoneNumber: string): Promise<number>;
}
