/**
 * The turn writer on Postgres: a turn's writes commit together, each in its own savepoint; after-steps run after
 * the commit in order; a failed commit fails everyone; what comes during a batch goes in the next, in order.
 */
import { describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { PgDb } from '../../src/db/pg/client.js';
import { PgTurnWriter } from '../../src/db/pg/turn-writer.js';
import { dialectDatabases } from '../helpers/dialects.js';

const open = dialectDatabases('turn');
const A = '5511900000001';

async function writerOn() {
  const d = await open('postgres');
  if (d.dialect !== 'postgres') throw new Error('postgres expected');
  const afterErrors: unknown[] = [];
  const writer = new PgTurnWriter(d.db, (err) => afterErrors.push(err));
  await d.fixture('INSERT INTO devices (phone_number, name) VALUES (?, ?)', [A, 'a']);
  return { d, db: d.db, writer, afterErrors };
}

const insertEvent = (seq: number) => async (tx: Parameters<Parameters<PgTurnWriter['write']>[0]>[0]) => {
  await tx.execute(sql`INSERT INTO events (phone_number, seq, type, payload, created_at) VALUES (${A}, ${seq}, 'message', '{}', ${seq})`);
  return seq;
};

/** What another connection sees: committed rows only. */
async function storedSeqs(db: PgDb): Promise<number[]> {
  const client = new pg.Client({ connectionString: (db.$client.options as { connectionString: string }).connectionString });
  await client.connect();
  try {
    return (await client.query<{ seq: string }>('SELECT seq FROM events ORDER BY seq')).rows.map((r) => Number(r.seq));
  } finally {
    await client.end();
  }
}

describe('the turn writer on Postgres', () => {
  it("commits a turn's writes in one transaction and runs their after-steps in order once they are visible", async () => {
    const { db, writer } = await writerOn();
    const seen: string[] = [];
    const done = [1, 2, 3, 4, 5].map((seq) => writer.write(insertEvent(seq), (value) => seen.push(`after ${value}`)));
    void Promise.all(done).then(() => seen.push('resolved'));
    expect(await Promise.all(done)).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual(['after 1', 'after 2', 'after 3', 'after 4', 'after 5', 'resolved']);
    expect([writer.commits, writer.items]).toEqual([1, 5]);
    expect(await storedSeqs(db)).toEqual([1, 2, 3, 4, 5]);
  });

  it('undoes only the write that threw: its caller fails, its after-step never runs, the others commit', async () => {
    const { db, writer } = await writerOn();
    const afters: number[] = [];
    const results = await Promise.allSettled([
      writer.write(insertEvent(1), (v) => afters.push(v)),
      writer.write(
        async (tx) => {
          await insertEvent(2)(tx);
          await insertEvent(1)(tx); // the unique (number, seq) index refuses it
          return 2;
        },
        (v) => afters.push(v),
      ),
      writer.write(insertEvent(3), (v) => afters.push(v)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(afters).toEqual([1, 3]);
    expect(await storedSeqs(db)).toEqual([1, 3]);
    expect(writer.commits).toBe(1);
  });

  it('fails every caller of a batch whose commit fails, runs their undo steps, and stores nothing of it', async () => {
    const { db, writer } = await writerOn();
    const undone: number[] = [];
    const results = await Promise.allSettled([
      writer.write(insertEvent(1), undefined, () => undone.push(1)),
      // Checked at the commit: a grant for a number nobody registered.
      writer.write(
        async (tx) => {
          await tx.execute(sql`SET CONSTRAINTS number_grants_phone_number_devices_phone_number_fk DEFERRED`);
          await tx.execute(sql`INSERT INTO users (username, password_hash, created_at, updated_at) VALUES ('ana', 'x', 1, 1)`);
          await tx.execute(sql`INSERT INTO number_grants (user_id, phone_number, level, created_at, updated_at) SELECT id, '5511999999999', 'read', 1, 1 FROM users`);
          return 2;
        },
        undefined,
        () => undone.push(2),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(undone).toEqual([1, 2]);
    expect(await storedSeqs(db)).toEqual([]);
    expect(writer.commits).toBe(0);
  });

  it('puts what is queued while a batch commits into the next batch, in order', async () => {
    const { db, writer, afterErrors } = await writerOn();
    const order: number[] = [];
    const first = writer.write(insertEvent(1), () => {
      order.push(1);
      throw new Error('a failing after-step is reported, not thrown');
    });
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3].map((seq) => writer.write(insertEvent(seq), () => order.push(seq)));
    await Promise.all([first, ...later]);
    await writer.flush();
    expect(order).toEqual([1, 2, 3]);
    expect(writer.commits).toBe(2);
    expect(afterErrors).toHaveLength(1);
    expect(await storedSeqs(db)).toEqual([1, 2, 3]);
  });
});
