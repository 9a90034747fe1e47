/** The conversation store's shapes, as the dashboard reads them (StoredMessage, Conversation in /api-docs). */
export type MessageStatus = 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired';
export type StoredType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'contact' | 'poll' | 'revoked' | 'other';
export type ChatType = 'direct' | 'group';

/** The journal `seq` per number an answer is current to. */
export type AsOf = Record<string, number>;

export interface StoredMessage {
  readonly id: string;
  readonly waId: string | null;
  readonly phoneNumber: string;
  readonly chatId: string;
  readonly chatJid: string;
  readonly chatType: ChatType;
  readonly direction: 'in' | 'out';
  readonly fromMe: boolean;
  readonly sender: { readonly jid: string | null; readonly lid: string | null; readonly name: string | null } | null;
  readonly type: StoredType;
  readonly text: string | null;
  readonly media: { readonly kind: string; readonly mime: string | null; readonly size: number | null; readonly fileName: string | null; readonly url: string } | null;
  readonly content: Record<string, unknown>;
  readonly reactions: readonly { readonly emoji: string; readonly sender: string; readonly at: string }[];
  readonly status: MessageStatus;
  readonly error: string | null;
  readonly deleted: 'everyone' | 'me' | null;
  readonly timestamp: string;
  readonly sentAt: string | null;
  readonly deliveredAt: string | null;
  readonly readAt: string | null;
  readonly editedAt: string | null;
  readonly deletedAt: string | null;
  readonly source: 'live' | 'backfill' | 'api' | 'proxy';
}

/** What `message.status` carries. */
export interface StatusChange {
  readonly id: string;
  readonly waId: string | null;
  readonly phoneNumber: string;
  readonly chatId: string;
  readonly status: MessageStatus;
  readonly error: string | null;
  readonly sentAt: string | null;
  readonly deliveredAt: string | null;
  readonly readAt: string | null;
}

export interface Conversation {
  readonly id: string;
  readonly phoneNumber: string;
  readonly jid: string;
  readonly altJid: string | null;
  readonly type: ChatType;
  readonly name: string | null;
  readonly unread: number;
  readonly archived: boolean;
  readonly pinned: boolean;
  readonly lastActivityAt: string | null;
  readonly lastMessage: {
    readonly id: string;
    readonly waId: string | null;
    readonly direction: 'in' | 'out';
    readonly type: StoredType;
    readonly preview: string;
    readonly status: MessageStatus;
    readonly senderName: string | null;
    readonly timestamp: string;
  } | null;
}

export interface ChatPage {
  readonly data: Conversation[];
  readonly page: { readonly before: string | null; readonly after: string | null; readonly hasBefore: boolean };
  readonly asOf: AsOf;
}

export interface MessagePage {
  readonly data: StoredMessage[];
  readonly chat: Conversation;
  readonly page: { readonly before: string | null; readonly after: string | null; readonly hasBefore: boolean; readonly hasAfter: boolean };
  readonly asOf: AsOf;
}

export interface SearchHit {
  readonly message: StoredMessage;
  readonly chat: { readonly id: string; readonly phoneNumber: string; readonly name: string | null; readonly type: ChatType };
  /** HTML-safe, matches in `<mark>…</mark>`. */
  readonly snippet: string;
  readonly snippetText: string;
}

export interface SearchPage {
  readonly data: SearchHit[];
  readonly page: { readonly before: string | null; readonly hasMore: boolean };
  readonly asOf: AsOf;
}

export interface UnreadSummary {
  readonly numbers: { readonly phoneNumber: string; readonly chats: number; readonly messages: number }[];
  readonly total: { readonly chats: number; readonly messages: number };
  readonly asOf: AsOf;
}

/** The conversation store's Socket.IO events, each with the `seq` of the journal event it came from. */
export type StoreEvent =
  | { readonly name: 'message.new' | 'message.updated'; readonly phoneNumber: string; readonly seq: number; readonly message: StoredMessage }
  | { readonly name: 'message.status'; readonly phoneNumber: string; readonly seq: number; readonly message: StatusChange }
  | { readonly name: 'conversation.updated'; readonly phoneNumber: string; readonly seq: number; readonly conversation: Conversation }
  | { readonly name: 'conversation.removed'; readonly phoneNumber: string; readonly seq: number; readonly chatId: string; readonly mergedInto: string | null };

export const STORE_EVENT_NAMES = ['message.new', 'message.updated', 'message.status', 'conversation.updated', 'conversation.removed'] as const;
