import type pg from 'pg';
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

/** A step to run once a journal batch has committed (a dispatcher taking the rows written with it). */
export type AfterCommit = () => void;

/**
 * What must be written in the transaction of a journal batch (a durable subscriber on Postgres: the webhook
 * outbox), so that it exists if and only if the batch's rows do. `inBatch` runs after the rows are inserted and
 * before COMMIT, with the batch's connection and the rows as stored (their Postgres seq); the steps it returns run
 * after the commit, also when a lost COMMIT answer turns out committed. A throw rolls the whole batch back, which
 * the appender then tries again like an outage (for `retryForMs`).
 */
export interface BatchSubscriber {
  inBatch(client: pg.PoolClient, stored: readonly JournalEntry[]): Promise<readonly AfterCommit[]>;
}
