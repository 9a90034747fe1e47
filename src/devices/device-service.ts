import type { AccessPolicy } from '../auth/policy.js';
import { accountOf, type Principal } from '../auth/principal.js';
import type { AuditLink } from '../db/ports/audit.js';
import type { DevicePatch } from '../db/ports/devices.js';
import type { DeviceRow } from '../db/schema.js';
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
  /** At once on one host (SQLite); a promise when the outbox is on Postgres (distributed mode). */
  queueStatus(phoneNumber: string): QueueStatus | Promise<QueueStatus>;
}

const WEBHOOK_FIELDS = ['webhookUrl', 'webhookSecret', 'webhookEvents'] as const;

/**
 * The numbers as callers act on them: every operation asks the access policy first (a number the caller may not
 * see is reported as unknown), then the one component that owns the change (the supervisor for processes and
 * sessions, the device repository through it for settings).
 */
export class DeviceService {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly policy: AccessPolicy,
    private readonly queues: QueueSource,
  ) {}

  list(principal: Principal): Promise<DeviceSnapshot[]> {
    return Promise.all(this.policy.visible(principal, 'numbers:read').map((row) => this.snapshot(row)));
  }

  /** Also by the pending id a number had before its phone was bound (the policy finds it; the answer names its phone). */
  get(principal: Principal, phoneNumber: string): Promise<DeviceSnapshot> {
    return this.snapshot(this.policy.require(principal, 'numbers:read', phoneNumber));
  }

  async register(principal: Principal, input: NewNumber): Promise<DeviceSnapshot> {
    this.policy.requireScope(principal, 'numbers:create');
    if (input.webhookUrl !== undefined || input.webhookSecret !== undefined || input.webhookEvents !== undefined) this.policy.requireScope(principal, 'webhooks:manage');
    const device = {
      ownerId: accountOf(principal)?.id ?? null,
      webhookUrl: input.webhookUrl ?? null,
      webhookSecret: input.webhookSecret ?? null,
      webhookEvents: input.webhookEvents ?? null,
    };
    const row = input.phoneNumber
      ? await this.supervisor.register({ ...device, phoneNumber: input.phoneNumber, name: input.name ?? input.phoneNumber }, input.autoStart)
      : await this.supervisor.registerPending({ ...device, name: input.name ?? 'pending number' }, input.autoStart);
    this.policy.announce({ kind: 'number', phoneNumber: row.phoneNumber, reason: 'number registered' });
    return await this.snapshot(row);
  }

  /** Renaming needs `numbers:control`; a webhook field also needs `webhooks:manage`. `audit`: committed with the change. */
  async update(principal: Principal, phoneNumber: string, change: NumberChange, audit?: AuditLink): Promise<DeviceSnapshot> {
    this.policy.require(principal, 'numbers:control', phoneNumber);
    if (WEBHOOK_FIELDS.some((field) => change[field] !== undefined)) this.policy.require(principal, 'webhooks:manage', phoneNumber);
    return await this.snapshot(await this.supervisor.configure(phoneNumber, change, audit));
  }

  async remove(principal: Principal, phoneNumber: string, purge: boolean): Promise<void> {
    this.policy.require(principal, 'numbers:delete', phoneNumber);
    await this.supervisor.remove(phoneNumber, purge);
  }

  async control(principal: Principal, phoneNumber: string, action: 'start' | 'stop' | 'restart' | 'logout'): Promise<DeviceSnapshot> {
    this.policy.require(principal, 'numbers:control', phoneNumber);
    return await this.snapshot(await this.supervisor[action](phoneNumber));
  }

  /** The gateway's view plus the child's own `/app/status` (which also refreshes the session state). */
  async status(principal: Principal, phoneNumber: string): Promise<{ device: DeviceSnapshot; child: GowaAppStatus | null; childError?: string }> {
    this.policy.require(principal, 'numbers:read', phoneNumber);
    try {
      const child = await this.supervisor.refreshSession(phoneNumber);
      return { device: await this.snapshot(this.supervisor.row(phoneNumber)), child };
    } catch (err) {
      return { device: await this.snapshot(this.supervisor.row(phoneNumber)), child: null, childError: (err as Error).message };
    }
  }

  /** Process output may show what the number does: operators and up. */
  logs(principal: Principal, phoneNumber: string, lines: number): LogLine[] {
    this.policy.require(principal, 'numbers:read', phoneNumber, 'operator');
    return this.supervisor.runner(phoneNumber)?.logs.tail(lines) ?? [];
  }

  private async snapshot(row: DeviceRow): Promise<DeviceSnapshot> {
    return { row, runner: this.supervisor.runner(row.phoneNumber), queue: await this.queues.queueStatus(row.phoneNumber) };
  }
}
