import { eq, inArray } from 'drizzle-orm';
import type { SyncPatch, SyncReads, SyncWrites } from '../../ports/syncs.js';
import type { SyncRow } from '../../schema.js';
import type { PgExec } from '../client.js';
import { conversationSyncs } from '../schema.js';
import { pgTexts, unstorable } from '../text.js';

/** Each number's backfill record on Postgres, over the pool or bound to a history page's transaction. */
export class PgSyncRepository implements SyncReads, SyncWrites<'async'> {
  constructor(private readonly db: PgExec) {}

  async get(phoneNumber: string): Promise<SyncRow | undefined> {
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db.select().from(conversationSyncs).where(eq(conversationSyncs.phoneNumber, phoneNumber));
    return row;
  }

  async put(row: SyncRow): Promise<SyncRow> {
    const values = pgTexts(row);
    await this.db.insert(conversationSyncs).values(values).onConflictDoUpdate({ target: conversationSyncs.phoneNumber, set: values });
    return row;
  }

  async update(phoneNumber: string, patch: SyncPatch): Promise<SyncRow | undefined> {
    const set = Object.fromEntries(Object.entries(pgTexts(patch)).filter(([, value]) => value !== undefined));
    if (Object.keys(set).length === 0) return this.get(phoneNumber);
    if (unstorable(phoneNumber)) return undefined;
    const [row] = await this.db.update(conversationSyncs).set(set).where(eq(conversationSyncs.phoneNumber, phoneNumber)).returning();
    return row;
  }

  async unfinished(): Promise<SyncRow[]> {
    return this.db.select().from(conversationSyncs).where(inArray(conversationSyncs.state, ['queued', 'running']));
  }

  async deleteForNumber(phoneNumber: string): Promise<void> {
    if (unstorable(phoneNumber)) return;
    await this.db.delete(conversationSyncs).where(eq(conversationSyncs.phoneNumber, phoneNumber));
  }
}
