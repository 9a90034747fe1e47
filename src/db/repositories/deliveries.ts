import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { webhookDeliveries, type DeliveryRow, type DeliveryScope, type DeliveryStatus } from '../schema.js';

export type NewDelivery = Pick<DeliveryRow, 'eventId' | 'phoneNumber' | 'endpoint' | 'scope' | 'body' | 'nextAttemptAt' | 'giveUpAt'>;

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

const OPEN: DeliveryStatus[] = ['pending', 'failed'];

/** Outbound webhook deliveries: written before the first attempt, updated after each one. */
export class DeliveryRepository {
  constructor(private readonly db: Db) {}

  insert(rows: readonly NewDelivery[]): DeliveryRow[] {
    if (rows.length === 0) return [];
    return this.db.insert(webhookDeliveries).values([...rows]).returning().all();
  }

  get(id: number): DeliveryRow | undefined {
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  /** The oldest undelivered delivery of a lane: the only one that may be attempted (order per number and endpoint). */
  head(lane: LaneKey): DeliveryRow | undefined {
    // One indexed lookup per open status (endpoint, phone, status, id): an `IN` here would sort the whole lane,
    // and a lane of a receiver that has been down for hours can hold many thousand rows.
    const heads = OPEN.map((status) =>
      this.db
        .select()
        .from(webhookDeliveries)
        .where(and(...laneWhere(lane), eq(webhookDeliveries.status, status)))
        .orderBy(asc(webhookDeliveries.id))
        .limit(1)
        .get(),
    ).filter((row): row is DeliveryRow => row !== undefined);
    return heads.sort((a, b) => a.id - b.id)[0];
  }

  /** Every lane with work left (boot: deliveries survive a restart). */
  openLanes(): LaneKey[] {
    return this.db
      .selectDistinct({ endpoint: webhookDeliveries.endpoint, scope: webhookDeliveries.scope, phoneNumber: webhookDeliveries.phoneNumber })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.status, OPEN))
      .all();
  }

  update(id: number, patch: Partial<Omit<DeliveryRow, 'id' | 'eventId' | 'phoneNumber' | 'endpoint' | 'scope' | 'body' | 'createdAt'>>): DeliveryRow | undefined {
    return this.db
      .update(webhookDeliveries)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(webhookDeliveries.id, id))
      .returning()
      .get();
  }

  /** Newest first. */
  list(filter: DeliveryFilter, limit: number, offset: number): { rows: DeliveryRow[]; total: number } {
    const where = filterWhere(filter);
    if (where === null) return { rows: [], total: 0 };
    const rows = this.db.select().from(webhookDeliveries).where(where).orderBy(desc(webhookDeliveries.id)).limit(limit).offset(offset).all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(webhookDeliveries).where(where).get()?.n ?? 0;
    return { rows, total };
  }

  /** Pending (incl. retrying) and dead counts per endpoint. */
  countsByEndpoint(filter: Pick<DeliveryFilter, 'phones' | 'scope'>): EndpointCounts[] {
    const where = filterWhere(filter);
    if (where === null) return [];
    const d = webhookDeliveries;
    return this.db
      .select({
        endpoint: d.endpoint,
        scope: d.scope,
        pending: sql<number>`sum(case when ${d.status} in ('pending', 'failed') then 1 else 0 end)`,
        retrying: sql<number>`sum(case when ${d.status} = 'failed' then 1 else 0 end)`,
        dead: sql<number>`sum(case when ${d.status} = 'dead' then 1 else 0 end)`,
        oldestPendingAt: sql<number | null>`min(case when ${d.status} in ('pending', 'failed') then ${d.createdAt} end)`,
      })
      .from(d)
      .where(and(where, inArray(d.status, ['pending', 'failed', 'dead'])))
      .groupBy(d.endpoint, d.scope)
      .orderBy(asc(d.endpoint), asc(d.scope))
      .all();
  }

  /** A number was unregistered: its deliveries (bodies included) go with it. */
  deleteForNumber(phoneNumber: string): number {
    return this.db.delete(webhookDeliveries).where(eq(webhookDeliveries.phoneNumber, phoneNumber)).run().changes;
  }

  /** Forget delivered and dead rows older than `before` (the history a user can still inspect or replay). */
  prune(before: number): number {
    return this.db
      .delete(webhookDeliveries)
      .where(and(inArray(webhookDeliveries.status, ['delivered', 'dead']), lt(webhookDeliveries.updatedAt, before)))
      .run().changes;
  }
}

function laneWhere(lane: LaneKey): SQL[] {
  return [eq(webhookDeliveries.endpoint, lane.endpoint), eq(webhookDeliveries.phoneNumber, lane.phoneNumber), eq(webhookDeliveries.scope, lane.scope)];
}

/** null = the filter matches nothing (an empty tenant). */
function filterWhere(filter: DeliveryFilter): SQL | null {
  if (filter.phones && filter.phones.length === 0) return null;
  const parts: SQL[] = [sql`1 = 1`];
  if (filter.status) parts.push(eq(webhookDeliveries.status, filter.status));
  if (filter.phoneNumber) parts.push(eq(webhookDeliveries.phoneNumber, filter.phoneNumber));
  if (filter.phones) parts.push(inArray(webhookDeliveries.phoneNumber, [...filter.phones]));
  if (filter.scope) parts.push(eq(webhookDeliveries.scope, filter.scope));
  return and(...parts) ?? sql`1 = 1`;
}
