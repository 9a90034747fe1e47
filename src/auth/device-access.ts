import { errors } from '../domain/errors.js';
import type { AuthUser } from './tokens.js';
import type { DeviceRepository } from '../db/repositories/devices.js';
import type { DeviceRow } from '../db/schema.js';

/**
 * Who may see which number: admins see all, users their own. This is the one visibility rule: every answer,
 * count, metric and event that names numbers goes through it (lists through `visible`/`visibleNumbers`, one
 * number through `require`/`canSee`, Socket.IO audiences through `viewers`), so a richer rule (roles, grants,
 * API keys) changes this class only. A device that exists but is not yours is reported as not found, so its
 * existence does not leak to other tenants.
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

  /** Whether the user may see this number (one that is not, or no longer, registered: admins only). */
  canSee(user: AuthUser, phoneNumber: string): boolean {
    if (user.role === 'admin') return true;
    const row = this.devices.get(phoneNumber);
    return row !== undefined && this.mayAccess(user, row);
  }

  /** The numbers of a list the user may see, in the list's order. */
  visibleNumbers(user: AuthUser, phoneNumbers: readonly string[]): string[] {
    if (user.role === 'admin') return [...phoneNumbers];
    const own = new Set(this.visible(user).map((d) => d.phoneNumber));
    return phoneNumbers.filter((p) => own.has(p));
  }

  /** Who besides the administrators may see this number's events (the user ids whose sockets get them). */
  viewers(row: DeviceRow): readonly number[] {
    return row.ownerId === null ? [] : [row.ownerId];
  }
}
