import type { Refreshable } from '../../db/follow-changes.js';
import type { CompatTenantStore, NewTenant } from '../../db/ports/compat-tenants.js';
import type { CompatTenantRow } from '../../db/schema.js';
import { reconcile } from '../../lib/reconcile.js';

/**
 * Every legacy tenant in memory, by tenant id and by number: the Flask webhook asks for a number's tenant for every
 * stored message, inside the journal's synchronous transaction, so it cannot wait for a store. Loaded at boot,
 * kept by this gateway's own writes (through the store, then memory) and the rename of a pending number; with
 * several gateways `refresh` reads a row again when the change feed names it (docs/cluster.md, "Caches across
 * gateways").
 */
export class TenantDirectory implements Refreshable {
  private readonly tenants = new Map<string, CompatTenantRow>();
  private readonly byPhone = new Map<string, string>();

  private constructor(private readonly store: CompatTenantStore) {}

  static async load(store: CompatTenantStore): Promise<TenantDirectory> {
    const directory = new TenantDirectory(store);
    for (const row of await store.list()) directory.replace(row.tenantId, row);
    return directory;
  }

  get(tenantId: string): CompatTenantRow | undefined {
    return this.tenants.get(tenantId);
  }

  byNumber(phoneNumber: string): CompatTenantRow | undefined {
    const tenantId = this.byPhone.get(phoneNumber);
    return tenantId === undefined ? undefined : this.tenants.get(tenantId);
  }

  /** Oldest first, then by tenant id: the store's order. */
  list(): CompatTenantRow[] {
    return [...this.tenants.values()].sort((a, b) => a.createdAt - b.createdAt || compareBytes(a.tenantId, b.tenantId));
  }

  /** Stored first: a refused insert (an id or number taken, also by another gateway) changes nothing here. */
  async insert(row: NewTenant): Promise<CompatTenantRow> {
    const stored = await this.store.insert(row);
    this.replace(stored.tenantId, stored);
    return stored;
  }

  async delete(tenantId: string): Promise<void> {
    await this.store.delete(tenantId);
    this.replace(tenantId, undefined);
  }

  /** The number was unregistered: its tenant is gone from memory at once (no webhook more), then from the store. */
  async forgetNumber(phoneNumber: string): Promise<void> {
    const tenantId = this.byPhone.get(phoneNumber);
    if (tenantId !== undefined) this.replace(tenantId, undefined);
    await this.store.deleteForNumber(phoneNumber);
  }

  /** A pending number took its phone: the rows moved in the rename's transaction, memory follows. */
  renamed(pendingId: string, phoneNumber: string): void {
    const row = this.byNumber(pendingId);
    if (row) this.replace(row.tenantId, { ...row, phoneNumber });
  }

  async refresh(tenantId: string | null): Promise<void> {
    if (tenantId !== null) return this.replace(tenantId, await this.store.get(tenantId));
    reconcile(this.tenants.keys(), await this.store.list(), (row) => row.tenantId, (key, row) => this.replace(key, row));
  }

  private replace(tenantId: string, row: CompatTenantRow | undefined): void {
    const before = this.tenants.get(tenantId);
    if (before && this.byPhone.get(before.phoneNumber) === tenantId) this.byPhone.delete(before.phoneNumber);
    if (!row) {
      this.tenants.delete(tenantId);
      return;
    }
    this.tenants.set(tenantId, row);
    this.byPhone.set(row.phoneNumber, tenantId);
  }
}

/** SQLite compares text by its bytes (and Postgres `COLLATE "C"`): code points, not UTF-16 units. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
