import { and, asc, eq, lt } from 'drizzle-orm';
import type { BindingPatch, ChatwootBindingStore, NewBinding, NewCommand } from '../../ports/chatwoot-bindings.js';
import type { ChatwootBindingRow, ChatwootCommandRow } from '../../schema-chatwoot.js';
import type { PgDb } from '../client.js';
import { chatwootBindings, chatwootCommands, chatwootContacts, chatwootJobs, chatwootLinks, chatwootPosts, chatwootReceipts } from '../schema-chatwoot.js';
import { pgTexts, unstorable } from '../text.js';

/** Bindings, taken deliveries and the command log on Postgres; "taken once" holds across gateways by the primary keys. */
export class PgChatwootBindingRepository implements ChatwootBindingStore {
  constructor(private readonly db: PgDb) {}

  async insert(row: NewBinding): Promise<ChatwootBindingRow> {
    const [inserted] = await this.db.insert(chatwootBindings).values(pgTexts(row)).returning();
    return inserted as ChatwootBindingRow;
  }

  async get(phoneNumber: string): Promise<ChatwootBindingRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db.select().from(chatwootBindings).where(eq(chatwootBindings.phoneNumber, phoneNumber));
    return row;
  }

  async byHook(hookId: string): Promise<ChatwootBindingRow | undefined> {
    if (unstorable(hookId)) return undefined;
    const [row] = await this.db.select().from(chatwootBindings).where(eq(chatwootBindings.hookId, hookId));
    return row;
  }

  async byInbox(baseUrl: string, accountId: number, inboxId: number): Promise<ChatwootBindingRow | undefined> {
    if (unstorable(baseUrl)) return undefined;
    const [row] = await this.db
      .select()
      .from(chatwootBindings)
      .where(and(eq(chatwootBindings.baseUrl, baseUrl), eq(chatwootBindings.accountId, accountId), eq(chatwootBindings.inboxId, inboxId)));
    return row;
  }

  async list(): Promise<ChatwootBindingRow[]> {
    return this.db.select().from(chatwootBindings).orderBy(asc(chatwootBindings.createdAt), asc(chatwootBindings.phoneNumber));
  }

  async update(phoneNumber: string, patch: BindingPatch): Promise<ChatwootBindingRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db
      .update(chatwootBindings)
      .set({ ...pgTexts(patch), updatedAt: Date.now() })
      .where(eq(chatwootBindings.phoneNumber, phoneNumber))
      .returning();
    return row;
  }

  async deleteAll(phoneNumber: string): Promise<boolean> {
    if (unstorable(phoneNumber)) return false;
    return this.db.transaction(async (tx) => {
      for (const table of [chatwootContacts, chatwootPosts, chatwootLinks, chatwootJobs, chatwootReceipts]) await tx.delete(table).where(eq(table.phoneNumber, phoneNumber));
      return ((await tx.delete(chatwootBindings).where(eq(chatwootBindings.phoneNumber, phoneNumber))).rowCount ?? 0) > 0;
    });
  }

  async receive(key: string, phoneNumber: string): Promise<boolean> {
    const result = await this.db.insert(chatwootReceipts).values(pgTexts({ key, phoneNumber })).onConflictDoNothing();
    return (result.rowCount ?? 0) > 0;
  }

  async pruneReceipts(before: number): Promise<number> {
    return (await this.db.delete(chatwootReceipts).where(lt(chatwootReceipts.createdAt, before))).rowCount ?? 0;
  }

  async logCommand(row: NewCommand): Promise<boolean> {
    const result = await this.db.insert(chatwootCommands).values(pgTexts(row)).onConflictDoNothing();
    return (result.rowCount ?? 0) > 0;
  }

  async commands(limit = 100): Promise<ChatwootCommandRow[]> {
    return this.db.select().from(chatwootCommands).orderBy(asc(chatwootCommands.id)).limit(limit);
  }
}
