/**
 * Whether a write failed on a primary key or unique index, on either dialect: better-sqlite3's
 * `SQLITE_CONSTRAINT_UNIQUE` / `…_PRIMARYKEY`, Postgres' `23505` (drizzle wraps driver errors, so the cause is
 * looked at too). Repositories turn it into the domain's error (USER_EXISTS, …) so callers see one answer.
 */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  }
  return false;
}
