import type { AnnotationRow, ConversationRow, StoredMessageRow, StoredMessageType, StoredSource, StoredStatus } from '../db/schema.js';

/** What the store keeps of a file: metadata and where the child has it, never the bytes. */
export interface MediaMeta {
  /** image, video, audio, document, sticker, video_note. */
  readonly kind: string;
  readonly mime: string | null;
  readonly size: number | null;
  /** `statics/media/…` on the child (auto-download). */
  readonly path?: string;
  /** WhatsApp's CDN URL (auto-download off, or history). */
  readonly url?: string;
}

/** A WhatsApp message as the store takes it, whichever way it came (webhook, history page, outbox, proxy). */
export interface StoreInput {
  readonly waId: string | null;
  /** The chat as reported (`chat_id`: a phone JID when known, else the `@lid`; or a group). */
  readonly chatJid: string;
  /** The `@lid` the chat came as (`chat_lid`), when WhatsApp gave one. */
  readonly chatLid: string | null;
  readonly senderJid: string | null;
  readonly senderLid: string | null;
  readonly senderName: string | null;
  readonly fromMe: boolean;
  /** WhatsApp's time of the message (ms). */
  readonly at: number;
  /**
   * Where it sorts, when not at `at`: WhatsApp's times have whole seconds, so a message that arrives live sorts
   * by when the gateway got it (after a message the gateway sent earlier in the same second).
   */
  readonly orderAt?: number;
  readonly type: StoredMessageType;
  readonly text: string | null;
  readonly fileName: string | null;
  readonly media: MediaMeta | null;
  readonly content: Record<string, unknown> | null;
  /** A name for the chat when it is new: the contact's push name for a 1:1 chat. */
  readonly chatName: string | null;
  readonly source: StoredSource;
  readonly status: StoredStatus;
  /** The outbox message's id (store id = outbox id), for messages sent through the API. */
  readonly id?: string;
  readonly error?: string | null;
  readonly sentAt?: number | null;
}

/** Something another WhatsApp message did to a stored (or not yet stored) one. */
export type StoreAction =
  | { readonly kind: 'reaction'; readonly targetWaId: string; readonly actor: string; readonly emoji: string; readonly at: number }
  | { readonly kind: 'vote'; readonly targetWaId: string; readonly actor: string; readonly options: readonly string[]; readonly at: number }
  | { readonly kind: 'edit'; readonly targetWaId: string; readonly text: string; readonly at: number }
  | { readonly kind: 'revoke' | 'delete'; readonly targetWaId: string; readonly at: number };

/** What a write changed, for the realtime events derived from it. */
export type StoreChange =
  /** `annotations`: what other messages did to it (looked up once while storing). */
  | { readonly kind: 'message.new'; readonly message: StoredMessageRow; readonly annotations: readonly AnnotationRow[] }
  | { readonly kind: 'message.updated'; readonly message: StoredMessageRow }
  | { readonly kind: 'message.status'; readonly message: StoredMessageRow }
  | { readonly kind: 'conversation.updated'; readonly conversation: ConversationRow }
  | { readonly kind: 'conversation.removed'; readonly phoneNumber: string; readonly chatKey: string; readonly mergedInto: string | null };

/** The derived Socket.IO events, by name (payloads: src/domain/conversation-views.ts). */
export { STORE_EVENTS, type StoreEventName } from '../domain/conversation-views.js';
