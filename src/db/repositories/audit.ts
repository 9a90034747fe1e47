import { and, asc, desc, eq, gt, gte, inArray, isNull, like, lt, lte, max, or, sql, type SQL } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../client.js';
import { auditEvents, type AuditResult, type AuditRow } from '../schema-access.js';

export type NewAuditRow = Omit<AuditRow, 'id'>;

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

export interface AuditFilter {
  readonly actorId?: number;
  readonly keyId?: string;
  readonly phoneNumber?: string;
  /** Exact action, or a prefix ending in `.*` (`number.*`). */
  readonly action?: string;
  readonly result?: AuditResult;
  readonly from?: number;
  readonly to?: number;
}

/** Which rows a reader may see: all, or those of its numbers plus its own actions on numbers it can see. */
export type AuditVisibility = { readonly all: true } | { readonly all: false; readonly managed: readonly string[]; readonly visible: readonly string[]; readonly actorId: number };

/** The audit table: appended to, read in pages, pruned from the oldest end only. */
export class AuditRepository {
  /** The two statements of every write, on better-sqlite3 directly: an audit row is written for every change. */
  private readonly append: Statement;
  private readonly newestHash: Statement;
  private readonly newest;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    const columns = COLUMNS.map(([, column]) => column);
    this.append = sqlite.prepare(`INSERT INTO audit_events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    this.newestHash = sqlite.prepare('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1').pluck();
    this.newest = db.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1).prepare();
  }

  /** Returns the new row's id. */
  insert(row: NewAuditRow): number {
    const values = COLUMNS.map(([field]) => (field === 'params' ? (row.params === null ? null : JSON.stringify(row.params)) : row[field]));
    return Number(this.append.run(...values).lastInsertRowid);
  }

  /** The hash the next row links to (null: no row yet). */
  lastHash(): string | null {
    return (this.newestHash.get() as string | undefined) ?? null;
  }

  last(): AuditRow | undefined {
    return this.newest.get();
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }

  /** The newest row below `id`. */
  below(id: number): AuditRow | undefined {
    return this.db.select().from(auditEvents).where(lt(auditEvents.id, id)).orderBy(desc(auditEvents.id)).limit(1).get();
  }

  /** Newest first, below `before` (a row id; the cursor). */
  page(filter: AuditFilter, visibility: AuditVisibility, before: number | null, limit: number): AuditRow[] {
    const where = [...conditions(filter), ...visible(visibility), ...(before === null ? [] : [lt(auditEvents.id, before)])];
    return this.db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.id)).limit(limit).all();
  }

  /** Oldest first, above `after`: for the export and the chain walk. */
  ascending(filter: AuditFilter, visibility: AuditVisibility, after: number, limit: number): AuditRow[] {
    const where = [...conditions(filter), ...visible(visibility), gt(auditEvents.id, after)];
    return this.db.select().from(auditEvents).where(and(...where)).orderBy(asc(auditEvents.id)).limit(limit).all();
  }

  /** The newest row older than `at`, or null: pruning removes everything up to it. */
  lastBefore(at: number): AuditRow | undefined {
    const found = this.db.select({ id: max(auditEvents.id) }).from(auditEvents).where(lt(auditEvents.at, at)).get();
    return found?.id ? this.db.select().from(auditEvents).where(eq(auditEvents.id, found.id)).get() : undefined;
  }

  deleteThrough(id: number): number {
    return this.db.delete(auditEvents).where(lte(auditEvents.id, id)).run().changes;
  }

  /** The highest id ever handed out (AUTOINCREMENT's own counter): above the newest row only if rows were removed from the end. */
  sequence(): number | null {
    return this.db.get<{ seq: number } | undefined>(sql`select seq from sqlite_sequence where name = 'audit_events'`)?.seq ?? null;
  }

  /** The latest prune record (its params name the last pruned row and its hash). */
  lastPrune(): AuditRow | undefined {
    return this.db.select().from(auditEvents).where(eq(auditEvents.action, 'audit.prune')).orderBy(desc(auditEvents.id)).limit(1).get();
  }
}

function conditions(filter: AuditFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.actorId !== undefined) where.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.keyId !== undefined) where.push(eq(auditEvents.keyId, filter.keyId));
  if (filter.phoneNumber !== undefined) where.push(eq(auditEvents.phoneNumber, filter.phoneNumber));
  if (filter.action !== undefined) {
    where.push(filter.action.endsWith('.*') ? like(auditEvents.action, `${filter.action.slice(0, -1).replace(/[%_\\]/g, '')}%`) : eq(auditEvents.action, filter.action));
  }
  if (filter.result !== undefined) where.push(eq(auditEvents.result, filter.result));
  if (filter.from !== undefined) where.push(gte(auditEvents.at, filter.from));
  if (filter.to !== undefined) where.push(lt(auditEvents.at, filter.to));
  return where;
}

function visible(visibility: AuditVisibility): SQL[] {
  if (visibility.all) return [];
  const mine = and(eq(auditEvents.actorId, visibility.actorId), or(isNull(auditEvents.phoneNumber), inArray(auditEvents.phoneNumber, [...visibility.visible])));
  const theirs = visibility.managed.length > 0 ? inArray(auditEvents.phoneNumber, [...visibility.managed]) : undefined;
  const either = theirs ? or(theirs, mine) : mine;
  return either ? [either] : [];
}
