import type { DeliveryRow, DeliveryScope, DeliveryStatus } from '../schema.js';
import type { Mode, Answer } from './answer.js';
import type { AuditLink } from './audit.js';

export type NewDelivery = Pick<DeliveryRow, 'eventId' | 'phoneNumber' | 'endpoint' | 'scope' | 'eventType' | 'body' | 'nextAttemptAt' | 'giveUpAt'>;

export type DeliveryPatch = Partial<Omit<DeliveryRow, 'id' | 'eventId' | 'phoneNumber' | 'endpoint' | 'scope' | 'body' | 'createdAt' | 'updatedAt'>>;

/** What an attempt's outcome writes (the row's other fields stay as they are). */
export type AttemptOutcome =
  | { readonly status: 'delivered'; readonly attempts: number; readonly lastStatus: number | null; readonly at: number }
  | { readonly status: 'failed'; readonly attempts: number; readonly lastStatus: number | null; readonly lastError: string | null; readonly nextAttemptAt: number; readonly at: number }
  | { readonly status: 'dead'; readonly attempts: number; readonly lastStatus: number | null; readonly lastError: string; readonly at: number };

/** One ordered queue: deliveries of one number to one endpoint (for one scope). */
export interface LaneKey {
  readonly endpoint: string;
  readonly scope: DeliveryScope;
  readonly phoneNumber: string;
}

export interface DeliveryFilter {
  readonly status?: DeliveryStatus;
  readonly phoneNumber?: string;
  /** Restrict to these numbers (a tenant's own); undefined = every number. */
  readonly phones?: readonly string[];
  readonly scope?: DeliveryScope;
}

export interface EndpointCounts {
  readonly endpoint: string;
  readonly scope: DeliveryScope;
  readonly pending: number;
  readonly retrying: number;
  readonly dead: number;
  readonly oldestPendingAt: number | null;
}

/**
 * Outbound webhook deliveries on either dialect: written before the first attempt, settled after each one. A lane
 * (one number to one endpoint, for one scope) is delivered in order: only its oldest open delivery may be tried.
 */
export interface DeliveryStore {
  /** The new rows as stored, in the order given (ids increasing). */
  insert(rows: readonly NewDelivery[], now: number): Promise<DeliveryRow[]>;
  get(id: number): Promise<DeliveryRow | undefined>;
  /** The oldest open (pending or failed) deliveries of a lane, oldest first. */
  heads(lane: LaneKey, limit: number): Promise<DeliveryRow[]>;
  /** Every lane with work left (of one number only, when given). */
  openLanes(phoneNumber?: string): Promise<LaneKey[]>;
  /** An attempt's outcome. */
  settle(id: number, outcome: AttemptOutcome): Promise<void>;
  /** undefined when there is no such delivery (then no audit row either); `updatedAt` becomes `now`. */
  update(id: number, patch: DeliveryPatch, now: number, audit?: AuditLink): Promise<DeliveryRow | undefined>;
  /** Newest first, and how many match in all. */
  list(filter: DeliveryFilter, limit: number, offset: number): Promise<{ rows: DeliveryRow[]; total: number }>;
  /** Open, retrying and dead counts per endpoint and scope. */
  countsByEndpoint(filter: Pick<DeliveryFilter, 'phones' | 'scope'>): Promise<EndpointCounts[]>;
  /** A number was unregistered: its deliveries go with it. How many. */
  deleteForNumber(phoneNumber: string): Promise<number>;
  /** Forget delivered and dead rows last changed before `before`. How many. */
  prune(before: number): Promise<number>;
}

/**
 * Where an event's deliveries are written, inside the transaction that journals the event: on SQLite the journal's
 * synchronous transaction (the per-event path waits for no promise), on Postgres a writer bound to the batch's
 * transaction (see ./answer.ts).
 */
export interface DeliveryWrites<M extends Mode> {
  /** The new rows as stored, in the order given (ids increasing). */
  insert(rows: readonly NewDelivery[], now: number): Answer<M, DeliveryRow[]>;
}

/**
 * What the dispatcher takes and acknowledges: a lane's next open deliveries (the claim) and an attempt's outcome
 * (the ack). On one host both are plain reads and writes; in distributed mode both run under the fence of the
 * number (DM-17, DM-23), so a node that lost the number can neither take its deliveries nor settle one, and the
 * new owner carries on from the last acknowledged row.
 */
export interface DeliveryLedger {
  /** The lane's oldest open deliveries, oldest first; rejects when this node may not send the lane's number. */
  claim(lane: LaneKey, limit: number): Promise<DeliveryRow[]>;
  /** The outcome of an attempt at `row`; rejects (writing nothing) when this node may not send its number. */
  ack(row: DeliveryRow, outcome: AttemptOutcome): Promise<void>;
}
