import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { announceCommitted } from '../db/audit-links.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { DevicePatch, DeviceStore, NewDevice } from '../db/ports/devices.js';
import { appendAuditRowsPg } from '../db/pg/repositories/audit-append.js';
import { PgDeviceRepository } from '../db/pg/repositories/devices.js';
import type { DeviceRow } from '../db/schema.js';
import { clusterErrors } from './errors.js';
import type { NumberOwnership } from './ownership-state.js';

/** What of a number's row only its owner writes: what its process and its session are doing. */
const OWNER_FIELDS: ReadonlySet<string> = new Set<keyof DevicePatch>([
  'port',
  'pid',
  'state',
  'stopReason',
  'sessionState',
  'jid',
  'restartCount',
  'lastExitCode',
  'lastExitSignal',
  'lastError',
  'startedAt',
  'pausedUntil',
  'pauseReason',
]);

/** What the store needs of the ownership core (src/cluster/ownership.ts). */
export interface FenceHolder {
  held(): ReadonlyMap<string, NumberOwnership>;
  withFence<T>(phoneNumber: string, fence: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/**
 * The numbers' rows in distributed mode. A change of what the process or session is doing is written only by the
 * number's owner, under its fence (DM-17): a node that lost the number (paused past its lease, partitioned) is
 * refused with CLUSTER_OWNERSHIP_LOST and writes nothing, so it never overwrites the new owner's state, and the
 * ownership core marks the number lost. Configuration (name, webhook, queue policy, desired state, owner) may be
 * changed from any node; a patch with both kinds is an owner's write.
 */
export class FencedDeviceStore implements DeviceStore {
  private readonly plain: PgDeviceRepository;

  constructor(
    pool: pg.Pool,
    private readonly ownership: FenceHolder,
  ) {
    this.plain = new PgDeviceRepository(drizzle({ client: pool }));
  }

  insert(device: NewDevice): Promise<DeviceRow> {
    return this.plain.insert(device);
  }

  get(phoneNumber: string): Promise<DeviceRow | undefined> {
    return this.plain.get(phoneNumber);
  }

  getByPendingId(pendingId: string): Promise<DeviceRow | undefined> {
    return this.plain.getByPendingId(pendingId);
  }

  list(): Promise<DeviceRow[]> {
    return this.plain.list();
  }

  count(): Promise<number> {
    return this.plain.count();
  }

  async update(phoneNumber: string, patch: DevicePatch, now: number, audit?: AuditLink): Promise<DeviceRow | undefined> {
    if (!Object.keys(patch).some((field) => OWNER_FIELDS.has(field))) return this.plain.update(phoneNumber, patch, now, audit);
    const held = this.ownership.held().get(phoneNumber);
    if (!held) throw clusterErrors.ownershipLost(phoneNumber, 0);
    const { row, ids } = await this.ownership.withFence(phoneNumber, held.fence, async (client) => {
      const db = drizzle({ client });
      const row = await new PgDeviceRepository(db).update(phoneNumber, patch, now);
      return { row, ids: audit && row ? await appendAuditRowsPg(db, [audit]) : [] };
    });
    if (audit && ids.length > 0) announceCommitted([audit], ids);
    return row;
  }

  delete(phoneNumber: string): Promise<boolean> {
    return this.plain.delete(phoneNumber);
  }
}
