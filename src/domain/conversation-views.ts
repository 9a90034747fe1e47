/**
 * What callers see of the conversation store: REST pages, search hits and Socket.IO events. Pure types (no
 * runtime imports), so the dashboard reads the same definitions the server writes.
 */

/** An outgoing message's life: queued → sending → sent → delivered → read, or failed / expired. */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired';
export type ChatType = 'direct' | 'group';
export type StoredDirection = 'in' | 'out';
/** Incoming messages are `received`; outgoing ones follow MessageStatus. */
export type StoredStatus = 'received' | MessageStatus;
/** Where a row came from: a child's webhook, the history backfill, the outbox (`api`), or a proxied `/send/*`. */
export type StoredSource = 'live' | 'backfill' | 'api' | 'proxy';
export type StoredMessageType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'contact' | 'poll' | 'revoked' | 'other';

/** The journal `seq` per number an answer is current to. */
export type AsOf = Record<string, number>;

/** One stored message. Engine-neutral: no raw payloads. */
export interface MessageView {
  readonly id: string;
  readonly waId: string | null;
  readonly phoneNumber: string;
  /** The chat it belongs to (merged: the phone JID of a person known by `@lid` too). */
  readonly chatId: string;
  /** The JID it came under. */
  readonly chatJid: string;
  readonly chatType: ChatType;
  readonly direction: StoredDirection;
  readonly fromMe: boolean;
  readonly sender: { readonly jid: string | null; readonly lid: string | null; readonly name: string | null } | null;
  readonly type: StoredMessageType;
  readonly text: string | null;
  readonly media: { readonly kind: string; readonly mime: string | null; readonly size: number | null; readonly fileName: string | null; readonly url: string } | null;
  /** Kind-specific parts: location, contacts, poll (with votes), quoted, forwarded, viewOnce, originalText. */
  readonly content: Record<string, unknown>;
  readonly reactions: { readonly emoji: string; readonly sender: string; readonly at: string }[];
  readonly status: StoredStatus;
  readonly error: string | null;
  readonly deleted: 'everyone' | 'me' | null;
  readonly timestamp: string;
  readonly sentAt: string | null;
  readonly deliveredAt: string | null;
  readonly readAt: string | null;
  readonly editedAt: string | null;
  readonly deletedAt: string | null;
  readonly source: StoredSource;
}

/** What `message.status` carries: the status of one outgoing message, enough to update it where it is shown. */
export interface MessageStatusView {
  readonly id: string;
  readonly waId: string | null;
  readonly phoneNumber: string;
  readonly chatId: string;
  readonly status: StoredStatus;
  readonly error: string | null;
  readonly sentAt: string | null;
  readonly deliveredAt: string | null;
  readonly readAt: string | null;
}

export interface MessagePreview {
  readonly id: string;
  readonly waId: string | null;
  readonly direction: StoredDirection;
  readonly type: StoredMessageType;
  readonly preview: string;
  readonly status: StoredStatus;
  readonly senderName: string | null;
  readonly timestamp: string;
}

export interface ConversationView {
  /** The chat id used in URLs: its JID. */
  readonly id: string;
  readonly phoneNumber: string;
  readonly jid: string;
  /** The `@lid` alias of a person also known by phone JID. */
  readonly altJid: string | null;
  readonly type: ChatType;
  readonly name: string | null;
  readonly unread: number;
  readonly archived: boolean;
  readonly pinned: boolean;
  readonly lastActivityAt: string | null;
  readonly lastMessage: MessagePreview | null;
}

export const STORE_EVENTS = ['message.new', 'message.updated', 'message.status', 'conversation.updated', 'conversation.removed'] as const;
export type StoreEventName = (typeof STORE_EVENTS)[number];

/** The store's Socket.IO events, each with the `seq` of the journal event it came from. */
export type StoreEventView =
  | { readonly name: 'message.new' | 'message.updated'; readonly phoneNumber: string; readonly seq: number; readonly message: MessageView }
  | { readonly name: 'message.status'; readonly phoneNumber: string; readonly seq: number; readonly message: MessageStatusView }
  | { readonly name: 'conversation.updated'; readonly phoneNumber: string; readonly seq: number; readonly conversation: ConversationView }
  | { readonly name: 'conversation.removed'; readonly phoneNumber: string; readonly seq: number; readonly chatId: string; readonly mergedInto: string | null };
