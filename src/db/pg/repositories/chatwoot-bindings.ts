import { and, asc, eq, lt } from 'drizzle-orm';
import type { AuditLink } from '../../ports/audit.js';
import { inPlace, sameInbox, type BindingPatch, type BindingSave, type BindingSaved, type ChatwootBindingStore, type NewBinding, type NewCommand } from '../../ports/chatwoot-bindings.js';
import type { ChatwootBindingRow, ChatwootCommandRow } from '../../schema-chatwoot.js';
import type { PgDb, PgExec } from '../client.js';
import { chatwootBindings, chatwootCommands, chatwootContacts, chatwootJobs, chatwootLinks, chatwootPosts, chatwootReceipts } from '../schema-chatwoot.js';
import { pgTexts, unstorable } from '../text.js';
import { withAuditPg } from './audit-append.js';
import { enqueueJob } from './chatwoot-jobs.js';
import { storedSince } from './chatwoot-state.js';

/**
 * Bindings, taken deliveries and the command log on Postgres; "taken once" holds across gateways by the primary
 * keys. A bind locks the number's binding row (if any) for its transaction, so two binds of one number take turns
 * and the second decides on the first one's row.
 */
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

  async bind(save: BindingSave, audit?: AuditLink): Promise<BindingSaved> {
    const row = pgTexts(save.row);
    return withAuditPg(this.db, audit, async (tx) => {
      const [current] = await tx.select().from(chatwootBindings).where(eq(chatwootBindings.phoneNumber, row.phoneNumber)).for('update');
      if (current && sameInbox(current, row)) {
        const [changed] = await tx
          .update(chatwootBindings)
          .set({ ...inPlace(row), updatedAt: Date.now() })
          .where(eq(chatwootBindings.phoneNumber, row.phoneNumber))
          .returning();
        return { row: changed as ChatwootBindingRow, queued: [] };
      }
      if (current) await deleteAllOn(tx, row.phoneNumber);
      const [inserted] = await tx.insert(chatwootBindings).values(row).returning();
      const queued = save.history ? save.history.steps(await storedSince(tx, row.phoneNumber, save.history.fromKey)) : [];
      for (const job of queued) await enqueueJob(tx, job);
      return { row: inserted as ChatwootBindingRow, queued };
    });
  }

  async deleteAll(phoneNumber: string, audit?: AuditLink): Promise<boolean> {
    if (unstorable(phoneNumber)) return false;
    return (await withAuditPg(this.db, audit, async (tx) => (await deleteAllOn(tx, phoneNumber)) || undefined)) ?? false;
  }

  async receive(key: string, phoneNumber: string): Promise<boolean> {
    const result = await this.db.insert(chatwootReceipts).values(pgTexts({ key, phoneNumber })).onConflictDoNothing();
    return (result.rowCount ?? 0) > 0;
  }

  async pruneReceipts(before: number): Promise<number> {
    return (await this.db.delete(chatwootReceipts).where(lt(chatwootReceipts.createdAt, before))).rowCount ?? 0;
  }

  async logCommand(row: NewCommand, audit?: AuditLink): Promise<boolean> {
    const logged = await withAuditPg(this.db, audit, async (tx) => {
      const result = await tx.insert(chatwootCommands).values(pgTexts(row)).onConflictDoNothing();
      return (result.rowCount ?? 0) > 0 || undefined;
    });
    return logged ?? false;
  }

  async commands(limit = 100): Promise<ChatwootCommandRow[]> {
    return this.db.select().from(chatwootCommands).orderBy(asc(chatwootCommands.id)).limit(limit);
  }
}

/** The binding and what the bridge kept for its number, inside the caller's transaction; whether there was a binding. */
async function deleteAllOn(tx: PgExec, phoneNumber: string): Promise<boolean> {
  for (const table of [chatwootContacts, chatwootPosts, chatwootLinks, chatwootJobs, chatwootReceipts]) await tx.delete(table).where(eq(table.phoneNumber, phoneNumber));
  return ((await tx.delete(chatwootBindings).where(eq(chatwootBindings.phoneNumber, phoneNumber))).rowCount ?? 0) > 0;
}
