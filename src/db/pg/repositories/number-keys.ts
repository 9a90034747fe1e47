import { eq, sql } from 'drizzle-orm';
import { errors } from '../../../domain/errors.js';
import { NUMBER_LISTS, NUMBER_TABLES, type NumberKeys } from '../../ports/number-keys.js';
import type { DeviceRow } from '../../schema.js';
import { isUniqueViolation } from '../../unique.js';
import type { PgDb, PgExec } from '../client.js';
import { devices } from '../schema.js';

/**
 * The rename on Postgres: one transaction over the same tables as SQLite's (../../repositories/number-keys.ts). The
 * old row is locked first, so two binds of one pending number take turns (the second finds it gone); a phone taken
 * meanwhile by another gateway fails the devices update on its primary key.
 */
export class PgNumberKeys implements NumberKeys {
  constructor(private readonly db: PgDb) {}

  async rename(from: string, to: string, now: number, inside: () => void): Promise<DeviceRow> {
    try {
      return await this.db.transaction(async (tx) => {
        const row = await moveNumberRows(tx, from, to, now);
        inside();
        return row;
      });
    } catch (err) {
      throw isUniqueViolation(err) ? errors.deviceExists(to) : err;
    }
  }
}

/**
 * The rename's statements, inside a transaction the caller holds (PgNumberKeys', or distributed mode's fenced one,
 * src/cluster/number-rename.ts). Answers the row under its new key.
 */
export async function moveNumberRows(tx: PgExec, from: string, to: string, now: number): Promise<DeviceRow> {
  const [old] = await tx.select({ phoneNumber: devices.phoneNumber }).from(devices).where(eq(devices.phoneNumber, from)).for('update');
  if (!old) throw errors.deviceNotFound(from);
  const [taken] = await tx.select({ phoneNumber: devices.phoneNumber }).from(devices).where(eq(devices.phoneNumber, to));
  if (taken) throw errors.deviceExists(to);
  // number_grants references devices.phone_number (DEFERRABLE, drizzle-postgres/0002): checked at the commit.
  await tx.execute(sql`SET CONSTRAINTS ALL DEFERRED`);
  for (const table of NUMBER_TABLES) await tx.execute(sql`UPDATE ${sql.identifier(table)} SET phone_number = ${to} WHERE phone_number = ${from}`);
  for (const list of NUMBER_LISTS) await renameInLists(tx, list, from, to);
  const [row] = await tx.update(devices).set({ pendingId: from, updatedAt: now }).where(eq(devices.phoneNumber, to)).returning();
  return row as DeviceRow;
}

async function renameInLists(tx: PgExec, list: (typeof NUMBER_LISTS)[number], from: string, to: string): Promise<void> {
  const [table, key, column] = [sql.identifier(list.table), sql.identifier(list.key), sql.identifier(list.column)];
  const holders = await tx.execute<{ id: string; numbers: string[] }>(
    sql`SELECT ${key} AS id, ${column} AS numbers FROM ${table} WHERE EXISTS (SELECT 1 FROM json_array_elements_text(${column}) AS v(value) WHERE v.value = ${from}) FOR UPDATE`,
  );
  for (const { id, numbers } of holders.rows) {
    const renamed = [...new Set(numbers.map((n) => (n === from ? to : n)))];
    await tx.execute(sql`UPDATE ${table} SET ${column} = ${JSON.stringify(renamed)}::json WHERE ${key} = ${id}`);
  }
}
