import { and, asc, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { AttemptOutcome, DeliveryFilter, DeliveryStore, EndpointCounts, LaneKey, NewDelivery } from '../../ports/deliveries.js';
import type { DeliveryRow, DeliveryStatus } from '../../schema.js';
import type { PgDb } from '../client.js';
import { webhookDeliveries as d } from '../schema.js';
import { pgText } from '../text.js';

const OPEN: DeliveryStatus[] = ['pending', 'failed'];

/** Outbound webhook deliveries on Postgres. A body is JSON text (U+0000 escaped), so stored as given. */
export class PgDeliveryRepository implements DeliveryStore {
  constructor(private readonly db: PgDb) {}

  async insert(rows: readonly NewDelivery[], now: number): Promise<DeliveryRow[]> {
    if (rows.length === 0) return [];
    const stored = await this.db
      .insert(d)
      .values(rows.map((row) => ({ ...row, createdAt: now, updatedAt: now })))
      .returning();
    return (stored as DeliveryRow[]).sort((a, b) => a.id - b.id);
  }

  async get(id: number): Promise<DeliveryRow | undefined> {
    const [row] = await this.db.select().from(d).where(eq(d.id, id));
    return row as DeliveryRow | undefined;
  }

  async heads(lane: LaneKey, limit: number): Promise<DeliveryRow[]> {
    return (await this.db
      .select()
      .from(d)
      .where(and(eq(d.endpoint, lane.endpoint), eq(d.phoneNumber, lane.phoneNumber), eq(d.scope, lane.scope), inArray(d.status, OPEN)))
      .orderBy(asc(d.id))
      .limit(limit)) as DeliveryRow[];
  }

  async openLanes(): Promise<LaneKey[]> {
    return this.db.selectDistinct({ endpoint: d.endpoint, scope: d.scope, phoneNumber: d.phoneNumber }).from(d).where(inArray(d.status, OPEN));
  }

  async settle(id: number, outcome: AttemptOutcome): Promise<void> {
    const common = { attempts: outcome.attempts, lastStatus: outcome.lastStatus, updatedAt: outcome.at };
    const set =
      outcome.status === 'delivered'
        ? { ...common, status: 'delivered' as const, lastError: null, deliveredAt: outcome.at }
        : outcome.status === 'failed'
          ? { ...common, status: 'failed' as const, lastError: pgText(outcome.lastError), nextAttemptAt: outcome.nextAttemptAt }
          : { ...common, status: 'dead' as const, lastError: pgText(outcome.lastError) };
    await this.db.update(d).set(set).where(eq(d.id, id));
  }

  async update(id: number, patch: Parameters<DeliveryStore['update']>[1], now: number): Promise<DeliveryRow | undefined> {
    const [row] = await this.db
      .update(d)
      .set({ ...patch, ...(patch.lastError !== undefined ? { lastError: pgText(patch.lastError) } : {}), updatedAt: now })
      .where(eq(d.id, id))
      .returning();
    return row as DeliveryRow | undefined;
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
