import type { DeviceEventRow, DeviceRow, devices } from '../schema.js';
import type { AuditLink } from './audit.js';

export type NewDevice = typeof devices.$inferInsert;
export type DevicePatch = Partial<Omit<DeviceRow, 'phoneNumber' | 'createdAt' | 'updatedAt'>>;

/**
 * The numbers' rows on either dialect: configuration (name, owner, webhook, queue policy) and what the supervisor
 * last recorded (state, pid, port, session, exits). A number's pending id stays with it after it took its phone.
 */
export interface DeviceStore {
  /** DEVICE_EXISTS when the number (or its pending id) is taken, also by a writer that got there first. */
  insert(device: NewDevice): Promise<DeviceRow>;
  get(phoneNumber: string): Promise<DeviceRow | undefined>;
  /** A number by the pending id it was created with (also after its phone was bound). */
  getByPendingId(pendingId: string): Promise<DeviceRow | undefined>;
  /** Oldest first (then by number). */
  list(): Promise<DeviceRow[]>;
  count(): Promise<number>;
  /**
   * undefined (nothing written) when there is no such number; `updatedAt` becomes `now`. `audit`: the row that
   * records the change, committed with it (none when there is no such number).
   */
  update(phoneNumber: string, patch: DevicePatch, now: number, audit?: AuditLink): Promise<DeviceRow | undefined>;
  /** Whether there was a row to delete (its grants go with it: foreign key cascade). */
  delete(phoneNumber: string): Promise<boolean>;
}

/**
 * The numbers' rows as the request, event and send paths read them: synchronously, from memory (the gateway's
 * DeviceDirectory; a bare repository in unit tests).
 */
export interface DeviceReader {
  get(phoneNumber: string): Readonly<DeviceRow> | undefined;
  /** A number by the pending id it was created with (also after its phone was bound). */
  getByPendingId(pendingId: string): Readonly<DeviceRow> | undefined;
  /** Oldest first (then by number). */
  list(): Readonly<DeviceRow>[];
}

/**
 * A reader that also changes a number's row synchronously: the next read has the change, the store gets it behind
 * (DeviceDirectory.record). For small changes made on the send path (a queue's pause, its pacing).
 */
export interface DeviceKeeper {
  get(phoneNumber: string): Readonly<DeviceRow> | undefined;
  update(phoneNumber: string, patch: DevicePatch): unknown;
}

export interface DeviceEventInput {
  readonly phoneNumber: string;
  readonly type: string;
  readonly fromState?: string | null;
  readonly toState?: string | null;
  readonly detail?: Record<string, unknown> | null;
}

/** A number's history (starts, exits, sessions, restores): append-only, so it can be trusted in a post-mortem. */
export interface DeviceEventStore {
  append(event: DeviceEventInput, now: number): Promise<DeviceEventRow>;
  /** Newest first, older than `beforeId` when given (paging back through a number's history). */
  page(phoneNumber: string, beforeId: number | null, limit: number): Promise<DeviceEventRow[]>;
}
