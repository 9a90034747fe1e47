import { and, asc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { BindingPatch, ChatwootBindingStore, NewBinding, NewCommand } from '../ports/chatwoot-bindings.js';
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

/**
 * Bindings, taken deliveries and the command log on SQLite, synchronous: for callers inside a synchronous SQLite
 * transaction (the journal's, `InlineAudit`'s) until those move.
 */
export class ChatwootBindingsSync {
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

  deleteAll(phoneNumber: string): boolean {
    return this.db.transaction((tx) => {
      for (const table of [chatwootContacts, chatwootPosts, chatwootLinks, chatwootJobs, chatwootReceipts]) tx.delete(table).where(eq(table.phoneNumber, phoneNumber)).run();
      return tx.delete(chatwootBindings).where(eq(chatwootBindings.phoneNumber, phoneNumber)).run().changes > 0;
    });
  }

  receive(key: string, phoneNumber: string): boolean {
    return this.db.insert(chatwootReceipts).values({ key, phoneNumber }).onConflictDoNothing().run().changes > 0;
  }

  pruneReceipts(before: number): number {
    return this.db.delete(chatwootReceipts).where(lt(chatwootReceipts.createdAt, before)).run().changes;
  }

  logCommand(row: NewCommand): boolean {
    return this.db.insert(chatwootCommands).values(row).onConflictDoNothing().run().changes > 0;
  }

  commands(limit = 100): ChatwootCommandRow[] {
    return this.db.select().from(chatwootCommands).orderBy(asc(chatwootCommands.id)).limit(limit).all();
  }
}

/** The bindings on SQLite behind the dialect-neutral port. */
export class ChatwootBindingRepository implements ChatwootBindingStore {
  readonly sync: ChatwootBindingsSync;

  constructor(db: Db) {
    this.sync = new ChatwootBindingsSync(db);
  }

  async insert(row: NewBinding): Promise<ChatwootBindingRow> {
    return this.sync.insert(row);
  }

  async get(phoneNumber: string): Promise<ChatwootBindingRow | undefined> {
    return this.sync.get(phoneNumber);
  }

  async byHook(hookId: string): Promise<ChatwootBindingRow | undefined> {
    return this.sync.byHook(hookId);
  }

  async byInbox(baseUrl: string, accountId: number, inboxId: number): Promise<ChatwootBindingRow | undefined> {
    return this.sync.byInbox(baseUrl, accountId, inboxId);
  }

  async list(): Promise<ChatwootBindingRow[]> {
    return this.sync.list();
  }

  async update(phoneNumber: string, patch: BindingPatch): Promise<ChatwootBindingRow | undefined> {
    return this.sync.update(phoneNumber, patch);
  }

  async deleteAll(phoneNumber: string): Promise<boolean> {
    return this.sync.deleteAll(phoneNumber);
  }

  async receive(key: string, phoneNumber: string): Promise<boolean> {
    return this.sync.receive(key, phoneNumber);
  }

  async pruneReceipts(before: number): Promise<number> {
    return this.sync.pruneReceipts(before);
  }

  async logCommand(row: NewCommand): Promise<boolean> {
    return this.sync.logCommand(row);
  }

  async commands(limit = 100): Promise<ChatwootCommandRow[]> {
    return this.sync.commands(limit);
  }
}
