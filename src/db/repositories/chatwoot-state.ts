import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { ChatwootStateStore, ContactWrite, LinkWrite } from '../ports/chatwoot-state.js';
import { idOfKey } from './stored-messages.js';
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

/**
 * What the bridge knows of Chatwoot's side, on SQLite, synchronous: for callers inside a synchronous SQLite
 * transaction (the journal's, `InlineAudit`'s) until those move. The lookups and writes every bridged message makes
 * are prepared once.
 */
export class ChatwootStateSync {
  private readonly hot;

  constructor(private readonly db: Db) {
    const s = db.$client;
    const param = sql.placeholder;
    this.hot = {
      contact: db.select().from(chatwootContacts).where(and(eq(chatwootContacts.phoneNumber, param('phone')), eq(chatwootContacts.chatKey, param('chat')))).prepare(),
      post: db.select().from(chatwootPosts).where(and(eq(chatwootPosts.phoneNumber, param('phone')), eq(chatwootPosts.sourceId, param('source')))).prepare(),
      posted: s.prepare('SELECT 1 FROM chatwoot_posts WHERE phone_number = ? AND message_id = ?').pluck(),
      newest: s.prepare('SELECT max(message_id) FROM chatwoot_posts WHERE phone_number = ? AND conversation_id = ?').pluck(),
      intend: s.prepare(
        `INSERT INTO chatwoot_posts (phone_number, source_id, conversation_id, message_id, after_id, created_at) VALUES (?, ?, ?, NULL, ?, ?)
         ON CONFLICT (phone_number, source_id) DO UPDATE SET conversation_id = excluded.conversation_id, after_id = excluded.after_id`,
      ),
      settle: s.prepare('UPDATE chatwoot_posts SET message_id = ? WHERE phone_number = ? AND source_id = ?'),
      link: db.select().from(chatwootLinks).where(and(eq(chatwootLinks.phoneNumber, param('phone')), eq(chatwootLinks.storeId, param('store')))).prepare(),
      linkByWaId: db.select().from(chatwootLinks).where(and(eq(chatwootLinks.phoneNumber, param('phone')), eq(chatwootLinks.waId, param('wa')))).prepare(),
      putLink: s.prepare(
        `INSERT INTO chatwoot_links (phone_number, store_id, wa_id, conversation_id, message_id, origin, synced, created_at, updated_at)
         VALUES (@phoneNumber, @storeId, @waId, @conversationId, @messageId, @origin, @synced, @now, @now)
         ON CONFLICT (phone_number, store_id) DO UPDATE SET wa_id = excluded.wa_id, conversation_id = excluded.conversation_id,
           message_id = excluded.message_id, synced = excluded.synced, updated_at = excluded.updated_at`,
      ),
    };
  }

  contact(phoneNumber: string, chatKey: string): ChatwootContactRow | undefined {
    return this.hot.contact.get({ phone: phoneNumber, chat: chatKey });
  }

