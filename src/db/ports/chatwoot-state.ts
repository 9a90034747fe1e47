import type { ChatwootContactRow, ChatwootLinkRow, ChatwootPostRow, SyncedState } from '../schema-chatwoot.js';

export type ContactWrite = Omit<ChatwootContactRow, 'createdAt' | 'updatedAt'>;
export type LinkWrite = Omit<ChatwootLinkRow, 'createdAt' | 'updatedAt'>;

/**
 * What the bridge knows of Chatwoot's side, kept by either dialect: each chat's contact and conversation, each
 * message the bridge created (written before the call, so an unanswered create is settled, never repeated), and each
 * stored message ↔ Chatwoot message link.
 */
export interface ChatwootStateStore {
  contact(phoneNumber: string, chatKey: string): Promise<ChatwootContactRow | undefined>;
  contactOfConversation(phoneNumber: string, conversationId: number): Promise<ChatwootContactRow | undefined>;
  /** One contact per (number, chat): a second put changes it and keeps when it was first made. */
  putContact(row: ContactWrite): Promise<ChatwootContactRow>;
  setConversation(phoneNumber: string, chatKey: string, conversationId: number | null, status: string | null): Promise<void>;
  /** A status Chatwoot reported for a conversation (webhooks): kept for the reopen policy. */
  setConversationStatus(phoneNumber: string, conversationId: number, status: string): Promise<void>;
  deleteContact(phoneNumber: string, chatKey: string): Promise<void>;
  post(phoneNumber: string, sourceId: string): Promise<ChatwootPostRow | undefined>;
  /** Before a create call: the attempt, and where to look for its result if the answer never comes (the newest message id known there). */
  intendPost(phoneNumber: string, sourceId: string, conversationId: number): Promise<void>;
  settlePost(phoneNumber: string, sourceId: string, messageId: number): Promise<void>;
  /** Whether this Chatwoot message is one the bridge created (the third echo guard). */
  postedMessage(phoneNumber: string, messageId: number): Promise<boolean>;
  /** The conversation store's messages of a number from `key` on, oldest first (history import), by their public ids. */
  storedSince(phoneNumber: string, key: number): Promise<{ id: string; chatKey: string }[]>;
  link(phoneNumber: string, storeId: string): Promise<ChatwootLinkRow | undefined>;
  linkByWaId(phoneNumber: string, waId: string): Promise<ChatwootLinkRow | undefined>;
  /** One link per (number, stored message); a second put changes where it points (its origin and creation time kept in the row; the answer is the row as given). */
  putLink(row: LinkWrite): Promise<ChatwootLinkRow>;
  updateLink(phoneNumber: string, storeId: string, patch: { waId?: string | null; synced?: SyncedState }): Promise<void>;
}
