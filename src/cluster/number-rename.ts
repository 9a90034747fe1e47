import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { errors } from '../domain/errors.js';
import type { NumberKeys } from '../db/ports/number-keys.js';
import { moveNumberRows } from '../db/pg/repositories/number-keys.js';
import type { DeviceRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/unique.js';

/** What the rename needs of the ownership core (src/cluster/ownership.ts). */
export interface RenameHolder {
  rename<T>(from: string, to: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/**
 * The assignment follows the number with its owner and fence. Its session store keeps the name it was made under
 * (the pending id's): the child running on it keeps its connections, and whoever owns the number next opens the
 * same schema. Other nodes' route caches are dropped by the notification.
 */
const MOVE_ASSIGNMENT = `
  WITH moved AS (
    UPDATE assignments SET phone_number = $2, store_key = COALESCE(store_key, $1) WHERE phone_number = $1 RETURNING 1)
  SELECT pg_notify('ownership', '{"kind":"renamed"}') FROM moved`;

/**
 * The rename in distributed mode (a pending number bound to its phone): the same rows as on one host
 * (NUMBER_TABLES, NUMBER_LISTS) and the number's `assignments` row, in one transaction fenced on the pending id,
 * so a node that lost the number moves nothing. `ownership_moves` keeps the key each move was made under, as the
 * audit log does.
 */
export class FencedNumberKeys implements NumberKeys {
  constructor(private readonly ownership: RenameHolder) {}

  async rename(from: string, to: string, now: number, inside: () => void): Promise<DeviceRow> {
    try {
      return await this.ownership.rename(from, to, async (client) => {
        const row = await moveNumberRows(drizzle({ client }), from, to, now);
        const moved = await client.query(MOVE_ASSIGNMENT, [from, to]);
        // The fence check found the row, so it is there to move; zero rows would leave the number unowned.
        if (moved.rowCount !== 1) throw errors.deviceNotFound(from);
        inside();
        return row;
      });
    } catch (err) {
      throw isUniqueViolation(err) ? errors.deviceExists(to) : err;
    }
  }
}

/** The number key a number's session store is named after: its own, or the pending id it was bound from. */
export async function storeKeyOf(pool: pg.Pool, phoneNumber: string): Promise<string> {
  const { rows } = await pool.query<{ key: string }>('SELECT COALESCE(store_key, phone_number) AS key FROM assignments WHERE phone_number = $1', [phoneNumber]);
  return rows[0]?.key ?? phoneNumber;
}
