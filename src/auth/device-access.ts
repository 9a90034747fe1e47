import { errors } from '../domain/errors.js';
import type { AuthUser } from './tokens.js';
import type { DeviceRepository } from '../db/repositories/devices.js';
import type { DeviceRow } from '../db/schema.js';

/**
 * Who may see which number: admins see all, users their own. A device that exists but is not yours is
 * reported as not found, so its existence does not leak to other tenants.
 */
export class DeviceAccess {
  constructor(private readonly devices: DeviceRepository) {}

  visible(user: AuthUser): DeviceRow[] {
    return user.role === 'admin' ? this.devices.list() : this.devices.listByOwner(user.id);
  }

  require(user: AuthUser, phoneNumber: string): DeviceRow {
    const row = this.devices.get(phoneNumber);
    if (!row || !this.mayAccess(user, row)) throw errors.deviceNotFound(phoneNumber);
    return row;
  }

  mayAccess(user: AuthUser, row: DeviceRow): boolean {
    return user.role === 'admin' || row.ownerId === user.id;
  }
}
