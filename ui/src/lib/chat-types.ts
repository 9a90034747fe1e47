/** The conversation store's shapes, as the dashboard reads them: the server's own definitions (StoredMessage, Conversation in /api-docs). */
import type { AsOf, ChatType, ConversationView, MessageStatusView, MessageView, StoreEventView } from '../../../src/domain/conversation-views';

export type { AsOf, ChatType, StoredStatus as MessageStatus, StoredMessageType as StoredType } from '../../../src/domain/conversation-views';
export { STORE_EVENTS as STORE_EVENT_NAMES } from '../../../src/domain/conversation-views';
export type StoredMessage = MessageView;
export type StatusChange = MessageStatusView;
export type Conversation = ConversationView;
export type StoreEvent = StoreEventView;

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
