import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { SyncPatch, SyncReads, SyncWrites } from '../ports/syncs.js';
import { conversationSyncs, type SyncRow } from '../schema.js';

export type { SyncPatch };

/**
 * One backfill record per number: its progress survives a restart, so the sync resumes where it stopped. Answers
 * at once (a history page's synchronous transaction); `reads` is the same for callers.
 */
export class SyncRepository implements SyncWrites<'sync'> {
  readonly reads: SyncReads = { get: async (phoneNumber) => this.get(phoneNumber) };

  constructor(private readonly db: Db) {}

  get(phoneNumber: string): SyncRow | undefined {
    return this.db.select().from(conversationSyncs).where(eq(conversationSyncs.phoneNumber, phoneNumber)).get();
  }

  put(row: SyncRow): SyncRow {
    this.db.insert(conversationSyncs).values(row).onConflictDoUpdate({ target: conversationSyncs.phoneNumber, set: row }).run();
    return row;
  }

  update(phoneNumber: string, patch: SyncPatch): SyncRow | undefined {
    return this.db.update(conversationSyncs).set(patch).where(eq(conversationSyncs.phoneNumber, phoneNumber)).returning().get();
  }

  /** Syncs a restart must carry on with. */
  unfinished(): SyncRow[] {
    return this.db.select().from(conversationSyncs).where(inArray(conversationSyncs.state, ['queued', 'running'])).all();
  }

  deleteForNumber(phoneNumber: string): void {
    this.db.delete(conversationSyncs).where(eq(conversationSyncs.phoneNumber, phoneNumber)).run();
  }
}
