import type { DeliveryRow, DeliveryScope, DeliveryStatus } from '../schema.js';

export type NewDelivery = Pick<DeliveryRow, 'eventId' | 'phoneNumber' | 'endpoint' | 'scope' | 'eventType' | 'body' | 'nextAttemptAt' | 'giveUpAt'>;

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
  /** Every lane with work left. */
  openLanes(): Promise<LaneKey[]>;
  /** An attempt's outcome. */
  settle(id: number, outcome: AttemptOutcome): Promise<void>;
  /** undefined when there is no such delivery; `updatedAt` becomes `now`. */
  update(id: number, patch: Partial<Omit<DeliveryRow, 'id' | 'eventId' | 'phoneNumber' | 'endpoint' | 'scope' | 'body' | 'createdAt' | 'updatedAt'>>, now: number): Promise<DeliveryRow | undefined>;
  /** Newest first, and how many match in all. */
  list(filter: DeliveryFilter, limit: number, offset: number): Promise<{ rows: DeliveryRow[]; total: number }>;
  /** Open, retrying and dead counts per endpoint and scope. */
  countsByEndpoint(filter: Pick<DeliveryFilter, 'phones' | 'scope'>): Promise<EndpointCounts[]>;
  /** A number was unregistered: its deliveries go with it. How many. */
  deleteForNumber(phoneNumber: string): Promise<number>;
  /** Forget delivered and dead rows last changed before `before`. How many. */
  prune(before: number): Promise<number>;
}
