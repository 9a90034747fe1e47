import { and, asc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { AuditLink } from '../ports/audit.js';
import { inPlace, sameInbox, type BindingPatch, type BindingSave, type BindingSaved, type ChatwootBindingStore, type NewBinding, type NewCommand } from '../ports/chatwoot-bindings.js';
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
import { withAudit } from './audit-append.js';
import { ChatwootJobsSync } from './chatwoot-jobs.js';
import { ChatwootStateSync } from './chatwoot-state.js';

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

/**
 * The bindings on SQLite behind the dialect-neutral port. A write with what must commit with it (`bind`,
 * `deleteAll`, `logCommand`) is one synchronous transaction with no await inside, so nothing lands in it.
 */
export class ChatwootBindingRepository implements ChatwootBindingStore {
  readonly sync: ChatwootBindingsSync;
  private readonly jobs: ChatwootJobsSync;
  private readonly state: ChatwootStateSync;

  constructor(private readonly db: Db) {
    this.sync = new ChatwootBindingsSync(db);
    this.jobs = new ChatwootJobsSync(db);
    this.state = new ChatwootStateSync(db);
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

  async bind(save: BindingSave, audit?: AuditLink): Promise<BindingSaved> {
    const phoneNumber = save.row.phoneNumber;
    return withAudit(this.db, audit, () => {
      const current = this.sync.get(phoneNumber);
      if (current && sameInbox(current, save.row)) {
        const row = this.sync.update(phoneNumber, inPlace(save.row));
        if (!row) throw new Error('binding row missing after its update');
        return { row, queued: [] };
      }
      if (current) this.sync.deleteAll(phoneNumber);
      const row = this.sync.insert(save.row);
      const queued = save.history ? save.history.steps(this.state.storedSince(phoneNumber, save.history.fromKey)) : [];
      for (const job of queued) this.jobs.enqueue(job);
      return { row, queued };
    });
  }

  async deleteAll(phoneNumber: string, audit?: AuditLink): Promise<boolean> {
    return withAudit(this.db, audit, () => this.sync.deleteAll(phoneNumber) || undefined) ?? false;
  }

  async receive(key: string, phoneNumber: string): Promise<boolean> {
    return this.sync.receive(key, phoneNumber);
  }

  async pruneReceipts(before: number): Promise<number> {
    return this.sync.pruneReceipts(before);
  }

  async logCommand(row: NewCommand, audit?: AuditLink): Promise<boolean> {
    return withAudit(this.db, audit, () => this.sync.logCommand(row) || undefined) ?? false;
  }

  async commands(limit = 100): Promise<ChatwootCommandRow[]> {
    return this.sync.commands(limit);
  }
}
