import type pg from 'pg';
import type { ClaimReason } from './ownership-state.js';
import { withConnection } from './pool.js';

export interface Identity {
  readonly nodeId: string;
  readonly incarnation: string;
}

export interface ClaimRules {
  readonly capacity: number;
  readonly gowaVersion: string;
  readonly expiryGraceMs: number;
  /** False in the quiet period after missed renewals (DM-10): only free numbers, none of a live-looking node's. */
  readonly mayTakeExpired: boolean;
  /** A number this node released is left to the others this long. */
  readonly releaseCooldownMs: number;
}

export interface Claimed {
  readonly phoneNumber: string;
  readonly fence: number;
  /** The CLAIM statement's own reasons; `held` is the book's, for rows that were this node's already. */
  readonly reason: Exclude<ClaimReason, 'held'>;
}

export interface Shares {
  readonly total: number;
  readonly live: number;
  readonly mine: number;
  /** ceil(total / live nodes): what each non-draining live node should hold (a node is live until lease + grace). */
  readonly fair: number;
  readonly meLive: boolean;
}

const SHARES = `
  SELECT (SELECT count(*) FROM assignments)::int AS total,
         -- A node counts until its numbers may be claimed (lease + grace), so one late heartbeat does not double the shares.
         (SELECT count(*) FROM nodes WHERE expires_at > now() - make_interval(secs => $3::float8 / 1000) AND NOT draining)::int AS live,
         (SELECT count(*) FROM assignments WHERE node_id = $1 AND node_incarnation = $2)::int AS mine,
         EXISTS (SELECT 1 FROM nodes WHERE node_id = $1 AND incarnation = $2 AND expires_at > now() AND NOT draining) AS me_live`;

/**
 * Numbers nobody may be running: never owned, handed over, owned by an incarnation that has been replaced, or by an
 * expired lease. The holder is read per row (no outer join): when another round claims a row after this statement
 * began, Postgres re-checks the locked row's new version, and a joined "no holder" read earlier would let it through.
 */
const CLAIM = `
  WITH candidate AS (
    SELECT a.phone_number, COALESCE(a.node_id, a.released_by) AS previous,
      CASE WHEN a.node_id IS NULL AND a.released_by IS NULL THEN 'new'
           WHEN a.node_id IS NULL THEN 'released'
           WHEN EXISTS (SELECT 1 FROM nodes n WHERE n.node_id = a.node_id AND n.incarnation = a.node_incarnation) THEN 'expired'
           ELSE 'orphaned' END AS reason
    FROM assignments a
    WHERE (a.node_id IS NULL
        -- No holder that still counts: gone, replaced beyond the grace, or (outside the quiet period) expired beyond it.
        OR NOT EXISTS (
          SELECT 1 FROM nodes n WHERE n.node_id = a.node_id
            AND NOT COALESCE((n.incarnation <> a.node_incarnation AND n.joined_at < now() - make_interval(secs => $4::float8 / 1000))
              OR ($5 AND n.incarnation = a.node_incarnation AND n.expires_at < now() - make_interval(secs => $4::float8 / 1000)), false)))
      AND string_to_array(a.min_gowa_version, '.')::int[] <= string_to_array($6, '.')::int[]
      -- What this node handed over (or gave up on) goes to the others first, for the cooldown.
      AND NOT COALESCE(a.node_id IS NULL AND a.released_by = $1 AND a.released_at > now() - make_interval(secs => $9::float8 / 1000), false)
      -- Beyond the fair share only what no other node below its share could take (its binary is too old, it is full).
      AND (NOT $7 OR NOT EXISTS (
        SELECT 1 FROM nodes o
        WHERE o.node_id <> $1 AND o.expires_at > now() AND NOT o.draining
          AND string_to_array(o.gowa_version, '.')::int[] >= string_to_array(a.min_gowa_version, '.')::int[]
          AND (SELECT count(*) FROM assignments b WHERE b.node_id = o.node_id AND b.node_incarnation = o.incarnation) < LEAST(o.capacity, $8)))
    -- Our own numbers from before a fence first, then a stable order.
    ORDER BY (a.node_id IS NOT DISTINCT FROM $1) DESC, a.phone_number
    LIMIT $3
    FOR UPDATE OF a SKIP LOCKED
  ), claimed AS (
    UPDATE assignments a SET node_id = $1, node_incarnation = $2, fence = a.fence + 1, claimed_at = now()
    FROM candidate c WHERE a.phone_number = c.phone_number
    RETURNING a.phone_number, a.fence, c.previous, c.reason
  ), moved AS (
    INSERT INTO ownership_moves (phone_number, from_node, to_node, fence, reason)
    SELECT phone_number, previous, $1, fence, reason FROM claimed
  )
  SELECT phone_number, fence::float8 AS fence, reason FROM claimed`;

const NOTIFY = `SELECT pg_notify('ownership', $1)`;

export async function readShares(db: pg.Pool | pg.PoolClient, me: Identity, expiryGraceMs: number): Promise<Shares> {
  const row = (await db.query<{ total: number; live: number; mine: number; me_live: boolean }>(SHARES, [me.nodeId, me.incarnation, expiryGraceMs])).rows[0];
  const total = row?.total ?? 0;
  const live = Math.max(1, row?.live ?? 1);
  return { total, live, mine: row?.mine ?? 0, fair: Math.ceil(total / live), meLive: row?.me_live ?? false };
}

/**
 * One claim round (DM-9), one transaction: up to min(free capacity, fair share − held) numbers, skipping rows
 * another node has locked, each with its fence raised by one; then, up to the capacity, the numbers no other node
 * below its fair share may take (so version skew or full nodes never leave a number unowned). The moves are
 * logged and the other nodes woken.
 */
export async function claimRound(pool: pg.Pool, me: Identity, rules: ClaimRules): Promise<Claimed[]> {
  return withConnection(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const shares = await readShares(client, me, rules.expiryGraceMs);
      const free = rules.capacity - shares.mine;
      const room = Math.min(free, shares.fair - shares.mine);
      if (!shares.meLive || free <= 0) {
        await client.query('ROLLBACK');
        return [];
      }
      const claim = async (limit: number, overflow: boolean) =>
        limit <= 0 ? [] : (await client.query<{ phone_number: string; fence: number; reason: Claimed['reason'] }>(CLAIM, [me.nodeId, me.incarnation, limit, rules.expiryGraceMs, rules.mayTakeExpired, rules.gowaVersion, overflow, shares.fair, rules.releaseCooldownMs])).rows;
      const rows = await claim(room, false);
      rows.push(...(await claim(free - rows.length, true)));
      if (rows.length > 0) await client.query(NOTIFY, [JSON.stringify({ kind: 'claimed', node: me.nodeId, count: rows.length })]);
      await client.query('COMMIT');
      return rows.map((r) => ({ phoneNumber: r.phone_number, fence: Number(r.fence), reason: r.reason }));
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** What the database says this incarnation holds (number → fence): the truth the book is checked against. */
export async function readHeld(pool: pg.Pool, me: Identity): Promise<Map<string, number>> {
  const rows = (await pool.query<{ phone_number: string; fence: number }>('SELECT phone_number, fence::float8 AS fence FROM assignments WHERE node_id = $1 AND node_incarnation = $2', [me.nodeId, me.incarnation])).rows;
  return new Map(rows.map((r) => [r.phone_number, Number(r.fence)]));
}
