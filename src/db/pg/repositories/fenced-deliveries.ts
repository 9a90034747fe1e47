import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { AttemptOutcome, DeliveryLedger, LaneKey } from '../../ports/deliveries.js';
import type { DeliveryRow } from '../../schema.js';
import type { PgExec } from '../client.js';
import { pgHeads, pgSettle } from './deliveries.js';

/** What the ledger needs of the ownership core (src/cluster/ownership.ts satisfies it as it is). */
export interface NumberFences {
  /** The numbers this node holds, with the fence of each. */
  held(): ReadonlyMap<string, { readonly fence: number }>;
  /** `work` in a transaction that first checks (and share-locks) the fence; refused with CLUSTER_OWNERSHIP_LOST. */
  withFence<T>(phoneNumber: string, fence: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/**
 * Claims and acknowledgements of webhook deliveries in distributed mode (DM-17, DM-23): each runs in a transaction
 * that has checked this node still holds the number with its fence, so a node that lost the number (paused past its
 * lease, partitioned, taken over) reads none of its deliveries and settles none; the new owner finds every row not
 * acknowledged still open and carries on from there. A number this node does not hold is checked with fence 0,
 * which no claim ever gives, so the refusal is the fence check's own (and its coded error).
 */
export class FencedDeliveryLedger implements DeliveryLedger {
  constructor(private readonly fences: NumberFences) {}

  claim(lane: LaneKey, limit: number): Promise<DeliveryRow[]> {
    return this.fenced(lane.phoneNumber, (exec) => pgHeads(exec, lane, limit));
  }

  async ack(row: DeliveryRow, outcome: AttemptOutcome): Promise<void> {
    // Only while the row is open: an attempt's late answer never reopens a row the lane has moved past.
    await this.fenced(row.phoneNumber, (exec) => pgSettle(exec, row.id, outcome, true));
  }

  private fenced<T>(phoneNumber: string, work: (exec: PgExec) => Promise<T>): Promise<T> {
    const fence = this.fences.held().get(phoneNumber)?.fence ?? 0;
    return this.fences.withFence(phoneNumber, fence, (client) => work(drizzle({ client })));
  }
}
