import { and, asc, desc, eq, gt, ilike, lt, lte, max, sql } from 'drizzle-orm';
import { auditWhere } from '../../audit-where.js';
import type { AuditFilter, AuditLink, AuditStore, AuditVisibility, PruneFacts } from '../../ports/audit.js';
import type { AuditRow } from '../../schema-access.js';
import type { PgDb } from '../client.js';
import { auditEvents } from '../schema-access.js';
import { announceCommitted } from '../../audit-links.js';
import { appendAuditRowsPg, lockAuditChain } from './audit-append.js';

/** The audit table on Postgres (see ports/audit.ts; the chain's lock and ids: ./audit-append.ts). */
export class PgAuditRepository implements AuditStore {
  constructor(private readonly db: PgDb) {}

  async append(links: readonly AuditLink[]): Promise<number[]> {
    const ids = await this.db.transaction((tx) => appendAuditRowsPg(tx, links));
    announceCommitted(links, ids);
    return ids;
  }

  async page(filter: AuditFilter, visibility: AuditVisibility, before: number | null, limit: number): Promise<AuditRow[]> {
    const where = [...auditWhere(auditEvents, filter, visibility, ilike), ...(before === null ? [] : [lt(auditEvents.id, before)])];
    return this.db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.id)).limit(limit);
  }

  async ascending(filter: AuditFilter, visibility: AuditVisibility, after: number, limit: number): Promise<AuditRow[]> {
    const where = [...auditWhere(auditEvents, filter, visibility, ilike), gt(auditEvents.id, after)];
    return this.db.select().from(auditEvents).where(and(...where)).orderBy(asc(auditEvents.id)).limit(limit);
  }

  /** Under the chain's lock, so no row is appended between choosing the rows to keep and recording the pruning. */
  async prune(before: number, record: (facts: PruneFacts) => AuditLink): Promise<number> {
    let link: AuditLink | null = null;
    const result = await this.db.transaction(async (tx) => {
      await lockAuditChain(tx);
      const [found] = await tx.select({ id: max(auditEvents.id) }).from(auditEvents).where(lt(auditEvents.at, before));
      const [newest] = await tx.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
      if (found?.id === null || found?.id === undefined || !newest) return null;
      const [through] = await tx
        .select()
        .from(auditEvents)
        .where(found.id < newest.id ? eq(auditEvents.id, found.id) : lt(auditEvents.id, newest.id))
        .orderBy(desc(auditEvents.id))
        .limit(1);
      if (!through) return null;
      const deleted = (await tx.delete(auditEvents).where(lte(auditEvents.id, through.id))).rowCount ?? 0;
      link = record({ throughId: through.id, throughHash: through.hash, deleted });
      return { deleted, ids: await appendAuditRowsPg(tx, [link]) };
    });
    if (!result || !link) return 0;
    announceCommitted([link], result.ids);
    return result.deleted;
  }

  async sequence(): Promise<number | null> {
    const result = await this.db.execute<{ seq: string | null }>(sql`select pg_sequence_last_value(pg_get_serial_sequence('audit_events', 'id')::regclass) as seq`);
    const seq = result.rows[0]?.seq;
    return seq === null || seq === undefined ? null : Number(seq);
  }

  async lastPrune(): Promise<AuditRow | undefined> {
    const [row] = await this.db.select().from(auditEvents).where(eq(auditEvents.action, 'audit.prune')).orderBy(desc(auditEvents.id)).limit(1);
    return row;
  }
}
