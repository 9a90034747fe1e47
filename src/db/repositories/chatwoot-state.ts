import { and, asc, desc, eq, gte, max } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  chatwootContacts,
  chatwootLinks,
  chatwootPosts,
  conversationMessages,
  type ChatwootContactRow,
  type ChatwootLinkRow,
  type ChatwootPostRow,
  type SyncedState,
} from '../schema.js';

/** What the bridge knows of Chatwoot's side: each chat's contact and conversation, each message created, each link. */
export class ChatwootStateRepository {
  constructor(private readonly db: Db) {}

  contact(phoneNumber: string, chatKey: string): ChatwootContactRow | undefined {
    return this.db.select().from(chatwootContacts).where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.chatKey, chatKey))).get();
  }

  contactOfConversation(phoneNumber: string, conversationId: number): ChatwootContactRow | undefined {
    return this.db
      .select()
      .from(chatwootContacts)
      .where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.conversationId, conversationId)))
      .get();
  }

  putContact(row: Omit<ChatwootContactRow, 'createdAt' | 'updatedAt'>): ChatwootContactRow {
    const now = Date.now();
    return this.db
      .insert(chatwootContacts)
      .values({ ...row, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [chatwootContacts.phoneNumber, chatwootContacts.chatKey],
        set: { contactId: row.contactId, sourceId: row.sourceId, conversationId: row.conversationId, conversationStatus: row.conversationStatus, updatedAt: now },
      })
      .returning()
      .get();
  }

  setConversation(phoneNumber: string, chatKey: string, conversationId: number | null, status: string | null): void {
    this.db
      .update(chatwootContacts)
      .set({ conversationId, conversationStatus: status, updatedAt: Date.now() })
      .where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.chatKey, chatKey)))
      .run();
  }

  /** A status Chatwoot reported for a conversation (webhooks): kept for the reopen policy. */
  setConversationStatus(phoneNumber: string, conversationId: number, status: string): void {
    this.db
      .update(chatwootContacts)
      .set({ conversationStatus: status, updatedAt: Date.now() })
      .where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.conversationId, conversationId)))
      .run();
  }

  deleteContact(phoneNumber: string, chatKey: string): void {
    this.db.delete(chatwootContacts).where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.chatKey, chatKey))).run();
  }

  post(phoneNumber: string, sourceId: string): ChatwootPostRow | undefined {
    return this.db.select().from(chatwootPosts).where(and(eq(chatwootPosts.phoneNumber, phoneNumber), eq(chatwootPosts.sourceId, sourceId))).get();
  }

  /** Before a create call: the attempt, and where to look for its result if the answer never comes. */
  intendPost(phoneNumber: string, sourceId: string, conversationId: number): ChatwootPostRow {
    const afterId = this.newestMessageIn(phoneNumber, conversationId);
    return this.db
      .insert(chatwootPosts)
      .values({ phoneNumber, sourceId, conversationId, messageId: null, afterId })
      .onConflictDoUpdate({ target: [chatwootPosts.phoneNumber, chatwootPosts.sourceId], set: { conversationId, afterId } })
      .returning()
      .get();
  }

  settlePost(phoneNumber: string, sourceId: string, messageId: number): void {
    this.db
      .update(chatwootPosts)
      .set({ messageId })
      .where(and(eq(chatwootPosts.phoneNumber, phoneNumber), eq(chatwootPosts.sourceId, sourceId)))
      .run();
  }

  /** Whether this Chatwoot message is one the bridge created (the third echo guard, after source id and external_echo). */
  postedMessage(phoneNumber: string, messageId: number): boolean {
    return this.db.select({ one: chatwootPosts.messageId }).from(chatwootPosts).where(and(eq(chatwootPosts.phoneNumber, phoneNumber), eq(chatwootPosts.messageId, messageId))).get() !== undefined;
  }

  private newestMessageIn(phoneNumber: string, conversationId: number): number {
    const row = this.db
      .select({ id: max(chatwootPosts.messageId) })
      .from(chatwootPosts)
      .where(and(eq(chatwootPosts.phoneNumber, phoneNumber), eq(chatwootPosts.conversationId, conversationId)))
      .get();
    return row?.id ?? 0;
  }

  /** The conversation store's messages of a number from `key` on, oldest first (history import). */
  storedSince(phoneNumber: string, key: number): { id: string; chatKey: string }[] {
    return this.db
      .select({ id: conversationMessages.id, chatKey: conversationMessages.chatKey })
      .from(conversationMessages)
      .where(and(eq(conversationMessages.phoneNumber, phoneNumber), gte(conversationMessages.key, key)))
      .orderBy(asc(conversationMessages.key))
      .all();
  }

  link(phoneNumber: string, storeId: string): ChatwootLinkRow | undefined {
    return this.db.select().from(chatwootLinks).where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.storeId, storeId))).get();
  }

  linkByWaId(phoneNumber: string, waId: string): ChatwootLinkRow | undefined {
    return this.db.select().from(chatwootLinks).where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.waId, waId))).get();
  }

  /** Every stored message an agent's Chatwoot message became (one per attachment), oldest first. */
  linksOfMessage(phoneNumber: string, messageId: number): ChatwootLinkRow[] {
    return this.db
      .select()
      .from(chatwootLinks)
      .where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.messageId, messageId)))
      .orderBy(desc(chatwootLinks.createdAt))
      .all()
      .reverse();
  }

  putLink(row: Omit<ChatwootLinkRow, 'createdAt' | 'updatedAt'>): ChatwootLinkRow {
    const now = Date.now();
    return this.db
      .insert(chatwootLinks)
      .values({ ...row, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [chatwootLinks.phoneNumber, chatwootLinks.storeId], set: { waId: row.waId, conversationId: row.conversationId, messageId: row.messageId, synced: row.synced, updatedAt: now } })
      .returning()
      .get();
  }

  updateLink(phoneNumber: string, storeId: string, patch: { waId?: string | null; synced?: SyncedState }): void {
    this.db
      .update(chatwootLinks)
      .set({ ...patch, updatedAt: Date.now() })
      .where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.storeId, storeId)))
      .run();
  }
}
