/**
 * Postgres `text` cannot hold U+0000 (SQLite's can, and a client may send it in a user agent or a name). The Postgres
 * repositories pass every plain text value they write through here; inside `json` columns it is escaped, so kept.
 */
export function pgText<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
}

/** The same for every string field of a row about to be written (JSON fields are objects, so left alone). */
export function pgTexts<T extends object>(row: T): T {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) if (typeof value === 'string') out[key] = pgText(value);
  return out as T;
}

/**
 * Whether a value looked up by cannot be stored here at all: an id, a name or a hash with U+0000 names no row
 * (Postgres would refuse the query), so the lookup answers "none" instead of matching a stripped other value.
 */
export function unstorable(value: string): boolean {
  return value.includes('\u0000');
}
