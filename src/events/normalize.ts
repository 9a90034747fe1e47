import type { DeviceState, SessionState } from '../domain/device-state.js';
import type { GowaWsFrame } from '../gowa/types.js';
import type { FeedDraft } from './feed-message.js';

/**
 * Pure mappings from what the children and the supervisor report to the one message shape clients read.
 * `ready` and `logged_out` come from session changes (whatever revealed them: a `/ws` frame, `/app/status`, a
 * logout call), so a client sees exactly one per change; the frames themselves are still passed on as `raw`.
 */

/** Every `/ws` frame, untouched (docs/binary-contract.md §9: lifecycle frames only). */
export function fromFrame(frame: GowaWsFrame): FeedDraft {
  return { source: 'ws', event: frame.code, outbound: false, body: { type: 'raw', raw: { code: frame.code, message: frame.message, result: frame.result } } };
}

/** A child's webhook envelope `{event, device_id, session_id?, payload, timestamp?}` (docs/binary-contract.md §10). */
export function fromWebhook(body: Record<string, unknown>): FeedDraft {
  const event = typeof body['event'] === 'string' ? body['event'] : 'unknown';
  const payload = isObject(body['payload']) ? body['payload'] : {};
  if (event === 'message') return { source: 'webhook', event, outbound: true, body: { type: 'message', payload, raw: body } };
  if (event === 'message.ack') {
    const ids = Array.isArray(payload['ids']) ? payload['ids'].filter((id): id is string => typeof id === 'string') : [];
    const receiptType = typeof payload['receipt_type'] === 'string' ? payload['receipt_type'] : '';
    return { source: 'webhook', event, outbound: true, body: { type: 'ack', ids, receiptType, payload, raw: body } };
  }
  return { source: 'webhook', event, outbound: true, body: { type: 'raw', raw: body } };
}

export function fromQr(qr: string, expiresAt: string): FeedDraft {
  return { source: 'gateway', event: 'device.qr', outbound: false, body: { type: 'qr', qr, expiresAt } };
}

export function fromStateChange(from: DeviceState, to: DeviceState, reason: string): FeedDraft {
  return { source: 'gateway', event: 'device.state', outbound: true, body: { type: 'status', change: 'state', from, to, reason } };
}

export function fromSessionChange(from: SessionState, to: SessionState, jid: string | null): FeedDraft {
  const event = 'device.session';
  if (to === 'logged_in') return { source: 'gateway', event, outbound: true, body: { type: 'ready', jid } };
  if (to === 'logged_out') return { source: 'gateway', event, outbound: true, body: { type: 'logged_out' } };
  return { source: 'gateway', event, outbound: true, body: { type: 'status', change: 'session', from, to, reason: null } };
}

/** Recorded under the new key, first event there after the rename (`device.bound`). */
export function fromBound(pendingId: string): FeedDraft {
  return { source: 'gateway', event: 'device.bound', outbound: true, body: { type: 'bound', pendingId } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
