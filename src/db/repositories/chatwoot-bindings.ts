import { and, asc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  chatwootBindings,
  chatwootCommands,
  chatwootContacts,
  chatwootJobs,
  chatwootLinks,
  chatwootPosts,
  chatwootReceipts,
  type ChatwootBindingRow,
  type ChatwootCommandRow,
} from '../schema.js';

export type NewBinding = typeof chatwootBindings.$inferInsert;
export type BindingPatch = Partial<Omit<ChatwootBindingRow, 'phoneNumber' | 'createdAt'>>;

/** Bindings (a number ↔ a Chatwoot inbox), the deliveries already taken, and the command log. */
export class ChatwootBindingRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewBinding): ChatwootBindingRow {
    return this.db.insert(chatwootBindings).values(row).returning().get();
  }

  get(phoneNumber: string): ChatwootBindingRow | undefined {
    return this.db.select().from(chatwootBindings).where(eq(chatwootBindings.phoneNumber, phoneNumber)).get();
  }

  byHook(hookId: string): ChatwootBindingRow | undefined {
    return this.db.select().from(chatwootBindings).where(eq(chatwootBindings.hookId, hookId)).get();
  }

  byInbox(baseUrl: string, accountId: number, inboxId: number): ChatwootBindingRow | undefined {
    return this.db
      .select()
      .from(chatwootBindings)
      .where(and(eq(chatwootBindings.baseUrl, baseUrl), eq(chatwootBindings.accountId, accountId), eq(chatwootBindings.inboxId, inboxId)))
      .get();
  }

  list(): ChatwootBindingRow[] {
    return this.db.select().from(chatwootBindings).orderBy(asc(chatwootBindings.createdAt)).all();
  }

  update(phoneNumber: string, patch: BindingPatch): ChatwootBindingRow | undefined {
    return this.db
      .update(chatwootBindings)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(chatwootBindings.phoneNumber, phoneNumber))
      .returning()
      .get();
  }

  /** The binding and everything the bridge kept for it (contacts, links, posts, queued steps, receipts), in one go. */
  deleteAll(phoneNumber: string): boolean {
    return this.db.transaction((tx) => {
      for (const table of [chatwootContacts, chatwootPosts, chatwootLinks, chatwootJobs, chatwootReceipts]) tx.delete(table).where(eq(table.phoneNumber, phoneNumber)).run();
      return tx.delete(chatwootBindings).where(eq(chatwootBindings.phoneNumber, phoneNumber)).run().changes > 0;
    });
  }

  /** Remember a webhook delivery; false when it was taken before (a duplicate). */
  receive(key: string, phoneNumber: string): boolean {
    return this.db.insert(chatwootReceipts).values({ key, phoneNumber }).onConflictDoNothing().run().changes > 0;
  }

  pruneReceipts(before: number): number {
    return this.db.delete(chatwootReceipts).where(lt(chatwootReceipts.createdAt, before)).run().changes;
  }

  /** One row per command message; false when this delivery was logged before (not run twice). */
  logCommand(row: Omit<ChatwootCommandRow, 'id' | 'createdAt'>): boolean {
    return this.db.insert(chatwootCommands).values(row).onConflictDoNothing().run().changes > 0;
  }

  commands(limit = 100): ChatwootCommandRow[] {
    return this.db.select().from(chatwootCommands).orderBy(asc(chatwootCommands.id)).limit(limit).all();
  }
}
