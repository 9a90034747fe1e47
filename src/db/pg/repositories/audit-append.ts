import { desc, sql } from 'drizzle-orm';
import type { PgDb, PgExec, PgTx } from '../client.js';
import { announceCommitted } from '../../audit-links.js';
import type { AuditLink } from '../../ports/audit.js';
import { auditEvents } from '../schema-access.js';

/** Any fixed key: every gateway appending to the chain takes its turn on it, until its transaction ends. */
const AUDIT_CHAIN_LOCK = 7_240_118_019;

/**
 * Appends audit rows at the head of the chain inside `tx`. Several gateways write at once, so the head is read and
 * extended under one transaction-scoped advisory lock, held until commit: no two rows can link to the same head.
 * Ids are the head's + 1, not the identity sequence's next value: a sequence skips values after a crash or a
 * rollback, and a gap reads as a deleted row. The sequence is set to the id: the high-water mark that shows rows
 * removed from the end (SQLite's AUTOINCREMENT counter). Unlike that counter it is not transactional, so after a
 * failed commit it runs one ahead until the next row takes that id; and once rows removed from the end have been
 * followed by new ones, the ids no longer show it (the head hash kept elsewhere does, as on SQLite).
 */
export async function appendAuditRowsPg(tx: PgExec, links: readonly AuditLink[]): Promise<number[]> {
  if (links.length === 0) return [];
  await lockAuditChain(tx);
  const [head] = await tx.select({ id: auditEvents.id, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  let id = head?.id ?? 0;
  let prevHash = head?.hash ?? null;
  const ids: number[] = [];
  for (const link of links) {
    // No U+0000 to strip: the row is hashed as built, and src/audit builds rows without it on both dialects.
    const row = link.row(prevHash);
    id += 1;
    await tx.insert(auditEvents).values({ ...row, id });
    ids.push(id);
    prevHash = row.hash;
  }
  await tx.execute(sql`select setval(pg_get_serial_sequence('audit_events', 'id'), ${id}, true)`);
  return ids;
}

/** Until `tx` ends, no other transaction appends to (or prunes) the chain. Taking it again in `tx` is free. */
export async function lockAuditChain(tx: PgExec): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}

/**
 * `work` and the audit row that records it in one transaction (the row last, so the chain's lock is held shortest);
 * undefined from `work`: nothing changed, no row (as the SQLite twin, ../../repositories/audit-append.ts).
 */
export async function withAuditPg<T>(db: Pick<PgDb, 'transaction'>, audit: AuditLink | undefined, work: (tx: PgTx) => Promise<T>): Promise<T> {
  const { result, links, ids } = await db.transaction(async (tx) => {
    const result = await work(tx);
    const links = audit && result !== undefined ? [audit] : [];
    return { result, links, ids: await appendAuditRowsPg(tx, links) };
  });
  announceCommitted(links, ids);
  return result;
}
