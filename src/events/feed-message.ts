import type { MessageStatus, SyncState } from '../db/schema.js';
import type { DeviceState, SessionState } from '../domain/device-state.js';

/**
 * What a Socket.IO client gets in `message` of `whatsapp-websocket-message` and `device-websocket-message`.
 * Clients written against PRODUCT.md branch on `type`; `seq` numbers every message of one number (1, 2, 3 …)
 * so a reconnecting client can ask for what it missed.
 */
export type FeedMessageType = 'qr' | 'ready' | 'message' | 'ack' | 'outgoing' | 'chat' | 'sync' | 'logged_out' | 'status' | 'bound' | 'raw';

/** What a message this number sends contains, as far as the gateway knows it (no file bytes, no upload path). */
export interface OutgoingContent {
  /** The binary's send route: message, image, file, video, audio, sticker, contact, link, location, poll. */
  readonly kind: string;
  readonly text?: string;
  readonly caption?: string;
  readonly fileName?: string;
  readonly mimeType?: string;
  readonly size?: number;
  /** A file the child fetched itself (`*_url`). */
  readonly url?: string;
  readonly viewOnce?: boolean;
}

/** History backfill of a number (`chats.sync`), as GET /api/devices/{phone}/chats/sync reports it. */
export interface SyncProgress {
  readonly state: SyncState;
  readonly chatsTotal: number | null;
  readonly chatsDone: number;
  readonly messagesSeen: number;
  readonly messagesAdded: number;
  readonly since: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly error: string | null;
}

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
  /**
   * A message this number sends: each status change of an outbox message (`message.status`, `messageId` = the
   * outbox id) and each successful proxied `/send/*` (`message.sent`, `messageId` null). `content` comes with the
   * first announcement (`queued`, or the proxied send).
   */
  | {
      readonly type: 'outgoing';
      readonly messageId: string | null;
      readonly status: MessageStatus;
      readonly to: string;
      readonly waMessageId: string | null;
      readonly error: string | null;
      readonly via: 'api' | 'proxy';
      readonly content?: OutgoingContent;
    }
  /** A chat was read through the API (`chat.read`): the store clears its unread count. */
  | { readonly type: 'chat'; readonly change: 'read'; readonly chatId: string }
  /** The history backfill of the number started, moved on, finished or failed. */
  | ({ readonly type: 'sync' } & SyncProgress)
  /** A gateway state change: the process (`change: 'state'`) or the WhatsApp session (`change: 'session'`). */
  | {
      readonly type: 'status';
      readonly change: 'state' | 'session';
      readonly from: DeviceState | SessionState;
      readonly to: DeviceState | SessionState;
      readonly reason: string | null;
    }
  /** A number created without a phone got one: it is now known by `phoneNumber` only; `pendingId` was its key. */
  | { readonly type: 'bound'; readonly pendingId: string }
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

/**
 * A change a durable subscriber made because of an event (a stored message, a chat's new unread count): stored
 * with the event and published with the same `seq`, also when a client resumes from a `seq`.
 */
export interface DerivedEvent {
  readonly name: string;
  readonly data: Record<string, unknown>;
}

/** A numbered, stored message: what Socket.IO publishes and outbound webhooks are planned from. */
export interface RecordedEvent {
  readonly phoneNumber: string;
  /** The child's port when known (for `whatsapp-websocket-message`). */
  readonly port: number | null;
  readonly message: FeedMessage;
  readonly outbound: boolean;
  /** What the durable subscribers derived from it, in order (empty for most events). */
  readonly derived: readonly DerivedEvent[];
}
