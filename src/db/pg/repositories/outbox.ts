import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { AuditLink } from '../../ports/audit.js';
import type { MessageFilter, NewMessage } from '../../ports/messages.js';
import type { OutboxStore } from '../../ports/outbox.js';
import type { MessageRow } from '../../schema.js';
import { PgMessageRepository } from './messages.js';

/**
 * Distributed mode's fences, as the ownership core keeps them (src/cluster/ownership.ts satisfies this): the fence
 * this node holds each number with, and a transaction that first checks it (`fencedTransaction`), refusing with
 * CLUSTER_OWNERSHIP_LOST, writing nothing, once another node has claimed the number.
 */
export interface OutboxFence {
  held(): ReadonlyMap<string, { readonly fence: number }>;
  withFence<T>(phoneNumber: string, fence: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** No claim gives fence 0 (the first is 1): a number this node does not hold is refused by the same check. */
const NOT_HELD = 0;

/**
 * The outbox on Postgres. Any node accepts into it; with a fence (distributed mode) every status change of a number's
 * messages runs in a transaction that has checked this node still owns the number, so a node that lost it (paused
 * past its lease, partitioned) can neither claim nor settle a message the new owner is working on. Without one
 * (a single node on Postgres) the changes are plain conditional updates.
 */
export class PgOutboxStore implements OutboxStore<'async'> {
  readonly mode = 'async' as const;
  readonly messages: PgMessageRepository;

  constructor(
    db: NodePgDatabase,
    private readonly fence?: OutboxFence,
  ) {
    this.messages = new PgMessageRepository(db);
  }

  async insertOnce(row: NewMessage, audit: AuditLink | undefined, created: (row: MessageRow) => void): Promise<{ row: MessageRow; created: boolean }> {
    const result = await this.messages.insertOnce(row, audit);
    if (result.created) created(result.row);
    return result;
  }

  get(id: string): Promise<MessageRow | undefined> {
    return this.messages.get(id);
  }

  list(filter: MessageFilter): Promise<{ rows: MessageRow[]; total: number }> {
    return this.messages.list(filter);
  }

  depth(phoneNumber: string): Promise<number> {
    return this.messages.depth(phoneNumber);
  }

  nextPending(phoneNumber: string, exclude: readonly string[]): Promise<MessageRow | undefined> {
    return this.messages.nextPending(phoneNumber, exclude);
  }

  knownWaIds(phoneNumber: string, waIds: readonly string[]): Promise<Set<string>> {
    return this.messages.knownWaIds(phoneNumber, waIds);
  }

  applyReceipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read', at: number): Promise<MessageRow[]> {
    return this.messages.applyReceipt(phoneNumber, waIds, receipt, at);
  }

  markSending(phoneNumber: string, id: string, now: number): Promise<MessageRow | undefined> {
    return this.owned(phoneNumber, (store) => store.markSending(id, now));
  }

  markSent(phoneNumber: string, id: string, waMessageId: string, sentAt: number): Promise<MessageRow | undefined> {
    return this.owned(phoneNumber, (store) => store.markSent(id, waMessageId, sentAt));
  }

  markFailed(phoneNumber: string, id: string, error: string, now: number): Promise<MessageRow | undefined> {
    return this.owned(phoneNumber, (store) => store.markFailed(id, error, now));
  }

  requeue(phoneNumber: string, id: string, patch: { nextAttemptAt: number | null; error: string; uncount: boolean }, now: number): Promise<MessageRow | undefined> {
    return this.owned(phoneNumber, (store) => store.requeue(id, patch, now));
  }

  keepUnknown(phoneNumber: string, id: string, patch: { nextAttemptAt: number | null; error: string }): Promise<MessageRow | undefined> {
    return this.owned(phoneNumber, (store) => store.keepUnknown(id, patch));
  }

  expire(phoneNumber: string, id: string, now: number): Promise<MessageRow | undefined> {
    return this.owned(phoneNumber, (store) => store.expire(id, now));
  }

  /** A status change about the number: under its fence when there is one. */
  private owned<T>(phoneNumber: string, change: (store: PgMessageRepository) => Promise<T>): Promise<T> {
    const { fence } = this;
    if (!fence) return change(this.messages);
    const held = fence.held().get(phoneNumber)?.fence ?? NOT_HELD;
    return fence.withFence(phoneNumber, held, (client) => change(new PgMessageRepository(drizzle({ client }))));
  }
}
