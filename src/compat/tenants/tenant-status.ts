import type { DeviceRow } from '../../db/schema.js';
import type { DeviceState, SessionState } from '../../domain/device-state.js';
import { isPendingId } from '../../domain/number-key.js';

/**
 * `status(t)` of the legacy contract (`{tenantId, connected, qrCode, reconnectAttempts, isConnecting,
 * maxReconnectAttempts}`), computed from the number, plus fields of ours (additive only).
 */
export interface TenantStatus {
  readonly tenantId: string;
  readonly connected: boolean;
  /** A QR code is shown and has not expired. */
  readonly qrCode: boolean;
  /** Restarts of the number's process so far. */
  readonly reconnectAttempts: number;
  readonly isConnecting: boolean;
  /** Crashes in the crash-loop window after which the gateway stops restarting (CRASH_LOOP_MAX; enforced). */
  readonly maxReconnectAttempts: number;
  /** The number's key: its phone, or `pending-…` until a phone pairs. */
  readonly phoneNumber: string;
  readonly pending: boolean;
  readonly state: DeviceState;
  readonly sessionState: SessionState;
}

export interface NumberNow {
  readonly row: DeviceRow;
  /** The live process's state and session (the row may lag a moment behind). */
  readonly state: DeviceState;
  readonly session: SessionState;
  readonly qrLive: boolean;
}

export function isConnected(now: Pick<NumberNow, 'state' | 'session'>): boolean {
  return now.state === 'running' && now.session === 'logged_in';
}

export function tenantStatus(tenantId: string, now: NumberNow, maxReconnectAttempts: number): TenantStatus {
  const connected = isConnected(now);
  const connecting = now.state === 'starting' || now.state === 'backoff' || (now.state === 'running' && now.session === 'unknown');
  return {
    tenantId,
    connected,
    qrCode: !connected && now.qrLive,
    reconnectAttempts: now.row.restartCount,
    isConnecting: !connected && connecting,
    maxReconnectAttempts,
    phoneNumber: now.row.phoneNumber,
    pending: isPendingId(now.row.phoneNumber),
    state: now.state,
    sessionState: now.session,
  };
}
