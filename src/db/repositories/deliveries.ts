import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { webhookDeliveries, type DeliveryRow, type DeliveryStatus } from '../schema.js';

import type { AuditLink } from '../ports/audit.js';
import type { AttemptOutcome, DeliveryFilter, DeliveryPatch, DeliveryWrites, EndpointCounts, LaneKey, NewDelivery } from '../ports/deliveries.js';
import { withAudit } from './audit-append.js';

export type { AttemptOutcome, DeliveryFilter, EndpointCounts, LaneKey, NewDelivery } from '../ports/deliveries.js';

const OPEN: DeliveryStatus[] = ['pending', 'failed'];

/** Outbound webhook deliveries: written before the first attempt, updated after each one. */
export class DeliveryRepository implements DeliveryWrites<'sync'> {
  /** What every event and every attempt runs, built once (drizzle's building and SQLite's compile were most of a delivery). */
  private readonly hot;

  constructor(private readonly db: Db) {
    this.hot = prepareHotQueries(db);
  }

  /** Returns the new rows as stored (built here, not read back: no RETURNING). */
  insert(rows: readonly NewDelivery[], now: number): DeliveryRow[] {
    return rows.map((row) => {
      const id = Number(this.hot.insert.run({ ...row, now }).lastInsertRowid);
      return { ...row, id, status: 'pending', attempts: 0, lastStatus: null, lastError: null, deliveredAt: null, createdAt: now, updatedAt: now };
    });
  }

  get(id: number): DeliveryRow | undefined {
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  /**
   * The oldest undelivered deliveries of a lane, oldest first (order per number and endpoint: only the first may be
   * attempted; the rest are what comes after it). One indexed walk per open status (endpoint, phone, status, id):
   * an `IN` here would sort the whole lane, and a lane of a receiver down for hours can hold many thousand rows.
   */
  heads(lane: LaneKey, limit: number): DeliveryRow[] {
    const params = { endpoint: lane.endpoint, phoneNumber: lane.phoneNumber, scope: lane.scope, limit };
    const pending = this.hot.headsPending.all(params);
    const failed = this.hot.headsFailed.all(params);
    if (failed.length === 0) return pending;
    return [...pending, ...failed].sort((a, b) => a.id - b.id).slice(0, limit);
  }

  /** The oldest undelivered delivery of a lane: the only one that may be attempted. */
  head(lane: LaneKey): DeliveryRow | undefined {
    return this.heads(lane, 1)[0];
  }

  /** Every lane with work left (boot: deliveries survive a restart), of one number only when given. */
  openLanes(phoneNumber?: string): LaneKey[] {
    const open = inArray(webhookDeliveries.status, OPEN);
    return this.db
      .selectDistinct({ endpoint: webhookDeliveries.endpoint, scope: webhookDeliveries.scope, phoneNumber: webhookDeliveries.phoneNumber })
      .from(webhookDeliveries)
      .where(phoneNumber === undefined ? open : and(open, eq(webhookDeliveries.phoneNumber, phoneNumber)))
      .all();
  }

  /** An attempt's outcome (no row read back: the dispatcher knows what it wrote). */
  settle(id: number, outcome: AttemptOutcome): void {
    if (outcome.status === 'delivered') this.hot.delivered.run({ id, attempts: outcome.attempts, lastStatus: outcome.lastStatus, now: outcome.at });
    else if (outcome.status === 'failed') this.hot.failed.run({ id, attempts: outcome.attempts, lastStatus: outcome.lastStatus, lastError: outcome.lastError, nextAttemptAt: outcome.nextAttemptAt, now: outcome.at });
    else this.hot.dead.run({ id, attempts: outcome.attempts, lastStatus: outcome.lastStatus, lastError: outcome.lastError, now: outcome.at });
  }

  /** With `audit`, its row commits in the same transaction (none when there is no such delivery). */
  update(id: number, patch: DeliveryPatch, now = Date.now(), audit?: AuditLink): DeliveryRow | undefined {
    return withAudit(this.db, audit, () => this.db.update(webhookDeliveries).set({ ...patch, updatedAt: now }).where(eq(webhookDeliveries.id, id)).returning().get());
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

const param = (name: string) => sql.placeholder(name);
/** A placeholder where drizzle's types want SQL (update sets): the value is bound as given. */
const asSql = (name: string): SQL => sql`${param(name)}`;

function prepareHotQueries(db: Db) {
  const d = webhookDeliveries;
  const lane = and(eq(d.endpoint, param('endpoint')), eq(d.phoneNumber, param('phoneNumber')), eq(d.scope, param('scope')));
  const headsOf = (status: DeliveryStatus) => db.select().from(d).where(and(lane, eq(d.status, status))).orderBy(asc(d.id)).limit(param('limit')).prepare();
  return {
    insert: db
      .insert(d)
      .values({
        eventId: param('eventId'),
        phoneNumber: param('phoneNumber'),
        endpoint: param('endpoint'),
        scope: param('scope'),
        eventType: param('eventType'),
        body: param('body'),
        nextAttemptAt: param('nextAttemptAt'),
        giveUpAt: param('giveUpAt'),
        createdAt: param('now'),
        updatedAt: param('now'),
      })
      .prepare(),
    headsPending: headsOf('pending'),
    headsFailed: headsOf('failed'),
    delivered: db
      .update(d)
      .set({ status: 'delivered', attempts: asSql('attempts'), lastStatus: asSql('lastStatus'), lastError: null, deliveredAt: asSql('now'), updatedAt: asSql('now') })
      .where(eq(d.id, param('id')))
      .prepare(),
    failed: db
      .update(d)
      .set({ status: 'failed', attempts: asSql('attempts'), lastStatus: asSql('lastStatus'), lastError: asSql('lastError'), nextAttemptAt: asSql('nextAttemptAt'), updatedAt: asSql('now') })
      .where(eq(d.id, param('id')))
      .prepare(),
    dead: db
      .update(d)
      .set({ status: 'dead', attempts: asSql('attempts'), lastStatus: asSql('lastStatus'), lastError: asSql('lastError'), updatedAt: asSql('now') })
      .where(eq(d.id, param('id')))
      .prepare(),
  };
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
