import type { DeviceState, SessionState } from '../../domain/device-state.js';

export const CLIENT_STATUSES = ['connected', 'qr', 'connecting', 'disconnected', 'logged_out', 'error'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/** The one-word status a client list shows ("QR Pronto" = `qr`), from the number's process and session. */
export function clientStatus(state: DeviceState, session: SessionState, qrLive: boolean): ClientStatus {
  if (state === 'failed' || state === 'replaced') return 'error';
  if (state === 'starting' || state === 'backoff') return 'connecting';
  if (state !== 'running') return 'disconnected';
  if (session === 'logged_in') return 'connected';
  if (qrLive) return 'qr';
  if (session === 'logged_out') return 'logged_out';
  return session === 'unknown' ? 'connecting' : 'disconnected';
}
