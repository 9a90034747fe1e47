import { and, eq, gte, inArray, isNull, lt, or, type Column, type SQL } from 'drizzle-orm';
import type { AuditFilter, AuditVisibility } from './ports/audit.js';

/** The audit table's columns a filter reads, from either dialect's schema. */
export interface AuditColumns {
  readonly actorId: Column;
  readonly keyId: Column;
  readonly phoneNumber: Column;
  readonly action: Column;
  readonly result: Column;
  readonly at: Column;
}

/**
 * The conditions of a filter and of a reader's visibility, the same on both dialects. `prefix` is the dialect's
 * case-insensitive LIKE (SQLite's `like` is, for ASCII; Postgres' `ilike`), so `Number.*` finds the same rows.
 */
export function auditWhere(t: AuditColumns, filter: AuditFilter, visibility: AuditVisibility, prefix: (column: Column, pattern: string) => SQL): SQL[] {
  const where: SQL[] = [];
  if (filter.actorId !== undefined) where.push(eq(t.actorId, filter.actorId));
  if (filter.keyId !== undefined) where.push(eq(t.keyId, filter.keyId));
  if (filter.phoneNumber !== undefined) where.push(eq(t.phoneNumber, filter.phoneNumber));
  if (filter.action !== undefined) {
    where.push(filter.action.endsWith('.*') ? prefix(t.action, `${filter.action.slice(0, -1).replace(/[%_\\]/g, '')}%`) : eq(t.action, filter.action));
  }
  if (filter.result !== undefined) where.push(eq(t.result, filter.result));
  if (filter.from !== undefined) where.push(gte(t.at, filter.from));
  if (filter.to !== undefined) where.push(lt(t.at, filter.to));
  if (!visibility.all) {
    const mine = and(eq(t.actorId, visibility.actorId), or(isNull(t.phoneNumber), inArray(t.phoneNumber, [...visibility.visible])));
    const theirs = visibility.managed.length > 0 ? inArray(t.phoneNumber, [...visibility.managed]) : undefined;
    const either = theirs ? or(theirs, mine) : mine;
    if (either) where.push(either);
  }
  return where;
}
