/** WAL checkpoints in a worker thread, on a real SQLite file: the main connection never does them meanwhile. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { WalCheckpointer } from '../../src/db/wal-checkpointer.js';
import { createLogger } from '../../src/lib/logger.js';
import { makeDataRoot } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const file = path.join(makeDataRoot(), 'wal.db');
const sqlite = new Database(file);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');
sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
afterAll(() => {
  if (sqlite.open) sqlite.close();
});

describe('WalCheckpointer', () => {
  it('moves the WAL into the database file from its worker while the main connection only writes', async () => {
    const checkpoints = new WalCheckpointer(sqlite, file, createLogger('silent'), 50);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = fs.statSync(file).size;
    // ~3,000 pages in 300 commits: with SQLite's automatic checkpoint, some of these commits would checkpoint.
    const insert = sqlite.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 300; i++) sqlite.transaction(() => Array.from({ length: 10 }, () => insert.run(Buffer.alloc(3000, i % 256))))();
    await waitFor(() => fs.statSync(file).size > before + 8_000_000, { what: 'the rows checkpointed into the database file' });
    await checkpoints.stop();
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect((sqlite.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3000);
  });
});
