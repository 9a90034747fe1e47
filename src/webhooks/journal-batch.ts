import type pg from 'pg';
import type { NewDelivery } from '../db/ports/deliveries.js';
import { pgDeliveryWritesOn } from '../db/pg/repositories/deliveries.js';
import type { DeliveryRow } from '../db/schema.js';
import type { RecordedEvent } from '../events/feed-message.js';
import { storedEvent } from '../events/journal.js';
import type { Clock } from '../lib/clock.js';

/** What plans an event's deliveries (the webhook outbox, the compat layer's Flask webhooks). */
export interface DeliveryPlanner {
  plan(event: RecordedEvent): readonly NewDelivery[];
}

/** A row of the Postgres journal as its batch stored it: numbered there (the cluster's JournalEntry). */
export interface StoredJournalRow {
  readonly phoneNumber: string;
  readonly seq: number;
  readonly payload: Record<string, unknown>;
}

/** A durable subscriber of the Postgres journal's batches (the cluster's BatchSubscriber, by shape). */
export interface JournalBatchStep {
  inBatch(client: pg.PoolClient, stored: readonly StoredJournalRow[]): Promise<readonly (() => void)[]>;
}

/**
 * Distributed mode (DM-23): the deliveries of the events of a Postgres journal batch, planned from each row as
 * stored (so the body's `seq` is the Postgres seq every node's sockets see, and `id` the event's own) and written
 * in one statement in the batch's transaction: a delivery exists if and only if its event is in the journal. The
 * dispatcher gets the rows once the batch has committed. Rows are inserted in the journal's order, so each lane's
 * ids follow its events' seqs.
 */
export function deliveriesInJournalBatch(planners: readonly DeliveryPlanner[], added: (rows: readonly DeliveryRow[]) => void, clock: Clock): JournalBatchStep {
  return {
    async inBatch(client, stored) {
      const rows = stored.flatMap((row) => {
        const event = storedEvent(row.phoneNumber, row.seq, row.payload);
        return planners.flatMap((planner) => planner.plan(event));
      });
      if (rows.length === 0) return [];
      const inserted = await pgDeliveryWritesOn(client).insert(rows, clock.now());
      return [() => added(inserted)];
    },
  };
}