  contactOfConversation(phoneNumber: string, conversationId: number): ChatwootContactRow | undefined {
    return this.db
      .select()
      .from(chatwootContacts)
      .where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.conversationId, conversationId)))
      .get();
  }

  putContact(row: ContactWrite): ChatwootContactRow {
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
    return this.hot.post.get({ phone: phoneNumber, source: sourceId });
  }

  intendPost(phoneNumber: string, sourceId: string, conversationId: number): void {
    const afterId = (this.hot.newest.get(phoneNumber, conversationId) as number | null) ?? 0;
    this.hot.intend.run(phoneNumber, sourceId, conversationId, afterId, Date.now());
  }

  settlePost(phoneNumber: string, sourceId: string, messageId: number): void {
    this.hot.settle.run(messageId, phoneNumber, sourceId);
  }

  postedMessage(phoneNumber: string, messageId: number): boolean {
    return this.hot.posted.get(phoneNumber, messageId) !== undefined;
  }

  storedSince(phoneNumber: string, key: number): { id: string; chatKey: string }[] {
    return this.db
      .select({ key: conversationMessages.key, outboxId: conversationMessages.outboxId, chatKey: conversationMessages.chatKey })
      .from(conversationMessages)
      .where(and(eq(conversationMessages.phoneNumber, phoneNumber), gte(conversationMessages.key, key)))
      .orderBy(asc(conversationMessages.key))
      .all()
      .map((row) => ({ id: row.outboxId ?? idOfKey(row.key), chatKey: row.chatKey }));
  }

  link(phoneNumber: string, storeId: string): ChatwootLinkRow | undefined {
    return this.hot.link.get({ phone: phoneNumber, store: storeId });
  }

  linkByWaId(phoneNumber: string, waId: string): ChatwootLinkRow | undefined {
    return this.hot.linkByWaId.get({ phone: phoneNumber, wa: waId });
  }

  putLink(row: LinkWrite): ChatwootLinkRow {
    const now = Date.now();
    this.hot.putLink.run({ ...row, synced: JSON.stringify(row.synced), now });
    return { ...row, createdAt: now, updatedAt: now };
  }

  updateLink(phoneNumber: string, storeId: string, patch: { waId?: string | null; synced?: SyncedState }): void {
    this.db
      .update(chatwootLinks)
      .set({ ...patch, updatedAt: Date.now() })
      .where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.storeId, storeId)))
      .run();
  }
}

/** The bridge's view of Chatwoot on SQLite behind the dialect-neutral port. */
export class ChatwootStateRepository implements ChatwootStateStore {
  readonly sync: ChatwootStateSync;

  constructor(db: Db) {
    this.sync = new ChatwootStateSync(db);
  }

  async contact(phoneNumber: string, chatKey: string): Promise<ChatwootContactRow | undefined> {
    return this.sync.contact(phoneNumber, chatKey);
  }

  async contactOfConversation(phoneNumber: string, conversationId: number): Promise<ChatwootContactRow | undefined> {
    return this.sync.contactOfConversation(phoneNumber, conversationId);
  }

  async putContact(row: ContactWrite): Promise<ChatwootContactRow> {
    return this.sync.putContact(row);
  }

  async setConversation(phoneNumber: string, chatKey: string, conversationId: number | null, status: string | null): Promise<void> {
    this.sync.setConversation(phoneNumber, chatKey, conversationId, status);
  }

  async setConversationStatus(phoneNumber: string, conversationId: number, status: string): Promise<void> {
    this.sync.setConversationStatus(phoneNumber, conversationId, status);
  }

  async deleteContact(phoneNumber: string, chatKey: string): Promise<void> {
    this.sync.deleteContact(phoneNumber, chatKey);
  }

  async post(phoneNumber: string, sourceId: string): Promise<ChatwootPostRow | undefined> {
    return this.sync.post(phoneNumber, sourceId);
  }

  async intendPost(phoneNumber: string, sourceId: string, conversationId: number): Promise<void> {
    this.sync.intendPost(phoneNumber, sourceId, conversationId);
  }

  async settlePost(phoneNumber: string, sourceId: string, messageId: number): Promise<void> {
    this.sync.settlePost(phoneNumber, sourceId, messageId);
  }

  async postedMessage(phoneNumber: string, messageId: number): Promise<boolean> {
    return this.sync.postedMessage(phoneNumber, messageId);
  }

  async storedSince(phoneNumber: string, key: number): Promise<{ id: string; chatKey: string }[]> {
    return this.sync.storedSince(phoneNumber, key);
  }

  async link(phoneNumber: string, storeId: string): Promise<ChatwootLinkRow | undefined> {
    return this.sync.link(phoneNumber, storeId);
  }

  async linkByWaId(phoneNumber: string, waId: string): Promise<ChatwootLinkRow | undefined> {
    return this.sync.linkByWaId(phoneNumber, waId);
  }

  async putLink(row: LinkWrite): Promise<ChatwootLinkRow> {
    return this.sync.putLink(row);
  }

  async updateLink(phoneNumber: string, storeId: string, patch: { waId?: string | null; synced?: SyncedState }): Promise<void> {
    this.sync.updateLink(phoneNumber, storeId, patch);
  }
}
