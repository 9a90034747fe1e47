import type pg from 'pg';
import { withConnection } from './pool.js';
import type { Identity } from './claim.js';
import { clusterErrors } from './errors.js';

/**
 * Share-locks the assignment row for the rest of the transaction, and only if this incarnation holds it with this
 * fence and its lease is live by the database's clock. The lock makes a concurrent claim (FOR UPDATE … SKIP
 * LOCKED) pass the row by, so the fence cannot move until the write has committed.
 */
const CHECK = `
  SELECT 1 FROM assignments a JOIN nodes n ON n.node_id = a.node_id AND n.incarnation = a.node_incarnation
  WHERE a.phone_number = $1 AND a.fence = $2 AND a.node_id = $3 AND a.node_incarnation = $4 AND n.expires_at > now()
  FOR SHARE OF a`;

/**
 * A write about a number (DM-17, Temporal's readLockShard): `work` runs inside a transaction that first checks the
 * fence; on zero rows it throws CLUSTER_OWNERSHIP_LOST and nothing is written. `work` should only use the client
 * given (no other waits): the server ends a session idle inside a transaction after a few query timeouts.
 */
export async function fencedTransaction<T>(pool: pg.Pool, me: Identity, phoneNumber: string, fence: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withConnection(pool, async (client) => {
    await client.query('BEGIN');
    let open = true;
    try {
      const held = await client.query(CHECK, [phoneNumber, fence, me.nodeId, me.incarnation]);
      if (held.rowCount === 0) {
        open = false;
        await client.query('ROLLBACK');
        throw clusterErrors.ownershipLost(phoneNumber, fence);
      }
      const result = await work(client);
      await client.query('COMMIT');
      open = false;
      return result;
    } catch (err) {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** One number's fence, as its writer knows it. */
export interface FenceClaim {
  readonly phoneNumber: string;
  readonly fence: number;
  readonly incarnation: string;
}

/**
 * The same check for many numbers at once, inside a transaction the caller has opened (a journal batch writes
 * for every number of the node in one commit). Returns the claims still held (`number#fence`), share-locked until
 * the transaction ends; a claim left out is stale, and nothing may be written for it in this transaction.
 */
const CHECK_MANY = `
  SELECT a.phone_number, a.fence FROM assignments a
  JOIN nodes n ON n.node_id = a.node_id AND n.incarnation = a.node_incarnation
  JOIN unnest($1::text[], $2::bigint[], $3::uuid[]) AS c(phone_number, fence, incarnation)
    ON c.phone_number = a.phone_number AND c.fence = a.fence AND c.incarnation = a.node_incarnation
  WHERE a.node_id = $4 AND n.expires_at > now()
  FOR SHARE OF a`;

export const claimKey = (phoneNumber: string, fence: number): string => `${phoneNumber}#${fence}`;

export async function lockFences(client: pg.ClientBase, nodeId: string, claims: readonly FenceClaim[]): Promise<Set<string>> {
  const { rows } = await client.query<{ phone_number: string; fence: string }>(CHECK_MANY, [
    claims.map((c) => c.phoneNumber),
    claims.map((c) => c.fence),
    claims.map((c) => c.incarnation),
    nodeId,
  ]);
  return new Set(rows.map((r) => claimKey(r.phone_number, Number(r.fence))));
}
