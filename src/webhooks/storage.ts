import type { DatabaseHandle } from '../db/client.js';
import type { Answer, Mode } from '../db/ports/answer.js';
import type { DeliveryFilter, DeliveryLedger, DeliveryStore, DeliveryWrites, EndpointCounts } from '../db/ports/deliveries.js';
import type { PgDb } from '../db/pg/client.js';
import { PgDeliveryRepository, PgDeliveryWrites } from '../db/pg/repositories/deliveries.js';
import { DeliveryRepository } from '../db/repositories/deliveries.js';
import { sqliteDeliveryLedger, sqliteDeliveryStore } from '../db/repositories/sqlite-ports.js';
import type { TurnWriter } from '../db/turn-writer.js';

/**
 * Where the webhook service keeps its deliveries, on either dialect. `M` is how the per-event side answers: SQLite
 * writes an event's deliveries inside the journal's synchronous transaction and counts the backlog at once (health
 * contributors report synchronously); Postgres answers both with promises.
 */
export interface WebhookStorage<M extends Mode> {
  readonly mode: M;
  /** Reads, replays, forgetting a number, retention. */
  readonly store: DeliveryStore;
  /** The dispatcher's claims and acks (fenced in distributed mode). */
  readonly ledger: DeliveryLedger;
  /** An event's deliveries, written in the transaction that journals the event. */
  readonly writes: DeliveryWrites<M>;
  /** The backlog per endpoint. */
  backlog(filter: Pick<DeliveryFilter, 'phones' | 'scope'>): Answer<M, EndpointCounts[]>;
}

/** One host: the synchronous repository for the per-event path, its async view for the rest, acks in the turn. */
export function sqliteWebhookStorage(database: DatabaseHandle, writer: TurnWriter): WebhookStorage<'sync'> {
  const repo = new DeliveryRepository(database.db);
  return { mode: 'sync', store: sqliteDeliveryStore(repo), ledger: sqliteDeliveryLedger(repo, writer), writes: repo, backlog: (filter) => repo.countsByEndpoint(filter) };
}

/**
 * Distributed mode: the shared tables on Postgres, with the ledger given (FencedDeliveryLedger: claims and acks
 * under the number's fence). `writes` go through the pool; the journal's batch passes writes bound to its own
 * transaction to `WebhookOutbox.recordIn` instead.
 */
export function pgWebhookStorage(db: PgDb, ledger: DeliveryLedger): WebhookStorage<'async'> {
  const store = new PgDeliveryRepository(db);
  return { mode: 'async', store, ledger, writes: new PgDeliveryWrites(db), backlog: (filter) => store.countsByEndpoint(filter) };
}
