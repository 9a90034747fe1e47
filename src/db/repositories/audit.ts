import { and, asc, desc, eq, gt, like, lt, lte, max, sql } from 'drizzle-orm';
import { auditWhere } from '../audit-where.js';
import type { Db } from '../client.js';
import type { AuditFilter, AuditLink, AuditStore, AuditVisibility, InlineAudit, PruneFacts } from '../ports/audit.js';
import { auditEvents, type AuditRow } from '../schema-access.js';
import { announceCommitted } from '../audit-links.js';
import { appendAuditRows } from './audit-append.js';

export type { AuditFilter, AuditVisibility, NewAuditRow } from '../ports/audit.js';

/** The audit table on SQLite: appended to, read in pages, pruned from the oldest end only. */
export class AuditRepository implements AuditStore, InlineAudit {
  constructor(private readonly db: Db) {}

  async append(links: readonly AuditLink[]): Promise<number[]> {
    const ids = this.appendNow(links);
    announceCommitted(links, ids);
    return ids;
  }

  appendNow(links: readonly AuditLink[]): number[] {
    return this.db.transaction(() => appendAuditRows(this.db.$client, links));
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }

  async page(filter: AuditFilter, visibility: AuditVisibility, before: number | null, limit: number): Promise<AuditRow[]> {
    const where = [...auditWhere(auditEvents, filter, visibility, like), ...(before === null ? [] : [lt(auditEvents.id, before)])];
    return this.db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.id)).limit(limit).all();
  }

  async ascending(filter: AuditFilter, visibility: AuditVisibility, after: number, limit: number): Promise<AuditRow[]> {
    const where = [...auditWhere(auditEvents, filter, visibility, like), gt(auditEvents.id, after)];
    return this.db.select().from(auditEvents).where(and(...where)).orderBy(asc(auditEvents.id)).limit(limit).all();
  }

  async prune(before: number, record: (facts: PruneFacts) => AuditLink): Promise<number> {
    let link: AuditLink | null = null;
    const result = this.db.transaction(() => {
      const found = this.db.select({ id: max(auditEvents.id) }).from(auditEvents).where(lt(auditEvents.at, before)).get()?.id ?? null;
      const newest = this.db.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1).get();
      if (found === null || !newest) return null;
      // The newest row always stays: the chain's head is what the next row links to.
      const through = this.db
        .select()
        .from(auditEvents)
        .where(found < newest.id ? eq(auditEvents.id, found) : lt(auditEvents.id, newest.id))
        .orderBy(desc(auditEvents.id))
        .limit(1)
        .get();
      if (!through) return null;
      const deleted = this.db.delete(auditEvents).where(lte(auditEvents.id, through.id)).run().changes;
      link = record({ throughId: through.id, throughHash: through.hash, deleted });
      return { deleted, ids: appendAuditRows(this.db.$client, [link]) };
    });
    if (!result || !link) return 0;
    announceCommitted([link], result.ids);
    return result.deleted;
  }

  async sequence(): Promise<number | null> {
    return this.db.get<{ seq: number } | undefined>(sql`select seq from sqlite_sequence where name = 'audit_events'`)?.seq ?? null;
  }

  async lastPrune(): Promise<AuditRow | undefined> {
    return this.db.select().from(auditEvents).where(eq(auditEvents.action, 'audit.prune')).orderBy(desc(auditEvents.id)).limit(1).get();
  }
}
