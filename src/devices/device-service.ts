import type { DeviceAccess } from '../auth/device-access.js';
import type { AuthUser } from '../auth/tokens.js';
import type { DevicePatch } from '../db/repositories/devices.js';
import type { DeviceRow } from '../db/schema.js';
import { isPendingId } from '../domain/number-key.js';
import type { PhoneNumber } from '../domain/phone.js';
import type { GowaAppStatus } from '../gowa/types.js';
import type { QueueStatus } from '../messaging/types.js';
import type { LogLine } from '../supervisor/process-logs.js';
import type { DeviceRunner } from '../supervisor/device-runner.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** Everything a caller may see of a number at one moment: its row, its live process, its send queue. */
export interface DeviceSnapshot {
  readonly row: DeviceRow;
  readonly runner: DeviceRunner | undefined;
  readonly queue: QueueStatus;
}

export interface NewNumber {
  /** Omitted: a pending number (docs/pending-numbers.md). */
  readonly phoneNumber?: PhoneNumber | undefined;
  readonly name?: string | undefined;
  readonly autoStart: boolean;
  readonly webhookUrl?: string | undefined;
  readonly webhookSecret?: string | undefined;
  readonly webhookEvents?: string[] | undefined;
}

export type NumberChange = Pick<DevicePatch, 'name' | 'webhookUrl' | 'webhookSecret' | 'webhookEvents'>;

/** Where a number's send queue figures come from (the outbox). */
export interface QueueSource {
  queueStatus(phoneNumber: string): QueueStatus;
}

/**
 * The numbers as callers act on them: every operation checks what the caller may see (a number that is not
 * theirs is reported as unknown), then asks the one component that owns the change (the supervisor for
 * processes and sessions, the device repository through it for settings).
 */
export class DeviceService {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly access: DeviceAccess,
    private readonly queues: QueueSource,
  ) {}

  list(user: AuthUser): DeviceSnapshot[] {
    return this.access.visible(user).map((row) => this.snapshot(row));
  }

  /** Also by the pending id a number had before its phone was bound (the answer names its phone). */
  get(user: AuthUser, phoneNumber: string): DeviceSnapshot {
    const bound = isPendingId(phoneNumber) && !this.supervisor.runner(phoneNumber) ? this.supervisor.byPendingId(phoneNumber) : undefined;
    return this.snapshot(this.access.require(user, bound?.phoneNumber ?? phoneNumber));
  }

  async register(user: AuthUser, input: NewNumber): Promise<DeviceSnapshot> {
    const device = {
      ownerId: user.id,
      webhookUrl: input.webhookUrl ?? null,
      webhookSecret: input.webhookSecret ?? null,
      webhookEvents: input.webhookEvents ?? null,
    };
    const row = input.phoneNumber
      ? await this.supervisor.register({ ...device, phoneNumber: input.phoneNumber, name: input.name ?? input.phoneNumber }, input.autoStart)
      : await this.supervisor.registerPending({ ...device, name: input.name ?? 'pending number' }, input.autoStart);
    return this.snapshot(row);
  }

  update(user: AuthUser, phoneNumber: string, change: NumberChange): DeviceSnapshot {
    this.access.require(user, phoneNumber);
    return this.snapshot(this.supervisor.configure(phoneNumber, change));
  }

  async remove(user: AuthUser, phoneNumber: string, purge: boolean): Promise<void> {
    this.access.require(user, phoneNumber);
    await this.supervisor.remove(phoneNumber, purge);
  }

  async control(user: AuthUser, phoneNumber: string, action: 'start' | 'stop' | 'restart' | 'logout'): Promise<DeviceSnapshot> {
    this.access.require(user, phoneNumber);
    return this.snapshot(await this.supervisor[action](phoneNumber));
  }

  /** The gateway's view plus the child's own `/app/status` (which also refreshes the session state). */
  async status(user: AuthUser, phoneNumber: string): Promise<{ device: DeviceSnapshot; child: GowaAppStatus | null; childError?: string }> {
    this.access.require(user, phoneNumber);
    try {
      const child = await this.supervisor.refreshSession(phoneNumber);
      return { device: this.snapshot(this.supervisor.row(phoneNumber)), child };
    } catch (err) {
      return { device: this.snapshot(this.supervisor.row(phoneNumber)), child: null, childError: (err as Error).message };
    }
  }

  logs(user: AuthUser, phoneNumber: string, lines: number): LogLine[] {
    this.access.require(user, phoneNumber);
    return this.supervisor.runner(phoneNumber)?.logs.tail(lines) ?? [];
  }

  private snapshot(row: DeviceRow): DeviceSnapshot {
    return { row, runner: this.supervisor.runner(row.phoneNumber), queue: this.queues.queueStatus(row.phoneNumber) };
  }
}
