import type { z } from 'zod';
import type { DeviceSnapshot } from '../devices/device-service.js';
import { isPendingId } from '../domain/number-key.js';
import type { deviceSchema } from './schemas.js';

/** The one shape of a device in every answer: never the child's credentials or the webhook secret. */
export function deviceView({ row, runner, queue }: DeviceSnapshot): z.input<typeof deviceSchema> {
  return {
    phoneNumber: row.phoneNumber,
    pending: isPendingId(row.phoneNumber),
    pendingId: row.pendingId,
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
