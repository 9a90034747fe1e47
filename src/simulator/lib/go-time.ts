/** Time formats the real binary emits (its process runs with `time.Local = UTC`). */

/** RFC 3339 at second precision, as Go prints a `time.Time` truncated to seconds: `2026-08-22T10:00:00Z`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Go's `time.Time.String()` for a UTC time with whole seconds: `2026-08-22 10:00:00 +0000 UTC`. */
export function goTimeString(date: Date): string {
  return `${rfc3339(date).replace('T', ' ').replace('Z', '')} +0000 UTC`;
}
