import type Database from 'better-sqlite3';
import { announceCommitted } from '../audit-links.js';
import type { AuditLink, NewAuditRow } from '../ports/audit.js';

/** Row field → column, in insert order. */
const COLUMNS: readonly (readonly [keyof NewAuditRow, string])[] = [
  ['at', 'at'],
  ['actorType', 'actor_type'],
  ['actorId', 'actor_id'],
  ['actorName', 'actor_name'],
  ['keyId', 'key_id'],
  ['ip', 'ip'],
  ['userAgent', 'user_agent'],
  ['requestId', 'request_id'],
  ['action', 'action'],
  ['targetType', 'target_type'],
  ['targetId', 'target_id'],
  ['phoneNumber', 'phone_number'],
  ['params', 'params'],
  ['result', 'result'],
  ['httpStatus', 'http_status'],
  ['errorCode', 'error_code'],
  ['prevHash', 'prev_hash'],
  ['hash', 'hash'],
];
const INSERT = `INSERT INTO audit_events (${COLUMNS.map(([, c]) => c).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
const HEAD = 'SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1';

/**
 * Appends audit rows at the head of the chain on the SQLite connection, synchronously: called inside the
 * transaction of the change they record (or one of their own), so nothing can come between reading the head and
 * the insert. On better-sqlite3 directly, not drizzle: an audit row is written for every change. The same text
 * gets the same compiled statement back (db/client.ts).
 */
export function appendAuditRows(sqlite: Database.Database, links: readonly AuditLink[]): number[] {
  const insert = sqlite.prepare(INSERT);
  const head = sqlite.prepare(HEAD).pluck();
  return links.map((link) => {
    const row = link.row((head.get() as string | undefined) ?? null);
    const values = COLUMNS.map(([field]) => (field === 'params' ? (row.params === null ? null : JSON.stringify(row.params)) : row[field]));
    return Number(insert.run(...values).lastInsertRowid);
  });
}

/**
 * `work` and the audit row that records it in one synchronous transaction; the row's id is announced after the
 * commit. `work` answering undefined means nothing was changed (no such row): then no row is written either.
 * What every SQLite store that writes a change with its row goes through.
 */
export function withAudit<T>(db: { transaction<R>(fn: () => R): R; $client: Database.Database }, audit: AuditLink | undefined, work: () => T): T {
  const { result, links, ids } = db.transaction(() => {
    const result = work();
    const links = audit && result !== undefined ? [audit] : [];
    return { result, links, ids: appendAuditRows(db.$client, links) };
  });
  announceCommitted(links, ids);
  return result;
}
