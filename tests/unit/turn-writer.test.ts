/** One transaction per turn of the event loop, on a real SQLite file: order, isolation, after-commit steps, failure. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TurnWriter } from '../../src/db/turn-writer.js';
import { makeDataRoot } from '../helpers/gateway.js';

let sqlite: Database.Database;
let writer: TurnWriter;
const afterErrors: unknown[] = [];
const rows = () => (sqlite.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);
const insert = (v: string) => () => sqlite.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

beforeAll(() => {
  sqlite = new Database(path.join(makeDataRoot(), 'turns.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE); CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id))');
  // No turn of a slow machine waits a minute: these tests count commits (the cut of a long turn has its own writer).
  writer = new TurnWriter(sqlite, (err) => afterErrors.push(err), 60_000);
});
afterAll(() => {
  sqlite.close();
});

describe('TurnWriter', () => {
  it('writes what a turn queued in one commit, in order, and runs the after steps before any caller resumes', async () => {
    const commits = writer.commits;
    const seen: string[] = [];
    const done = Promise.all(
      ['a', 'b', 'c'].map((v) =>
        writer
          .write(insert(v), () => seen.push(`after ${v}: ${rows().join('')}`))
          .then(() => seen.push(`resolved ${v}`)),
      ),
    );
    // Nothing is written before the turn ends.
    expect(rows()).toEqual([]);
    await done;
    expect(writer.commits - commits).toBe(1);
    expect(seen).toEqual(['after a: abc', 'after b: abc', 'after c: abc', 'resolved a', 'resolved b', 'resolved c']);
  });

  it('undoes only the writes of work that throws, and fails only its caller', async () => {
    const results = await Promise.allSettled([
      writer.write(insert('d')),
      writer.write(() => {
        insert('e')();
        insert('a')(); // taken: UNIQUE fails, and 'e' goes with it
      }),
      writer.write(insert('f')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  it('fails every caller of a turn whose commit fails, undoing what they assumed, and starts the next turn afresh', async () => {
    const undone: string[] = [];
    const afters: string[] = [];
    const failing = Promise.allSettled([
      writer.write(insert('g'), () => afters.push('g'), () => undone.push('g')),
      // A deferred foreign key is only checked at COMMIT: the whole turn rolls back.
      writer.write(
        () => {
          sqlite.pragma('defer_foreign_keys = ON');
          sqlite.prepare('INSERT INTO child (p) VALUES (42)').run();
        },
        () => afters.push('child'),
        () => undone.push('child'),
      ),
    ]);
    expect((await failing).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect({ undone, afters, rows: rows() }).toEqual({ undone: ['g', 'child'], afters: [], rows: ['a', 'b', 'c', 'd', 'f'] });
    await writer.write(insert('h'));
    expect(rows()).toEqual(['a', 'b', 'c', 'd', 'f', 'h']);
  });

  it('flushes on demand, synchronously, for a writer whose writes must come after the queued ones', async () => {
    const queued = writer.write(insert('i'));
    writer.flush();
    expect(rows().at(-1)).toBe('i');
    const after: string[] = [];
    // Outside a turn's transaction, `now` writes in a transaction of its own, its after step right after the commit.
    writer.now(insert('j'), () => after.push(rows().at(-1) ?? ''));
    expect(rows().slice(-2)).toEqual(['i', 'j']);
    expect(after).toEqual(['j']);
    await queued;
  });

  it('lets a write made while an item runs join it: one commit, its after step right after the item\'s', async () => {
    const commits = writer.commits;
    const order: string[] = [];
    let joined: Promise<unknown> | null = null;
    let synchronous: unknown = null;
    await writer.write(
      () => {
        insert('o1')();
        joined = writer.write(insert('o2'), () => order.push(`after o2: ${rows().slice(-3).join(' ')}`));
        // `now` inside an item returns at once; its after step waits for the commit.
        synchronous = writer.now(insert('o3'), () => order.push('after o3'));
        order.push('item ran');
      },
      () => order.push('after o1'),
    );
    await joined;
    expect(typeof synchronous).toBe('number');
    expect(writer.commits - commits).toBe(1);
    expect(order).toEqual(['item ran', 'after o1', 'after o2: o1 o2 o3', 'after o3']);
  });

  it('rolls a joined write back with the item that fails, and fails a joined write that throws on its own only', async () => {
    await writer.write(insert('taken'));
    const undone: string[] = [];
    let lost: Promise<unknown> | null = null;
    const failing = writer.write(() => {
      lost = writer.write(insert('p1'), undefined, () => undone.push('p1'));
      insert('taken')(); // UNIQUE: the item fails, and p1 goes with it
    });
    // (Statuses, not toThrow: a SqliteError is not an `instanceof Error` of another test file's realm.)
    const settled = await Promise.allSettled([failing]);
    expect([...settled, ...(await Promise.allSettled([lost]))].map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(undone).toEqual(['p1']);
    let broken: Promise<unknown> | null = null;
    await writer.write(() => {
      insert('p2')();
      broken = writer.write(() => {
        insert('p3')();
        insert('taken')();
      });
    });
    expect((await Promise.allSettled([broken])).map((r) => r.status)).toEqual(['rejected']);
    expect(rows()).toContain('p2');
    expect(rows()).not.toContain('p1');
    expect(rows()).not.toContain('p3');
  });

  it('puts work queued by an after step into the next turn, and reports a throwing after step without failing anyone', async () => {
    let inner: Promise<unknown> | null = null;
    const commits = writer.commits;
    await writer.write(insert('k'), () => {
      inner = writer.write(insert('l'));
      throw new Error('listener broke');
    });
    expect(rows().at(-1)).toBe('k');
    await inner;
    expect(rows().at(-1)).toBe('l');
    expect(writer.commits - commits).toBe(2);
    expect(afterErrors).toEqual([expect.objectContaining({ message: 'listener broke' })]);
  });

  it('cuts a long turn into batches, so what came first is written without waiting for the turn to end', async () => {
    const written: string[] = [];
    const writer = new TurnWriter(sqlite, (err) => afterErrors.push(err), 5);
    const first = writer.write(insert('m'), () => written.push('m'));
    const until = performance.now() + 20;
    while (performance.now() < until) {
      // A turn busy for 20 ms, as a burst that piled up while the process waited for a core.
    }
    const second = writer.write(insert('n'), () => written.push('n'));
    expect(written).toEqual(['m', 'n']);
    await Promise.all([first, second, nextTurn()]);
    expect(rows().slice(-2)).toEqual(['m', 'n']);
  });
});
