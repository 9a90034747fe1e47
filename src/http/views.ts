import type { z } from 'zod';
import type { DeviceRow } from '../db/schema.js';
import type { QueueStatus } from '../messaging/types.js';
import type { DeviceRunner } from '../supervisor/device-runner.js';
import type { deviceSchema } from './schemas.js';

/** What callers see of a device: never the child's credentials or the webhook secret. */
export function deviceView(row: DeviceRow, runner: DeviceRunner | undefined, queue: QueueStatus | null = null): z.input<typeof deviceSchema> {
  return {
    phoneNumber: row.phoneNumber,
    name: row.name,
    state: row.state,
    desiredState: row.desiredState,
    sessionState: row.sessionState,
    loggedIn: row.sessionState === 'logged_in',
    jid: row.jid,
    port: row.port,
    pid: runner?.pid ?? null,
    uptimeMs: runner?.uptimeMs ?? null,
    restartCount: row.restartCount,
    lastExitCode: row.lastExitCode,
    lastExitSignal: row.lastExitSignal,
    lastError: row.lastError,
    webhookUrl: row.webhookUrl,
    webhookEvents: row.webhookEvents,
    queue,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
