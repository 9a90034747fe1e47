/**
 * The cluster member's heartbeat writes: one row per fenced write it got through, so the tests and the cluster
 * bench can count stale writes and overlaps by the database's own record. Times are the database's clock_timestamp().
 */
export const MEMBER_WRITES_TABLE = `
  CREATE TABLE IF NOT EXISTS member_writes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_number text NOT NULL,
    node_id text NOT NULL,
    fence bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`;

export const INSERT_MEMBER_WRITE = 'INSERT INTO member_writes (phone_number, node_id, fence) VALUES ($1, $2, $3)';

/** Writes accepted although an earlier accepted write of the same number carried a higher fence. Must be 0. */
export const STALE_WRITES = `
  SELECT count(*)::int AS stale FROM (
    SELECT fence, max(fence) OVER (PARTITION BY phone_number ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM member_writes) w
  WHERE w.fence < w.before`;

/**
 * Per number, ms during which two owners (two fences) both wrote: an earlier fence's last write after a later
 * fence's first write. Numbers with any overlap and the largest. Must be 0.
 */
export const WRITE_OVERLAP = `
  WITH spans AS (
    SELECT phone_number, fence, min(at) AS first, max(at) AS last FROM member_writes GROUP BY phone_number, fence
  ), pairs AS (
    SELECT a.phone_number, extract(epoch FROM a.last - b.first) * 1000 AS ms
    FROM spans a JOIN spans b ON a.phone_number = b.phone_number AND a.fence < b.fence
  )
  SELECT count(DISTINCT phone_number) FILTER (WHERE ms > 0)::int AS numbers, COALESCE(max(ms) FILTER (WHERE ms > 0), 0)::float8 AS max_ms FROM pairs`;
