import type { DeviceState, SessionState } from '../domain/device-state.js';

/**
 * What a Socket.IO client gets in `message` of `whatsapp-websocket-message` and `device-websocket-message`.
 * Clients written against PRODUCT.md branch on `type`; `seq` numbers every message of one number (1, 2, 3 …)
 * so a reconnecting client can ask for what it missed.
 */
export type FeedMessageType = 'qr' | 'ready' | 'message' | 'ack' | 'logged_out' | 'status' | 'raw';

/** Where a message came from: the child's `/ws`, the child's webhooks, or the gateway itself. */
export type FeedSource = 'ws' | 'webhook' | 'gateway';

export type FeedMessageBody =
  /** A QR code to scan: `qr` is a `data:image/png;base64,…` URL, ready for an `<img>`. */
  | { readonly type: 'qr'; readonly qr: string; readonly expiresAt: string }
  /** The number is logged in to WhatsApp. */
  | { readonly type: 'ready'; readonly jid: string | null }
  /** The number was logged out (from the API or unlinked from the phone). */
  | { readonly type: 'logged_out' }
  /** An incoming message: `payload` is the binary's webhook payload (id, from, chat_id, body, …). */
  | { readonly type: 'message'; readonly payload: Record<string, unknown>; readonly raw: Record<string, unknown> }
  /** A receipt for messages this number sent. */
  | { readonly type: 'ack'; readonly ids: string[]; readonly receiptType: string; readonly payload: Record<string, unknown>; readonly raw: Record<string, unknown> }
  /** A gateway state change: the process (`change: 'state'`) or the WhatsApp session (`change: 'session'`). */
  | {
      readonly type: 'status';
      readonly change: 'state' | 'session';
      readonly from: DeviceState | SessionState;
      readonly to: DeviceState | SessionState;
      readonly reason: string | null;
    }
  /** Anything else, untouched: a `/ws` frame `{code, message, result}` or a webhook body `{event, payload, …}`. */
  | { readonly type: 'raw'; readonly raw: unknown };

export interface FeedMessageMeta {
  readonly seq: number;
  /** Unique id of this event; the same id is sent as `X-Event-Id` on outbound webhooks. */
  readonly eventId: string;
  readonly phoneNumber: string;
  readonly source: FeedSource;
  /** The precise name: a webhook event (`message.ack`), a frame code (`LOGIN_SUCCESS`), or `device.state` / `device.session` / `device.qr`. */
  readonly event: string;
  /** ISO time the gateway learnt of it. */
  readonly at: string;
}

export type FeedMessage = FeedMessageMeta & FeedMessageBody;

/** A message before the journal numbers it. */
export interface FeedDraft {
  readonly source: FeedSource;
  readonly event: string;
  readonly body: FeedMessageBody;
  /** Whether outbound webhooks carry it (QR images and raw /ws frames stay on Socket.IO). */
  readonly outbound: boolean;
}

/** A numbered, stored message: what Socket.IO publishes and outbound webhooks are planned from. */
export interface RecordedEvent {
  readonly phoneNumber: string;
  /** The child's port when known (for `whatsapp-websocket-message`). */
  readonly port: number | null;
  readonly message: FeedMessage;
  readonly outbound: boolean;
}
