import crypto from 'node:crypto';
import type { NewAuditRow } from '../db/ports/audit.js';

/** The `prev_hash` of the first row ever written. */
export const GENESIS = '0'.repeat(64);

type Hashed = Omit<NewAuditRow, 'prevHash' | 'hash'>;

/**
 * SHA-256 over the previous row's hash and this row's fields in a fixed order (params with sorted keys), so the
 * same row read back from the database hashes to the same value, and changing any field, or removing a row from
 * the middle, breaks every link after it.
 */
export function rowHash(prevHash: string, row: Hashed): string {
  const fields = [
    row.at,
    row.actorType,
    row.actorId,
    row.actorName,
    row.keyId,
    row.ip,
    row.userAgent,
    row.requestId,
    row.action,
    row.targetType,
    row.targetId,
    row.phoneNumber,
    row.params === null ? null : canonical(row.params),
    row.result,
    row.httpStatus,
    row.errorCode,
  ];
  return crypto.createHash('sha256').update(prevHash).update('\n').update(JSON.stringify(fields)).digest('hex');
}

/** JSON with object keys sorted at every level. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
