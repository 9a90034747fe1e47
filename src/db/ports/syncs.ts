import type { SyncRow } from '../schema.js';
import type { Answer, Mode } from './answer.js';

export type SyncPatch = Partial<Omit<SyncRow, 'phoneNumber'>>;

/** A number's backfill progress as callers read it (`GET …/chats/sync`). */
export interface SyncReads {
  get(phoneNumber: string): Promise<SyncRow | undefined>;
}

/**
 * One backfill record per number, written with each history page in that page's transaction (so a crash resumes
 * at the page it was on and counts nothing twice).
 */
export interface SyncWrites<M extends Mode> {
  get(phoneNumber: string): Answer<M, SyncRow | undefined>;
  /** Creates or replaces the number's record. */
  put(row: SyncRow): Answer<M, SyncRow>;
  update(phoneNumber: string, patch: SyncPatch): Answer<M, SyncRow | undefined>;
  /** Syncs a restart must carry on with (`queued`, `running`). */
  unfinished(): Answer<M, SyncRow[]>;
  deleteForNumber(phoneNumber: string): Answer<M, void>;
}
