import type { DeviceEventInput, DeviceEventStore, DevicePatch, DeviceStore, NewDevice } from '../ports/devices.js';
import type { DeviceEventRow, DeviceRow } from '../schema.js';
import { errors } from '../../domain/errors.js';
import { isUniqueViolation } from '../unique.js';
import type { DeviceEventRepository } from './device-events.js';
import type { DeviceRepository } from './devices.js';

/**
 * The device ports on SQLite, over the synchronous repositories the supervisor writes through (and their memory of
 * rows), so a write through either is seen by both.
 */
export class SqliteDeviceStore implements DeviceStore {
  constructor(private readonly repo: DeviceRepository) {}

  async insert(device: NewDevice): Promise<DeviceRow> {
    try {
      return this.repo.insert(device);
    } catch (err) {
      throw isUniqueViolation(err) ? errors.deviceExists(device.phoneNumber) : err;
    }
  }

  async get(phoneNumber: string): Promise<DeviceRow | undefined> {
    return this.repo.get(phoneNumber);
  }

  async getByPendingId(pendingId: string): Promise<DeviceRow | undefined> {
    return this.repo.getByPendingId(pendingId);
  }

  async list(): Promise<DeviceRow[]> {
    return this.repo.list();
  }

  async count(): Promise<number> {
    return this.repo.count();
  }

  async update(phoneNumber: string, patch: DevicePatch, now: number): Promise<DeviceRow | undefined> {
    return this.repo.update(phoneNumber, patch, now);
  }

  async delete(phoneNumber: string): Promise<boolean> {
    return this.repo.delete(phoneNumber);
  }
}

export class SqliteDeviceEventStore implements DeviceEventStore {
  constructor(private readonly repo: DeviceEventRepository) {}

  async append(event: DeviceEventInput, now: number): Promise<DeviceEventRow> {
    return this.repo.append(event, now);
  }

  async page(phoneNumber: string, beforeId: number | null, limit: number): Promise<DeviceEventRow[]> {
    return this.repo.page(phoneNumber, beforeId, limit);
  }
}
