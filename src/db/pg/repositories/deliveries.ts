import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { AuditLink } from '../../ports/audit.js';
import type { AttemptOutcome, DeliveryFilter, DeliveryPatch, DeliveryStore, DeliveryWrites, EndpointCounts, LaneKey, NewDelivery } from '../../ports/deliveries.js';
import type { DeliveryRow, DeliveryStatus } from '../../schema.js';
import type { PgDb, PgExec } from '../client.js';
import { withAuditPg } from './audit-append.js';
import { webhookDeliveries as d } from '../schema.js';
import { pgText } from '../text.js';

const OPEN: DeliveryStatus[] = ['pending', 'failed'];

/**
 * An event's deliveries written through `exec`: the pool, or the transaction that journals the event (the Postgres
 * turn writer's batch), so they commit with it.
 */
export class PgDeliveryWrites implements DeliveryWrites<'async'> {
  constructor(private readonly exec: PgExec) {}

  async insert(rows: readonly NewDelivery[], now: number): Promise<DeliveryRow[]> {
    if (rows.length === 0) return [];
    const stored = await this.exec
      .insert(d)
      .values(rows.map((row) => ({ ...row, createdAt: now, updatedAt: now })))
      .returning();
    return (stored as DeliveryRow[]).sort((a, b) => a.id - b.id);
  }
}

/** An event's deliveries written on a connection inside its transaction (the Postgres journal's batch). */
export function pgDeliveryWritesOn(client: pg.PoolClient): PgDeliveryWrites {
  return new PgDeliveryWrites(drizzle({ client }));
}

/** Outbound webhook deliveries on Postgres. A body is JSON text (U+0000 escaped), so stored as given. */
export class PgDeliveryRepository implements DeliveryStore {
  private readonly writes: PgDeliveryWrites;

  constructor(private readonly db: PgDb) {
    this.writes = new PgDeliveryWrites(db);
  }

  insert(rows: readonly NewDelivery[], now: number): Promise<DeliveryRow[]> {
    return this.writes.insert(rows, now);
  }

  async get(id: number): Promise<DeliveryRow | undefined> {
    const [row] = await this.db.select().from(d).where(eq(d.id, id));
    return row as DeliveryRow | undefined;
  }

  heads(lane: LaneKey, limit: number): Promise<DeliveryRow[]> {
    return pgHeads(this.db, lane, limit);
  }

  async openLanes(phoneNumber?: string): Promise<LaneKey[]> {
    const open = inArray(d.status, OPEN);
    return this.db
      .selectDistinct({ endpoint: d.endpoint, scope: d.scope, phoneNumber: d.phoneNumber })
      .from(d)
      .where(phoneNumber === undefined ? open : and(open, eq(d.phoneNumber, phoneNumber)));
  }

  async settle(id: number, outcome: AttemptOutcome): Promise<void> {
    await pgSettle(this.db, id, outcome);
  }

  async update(id: number, patch: DeliveryPatch, now: number, audit?: AuditLink): Promise<DeliveryRow | undefined> {
    return withAuditPg(this.db, audit, async (tx) => {
      const [row] = await tx
        .update(d)
        .set({ ...patch, ...(patch.lastError !== undefined ? { lastError: pgText(patch.lastError) } : {}), updatedAt: now })
        .where(eq(d.id, id))
        .returning();
      return row as DeliveryRow | undefined;
    });
  }

  async list(filter: DeliveryFilter, limit: number, offset: number): Promise<{ rows: DeliveryRow[]; total: number }> {
    const where = filterWhere(filter);
    if (where === null) return { rows: [], total: 0 };
    const rows = await this.db.select().from(d).where(where).orderBy(desc(d.id)).limit(limit).offset(offset);
    const [count] = await this.db.select({ n: sql<string>`count(*)` }).from(d).where(where);
    return { rows: rows as DeliveryRow[], total: Number(count?.n ?? 0) };
  }

  async countsByEndpoint(filter: Pick<DeliveryFilter, 'phones' | 'scope'>): Promise<EndpointCounts[]> {
    const where = filterWhere(filter);
    if (where === null) return [];
    const rows = await this.db
      .select({
        endpoint: d.endpoint,
        scope: d.scope,
        pending: sql<string>`sum(case when ${d.status} in ('pending', 'failed') then 1 else 0 end)`,
        retrying: sql<string>`sum(case when ${d.status} = 'failed' then 1 else 0 end)`,
        dead: sql<string>`sum(case when ${d.status} = 'dead' then 1 else 0 end)`,
        oldestPendingAt: sql<string | null>`min(case when ${d.status} in ('pending', 'failed') then ${d.createdAt} end)`,
      })
      .from(d)
      .where(and(where, inArray(d.status, ['pending', 'failed', 'dead'])))
      .groupBy(d.endpoint, d.scope)
      .orderBy(asc(d.endpoint), asc(d.scope));
    return rows.map((r) => ({ ...r, pending: Number(r.pending), retrying: Number(r.retrying), dead: Number(r.dead), oldestPendingAt: r.oldestPendingAt === null ? null : Number(r.oldestPendingAt) }));
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    return (await this.db.delete(d).where(eq(d.phoneNumber, phoneNumber))).rowCount ?? 0;
  }

  async prune(before: number): Promise<number> {
    return (await this.db.delete(d).where(and(inArray(d.status, ['delivered', 'dead']), lt(d.updatedAt, before)))).rowCount ?? 0;
  }
}

/** A lane's oldest open deliveries, through the pool or a (fenced) transaction. */
export async function pgHeads(exec: PgExec, lane: LaneKey, limit: number): Promise<DeliveryRow[]> {
  return (await exec
    .select()
    .from(d)
    .where(and(eq(d.endpoint, lane.endpoint), eq(d.phoneNumber, lane.phoneNumber), eq(d.scope, lane.scope), inArray(d.status, OPEN)))
    .orderBy(asc(d.id))
    .limit(limit)) as DeliveryRow[];
}

/**
 * An attempt's outcome; with `openOnly`, only while the row is still open, so an acknowledgement that comes late
 * never turns a row another attempt settled back into a retry. How many rows changed.
 */
export async function pgSettle(exec: PgExec, id: number, outcome: AttemptOutcome, openOnly = false): Promise<number> {
  const common = { attempts: outcome.attempts, lastStatus: outcome.lastStatus, updatedAt: outcome.at };
  const set =
    outcome.status === 'delivered'
      ? { ...common, status: 'delivered' as const, lastError: null, deliveredAt: outcome.at }
      : outcome.status === 'failed'
        ? { ...common, status: 'failed' as const, lastError: pgText(outcome.lastError), nextAttemptAt: outcome.nextAttemptAt }
        : { ...common, status: 'dead' as const, lastError: pgText(outcome.lastError) };
  const result = await exec
    .update(d)
    .set(set)
    .where(openOnly ? and(eq(d.id, id), inArray(d.status, OPEN)) : eq(d.id, id));
  return result.rowCount ?? 0;
}

/** null = the filter matches nothing (an empty tenant). */
function filterWhere(filter: DeliveryFilter): SQL | null {
  if (filter.phones && filter.phones.length === 0) return null;
  const parts: SQL[] = [sql`true`];
  if (filter.status) parts.push(eq(d.status, filter.status));
  if (filter.phoneNumber) parts.push(eq(d.phoneNumber, filter.phoneNumber));
  if (filter.phones) parts.push(inArray(d.phoneNumber, [...filter.phones]));
  if (filter.scope) parts.push(eq(d.scope, filter.scope));
  return and(...parts) ?? sql`true`;
}
