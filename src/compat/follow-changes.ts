import { followTable } from '../db/follow-changes.js';
import type { ChangedTable, ChangeSource } from '../db/ports/changes.js';
import type { Clock } from '../lib/clock.js';
import type { TenantDirectory } from './tenants/tenant-directory.js';

/**
 * Keeps the compat layer's tenants in memory in step with other gateways' changes (db/follow-changes.ts): a tenant
 * created, removed or renamed on another node is read again here, so its number's messages reach its Flask.
 */
export function followCompatChanges(source: ChangeSource, tenants: TenantDirectory, clock: Clock, retryMs: number, onError: (err: unknown, table: ChangedTable) => void): () => void {
  return followTable(source, 'compat_tenants', tenants, clock, retryMs, onError);
}
