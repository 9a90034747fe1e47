import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { ChatwootStateStore, ContactWrite, LinkWrite } from '../../ports/chatwoot-state.js';
import { idOfKey } from '../../repositories/stored-message-rows.js';
import type { ChatwootContactRow, ChatwootLinkRow, ChatwootPostRow, SyncedState } from '../../schema-chatwoot.js';
import type { PgDb, PgExec } from '../client.js';
import { conversationMessages } from '../schema.js';
import { chatwootContacts, chatwootLinks, chatwootPosts } from '../schema-chatwoot.js';
import { pgText, pgTexts, unstorable } from '../text.js';

/** The conversation store's messages of a number from `key` on, oldest first, by their public ids (on the pool or in a transaction). */
export async function storedSince(db: PgExec, phoneNumber: string, key: number): Promise<{ id: string; chatKey: string }[]> {
  if (unstorable(phoneNumber)) return [];
  const rows = await db
    .select({ key: conversationMessages.key, outboxId: conversationMessages.outboxId, chatKey: conversationMessages.chatKey })
    .from(conversationMessages)
    .where(and(eq(conversationMessages.phoneNumber, phoneNumber), gte(conversationMessages.key, key)))
    .orderBy(asc(conversationMessages.key));
  return rows.map((row) => ({ id: row.outboxId ?? idOfKey(row.key), chatKey: row.chatKey }));
}

/** What the bridge knows of Chatwoot's side, on Postgres. */
export class PgChatwootStateRepository implements ChatwootStateStore {
  constructor(private readonly db: PgDb) {}

  async contact(phoneNumber: string, chatKey: string): Promise<ChatwootContactRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return undefined;
    const [row] = await this.db.select().from(chatwootContacts).where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.chatKey, chatKey)));
    return row;
  }

  async contactOfConversation(phoneNumber: string, conversationId: number): Promise<ChatwootContactRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db
      .select()
      .from(chatwootContacts)
      .where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.conversationId, conversationId)))
      .limit(1);
    return row;
  }

  async putContact(row: ContactWrite): Promise<ChatwootContactRow> {
    const now = Date.now();
    const clean = pgTexts(row);
    const [saved] = await this.db
      .insert(chatwootContacts)
      .values({ ...clean, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [chatwootContacts.phoneNumber, chatwootContacts.chatKey],
        set: { contactId: clean.contactId, sourceId: clean.sourceId, conversationId: clean.conversationId, conversationStatus: clean.conversationStatus, updatedAt: now },
      })
      .returning();
    return saved as ChatwootContactRow;
  }

  async setConversation(phoneNumber: string, chatKey: string, conversationId: number | null, status: string | null): Promise<void> {
    await this.db
      .update(chatwootContacts)
      .set({ conversationId, conversationStatus: pgText(status), updatedAt: Date.now() })
      .where(and(eq(chatwootContacts.phoneNumber, pgText(phoneNumber)), eq(chatwootContacts.chatKey, pgText(chatKey))));
  }

  async setConversationStatus(phoneNumber: string, conversationId: number, status: string): Promise<void> {
    await this.db
      .update(chatwootContacts)
      .set({ conversationStatus: pgText(status), updatedAt: Date.now() })
      .where(and(eq(chatwootContacts.phoneNumber, pgText(phoneNumber)), eq(chatwootContacts.conversationId, conversationId)));
  }

  async deleteContact(phoneNumber: string, chatKey: string): Promise<void> {
    if (unstorable(phoneNumber) || unstorable(chatKey)) return;
    await this.db.delete(chatwootContacts).where(and(eq(chatwootContacts.phoneNumber, phoneNumber), eq(chatwootContacts.chatKey, chatKey)));
  }

  async post(phoneNumber: string, sourceId: string): Promise<ChatwootPostRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(sourceId)) return undefined;
    const [row] = await this.db.select().from(chatwootPosts).where(and(eq(chatwootPosts.phoneNumber, phoneNumber), eq(chatwootPosts.sourceId, sourceId)));
    return row;
  }

  /** One statement: the newest id known in the conversation is read where the attempt is written. */
  async intendPost(phoneNumber: string, sourceId: string, conversationId: number): Promise<void> {
    const [phone, source] = [pgText(phoneNumber), pgText(sourceId)];
    await this.db.execute(sql`
      INSERT INTO chatwoot_posts (phone_number, source_id, conversation_id, message_id, after_id, created_at)
      SELECT ${phone}, ${source}, ${conversationId}, NULL, coalesce(max(message_id), 0), ${Date.now()}
        FROM chatwoot_posts WHERE phone_number = ${phone} AND conversation_id = ${conversationId}
      ON CONFLICT (phone_number, source_id) DO UPDATE SET conversation_id = excluded.conversation_id, after_id = excluded.after_id`);
  }

  async settlePost(phoneNumber: string, sourceId: string, messageId: number): Promise<void> {
    await this.db
      .update(chatwootPosts)
      .set({ messageId })
      .where(and(eq(chatwootPosts.phoneNumber, pgText(phoneNumber)), eq(chatwootPosts.sourceId, pgText(sourceId))));
  }

  async postedMessage(phoneNumber: string, messageId: number): Promise<boolean> {
    if (unstorable(phoneNumber)) return false;
    const rows = await this.db
      .select({ one: sql<number>`1` })
      .from(chatwootPosts)
      .where(and(eq(chatwootPosts.phoneNumber, phoneNumber), eq(chatwootPosts.messageId, messageId)))
      .limit(1);
    return rows.length > 0;
  }

  async storedSince(phoneNumber: string, key: number): Promise<{ id: string; chatKey: string }[]> {
    return storedSince(this.db, phoneNumber, key);
  }

  async link(phoneNumber: string, storeId: string): Promise<ChatwootLinkRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(storeId)) return undefined;
    const [row] = await this.db.select().from(chatwootLinks).where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.storeId, storeId)));
    return row;
  }

  async linkByWaId(phoneNumber: string, waId: string): Promise<ChatwootLinkRow | undefined> {
    if (unstorable(phoneNumber) || unstorable(waId)) return undefined;
    const [row] = await this.db.select().from(chatwootLinks).where(and(eq(chatwootLinks.phoneNumber, phoneNumber), eq(chatwootLinks.waId, waId)));
    return row;
  }

  async putLink(row: LinkWrite): Promise<ChatwootLinkRow> {
    const now = Date.now();
    const clean = pgTexts(row);
    await this.db
      .insert(chatwootLinks)
      .values({ ...clean, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [chatwootLinks.phoneNumber, chatwootLinks.storeId],
        set: { waId: clean.waId, conversationId: clean.conversationId, messageId: clean.messageId, synced: clean.synced, updatedAt: now },
      });
    return { ...row, createdAt: now, updatedAt: now };
  }

  async updateLink(phoneNumber: string, storeId: string, patch: { waId?: string | null; synced?: SyncedState }): Promise<void> {
    await this.db
      .update(chatwootLinks)
      .set({ ...pgTexts(patch), updatedAt: Date.now() })
      .where(and(eq(chatwootLinks.phoneNumber, pgText(phoneNumber)), eq(chatwootLinks.storeId, pgText(storeId))));
  }
}
