import type pg from 'pg';
import { claimKey, lockFences, type FenceClaim } from '../fenced-write.js';
import { withConnection } from '../pool.js';
import { insertRows, lastSeqs, notifyNewest, type NewRow } from './rows.js';
import type { AfterCommit, BatchSubscriber, JournalDraft, JournalEntry } from './types.js';

export interface BatchItem {
  readonly claim: FenceClaim;
  readonly draft: JournalDraft;
}

export interface BatchOutcome {
  /** Per item, in order: the stored entry, or null when its fence was stale (nothing of it written). */
  readonly stored: readonly (JournalEntry | null)[];
  /** What the batch's subscribers run once it has committed. */
  readonly after: readonly AfterCommit[];
}

/**
 * The transaction failed after COMMIT was sent (the connection dropped, the server went away): it may have
 * committed. `xid` tells which (pg_xact_status), and `planned` is what it stored if it did.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(
    readonly xid: string,
    readonly planned: BatchOutcome,
    options: { cause: unknown },
  ) {
    super('the journal batch may or may not have committed', options);
    this.name = 'CommitOutcomeUnknown';
  }
}

/**
 * One journal batch in one transaction (DM-17, DM-22): share-lock the fence of every number in it, number the
 * rows of the numbers still held after each one's newest seq (read under the lock: only the fence holder appends,
 * so the seqs are gap-free), insert them in one statement, and NOTIFY `journal` with each number's newest seq,
 * which Postgres delivers at the commit and never for a rollback. Rows whose fence is stale are left out. The
 * subscribers write theirs in the same transaction, after the rows (see BatchSubscriber).
 */
export async function writeBatch(pool: pg.Pool, nodeId: string, items: readonly BatchItem[], subscribers: readonly BatchSubscriber[] = []): Promise<BatchOutcome> {
  return withConnection(pool, async (client) => {
    await client.query('BEGIN');
    let committing = false;
    let xid = '';
    try {
      xid = (await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid;
      const held = await lockFences(client, nodeId, items.map((i) => i.claim));
      const accepted = items.filter((i) => held.has(claimKey(i.claim.phoneNumber, i.claim.fence)));
      if (accepted.length === 0) {
        await client.query('ROLLBACK');
        return { stored: items.map(() => null), after: [] };
      }
      const next = await lastSeqs(client, [...new Set(accepted.map((i) => i.claim.phoneNumber))]);
      const numbered = new Map<BatchItem, NewRow>();
      for (const item of accepted) {
        const seq = (next.get(item.claim.phoneNumber) ?? 0) + 1;
        next.set(item.claim.phoneNumber, seq);
        numbered.set(item, { phoneNumber: item.claim.phoneNumber, seq, type: item.draft.type, payload: item.draft.payload });
      }
      const createdAt = await insertRows(client, [...numbered.values()]);
      await notifyNewest(client, next);
      const stored = items.map((item) => {
        const row = numbered.get(item);
        return row ? { ...row, createdAt } : null;
      });
      const entries = stored.filter((entry) => entry !== null);
      const after: AfterCommit[] = [];
      for (const subscriber of subscribers) after.push(...(await subscriber.inBatch(client, entries)));
      const planned: BatchOutcome = { stored, after };
      committing = true;
      try {
        await client.query('COMMIT');
      } catch (err) {
        throw new CommitOutcomeUnknown(xid, planned, { cause: err });
      }
      return planned;
    } catch (err) {
      if (!committing) await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** Whether a transaction committed: 'committed', 'aborted', or 'in progress' (null: too old to tell, treated as aborted). */
export async function commitStatus(pool: pg.Pool, xid: string): Promise<'committed' | 'aborted' | 'in progress'> {
  const { rows } = await pool.query<{ status: string | null }>('SELECT pg_xact_status($1::xid8) AS status', [xid]);
  const status = rows[0]?.status;
  return status === 'committed' || status === 'in progress' ? status : 'aborted';
}
