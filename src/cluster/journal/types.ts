import type { Identity } from '../claim.js';

/** One stored journal row (the `events` table, as in single-host mode): numbered per phone from 1, no gaps. */
export interface JournalEntry {
  readonly phoneNumber: string;
  readonly seq: number;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  /** ms since the epoch, the database's time of the insert. */
  readonly createdAt: number;
}

/** What a writer hands in: the journal numbers it. */
export interface JournalDraft {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/** What the journal needs of the ownership core (src/cluster/ownership.ts satisfies it). */
export interface FenceKeeper {
  writerFor(phoneNumber: string): Identity;
  /** A write under this fence was refused: the number is no longer this node's. */
  writeRefused(phoneNumber: string, fence: number): void;
}

/** The `journal` channel's payload: the number's newest seq after a commit. */
export interface JournalNotice {
  readonly number: string;
  readonly seq: number;
}

export function parseNotice(payload: string): JournalNotice | null {
  try {
    const value = JSON.parse(payload) as { number?: unknown; seq?: unknown };
    return typeof value.number === 'string' && typeof value.seq === 'number' ? { number: value.number, seq: value.seq } : null;
  } catch {
    return null;
  }
}
