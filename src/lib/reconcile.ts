/**
 * Memory brought to a fresh read of every row (after a gap in the change feed): each key held but not read any more
 * is replaced by nothing, then each row read is replaced in; `replace` decides what changed and announces it.
 */
export function reconcile<K, R>(held: Iterable<K>, rows: readonly R[], keyOf: (row: R) => K, replace: (key: K, row: R | undefined) => void): void {
  const read = new Set(rows.map(keyOf));
  for (const key of [...held]) if (!read.has(key)) replace(key, undefined);
  for (const row of rows) replace(keyOf(row), row);
}
