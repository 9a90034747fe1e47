import type pg from 'pg';
import type { Identity } from './claim.js';
import type { ReleaseReason } from './ownership-state.js';

/** Hand a number over (DM-18): only if this incarnation still holds it with this fence; logged and announced. */
const RELEASE = `
  WITH released AS (
    UPDATE assignments SET node_id = NULL, node_incarnation = NULL, released_at = now(), released_by = $3
    WHERE phone_number = $1 AND fence = $2 AND node_id = $3 AND node_incarnation = $4
    RETURNING phone_number, fence
  ), moved AS (
    INSERT INTO ownership_moves (phone_number, from_node, to_node, fence, reason)
    SELECT phone_number, $3, NULL, fence, $5 FROM released
  )
  SELECT pg_notify('ownership', json_build_object('kind', 'released', 'node', $3::text, 'number', phone_number)::text) FROM released`;

/** false: the fence check failed (the number was no longer ours). */
export async function releaseNumber(pool: pg.Pool, me: Identity, phoneNumber: string, fence: number, reason: ReleaseReason): Promise<boolean> {
  const result = await pool.query(RELEASE, [phoneNumber, fence, me.nodeId, me.incarnation, reason]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Numbers this node could hand to another in a rebalance (DM-19): not failed, not moved within the cooldown, and
 * only where some other live node is below its fair share, has room and runs a new enough binary, so a released
 * number always has somewhere to go.
 */
const REBALANCE_CANDIDATES = `
  SELECT a.phone_number, a.fence::float8 AS fence FROM assignments a
  WHERE a.node_id = $1 AND a.node_incarnation = $2 AND a.failed_at IS NULL
    AND (a.claimed_at IS NULL OR a.claimed_at < now() - make_interval(secs => $3::float8 / 1000))
    AND EXISTS (
      SELECT 1 FROM nodes n
      WHERE n.node_id <> $1 AND n.expires_at > now() AND NOT n.draining
        AND string_to_array(n.gowa_version, '.')::int[] >= string_to_array(a.min_gowa_version, '.')::int[]
        AND (SELECT count(*) FROM assignments b WHERE b.node_id = n.node_id AND b.node_incarnation = n.incarnation) < LEAST(n.capacity, $4))
  ORDER BY a.phone_number
  LIMIT 100`;

export async function rebalanceCandidates(pool: pg.Pool, me: Identity, cooldownMs: number, fair: number): Promise<{ phoneNumber: string; fence: number }[]> {
  const rows = (await pool.query<{ phone_number: string; fence: number }>(REBALANCE_CANDIDATES, [me.nodeId, me.incarnation, cooldownMs, fair])).rows;
  return rows.map((r) => ({ phoneNumber: r.phone_number, fence: Number(r.fence) }));
}
