/** The journal's history, the same on both dialects: windows, pages, counts, retention that keeps the newest seq. */
import { describe, expect, it } from '@jest/globals';
import type { JournalHistory } from '../../src/db/ports/journal.js';
import { PgJournalHistory } from '../../src/db/pg/repositories/journal-history.js';
import { EventRepository } from '../../src/db/repositories/events.js';
import { sqliteJournalHistory } from '../../src/db/repositories/sqlite-ports.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('journal');
const historyOf = (d: TestDatabase): JournalHistory => (d.dialect === 'sqlite' ? sqliteJournalHistory(new EventRepository(d.db)) : new PgJournalHistory(d.db));
const A = '5511900000001';
const B = '5511900000002';

/** Rows as a journal writer leaves them: seq 1…n per number, `at` ms apart by seq. */
async function journal(d: TestDatabase, phoneNumber: string, n: number, at = (seq: number) => 1000 + seq): Promise<void> {
  for (let seq = 1; seq <= n; seq++) {
    await d.fixture('INSERT INTO events (phone_number, seq, type, payload, created_at) VALUES (?, ?, ?, ?, ?)', [phoneNumber, seq, 'message', JSON.stringify({ seq, text: `m${seq}`, at: [seq] }), at(seq)]);
  }
}
const seqs = (rows: readonly { seq: number }[]) => rows.map((r) => r.seq);

describe.each(DIALECTS)('the journal history on %s', (dialect) => {
  it('answers windows, pages and counts after a seq, each number on its own', async () => {
    const d = await open(dialect);
    const history = historyOf(d);
    await journal(d, A, 30);
    await journal(d, B, 3);
    expect([await history.lastSeq(A), await history.firstSeq(A), await history.lastSeq('5511900000009'), await history.firstSeq('5511900000009')]).toEqual([30, 1, 0, null]);
    const page = await history.after(A, 10, 5);
    expect(seqs(page)).toEqual([11, 12, 13, 14, 15]);
    expect(page[0]).toMatchObject({ phoneNumber: A, type: 'message', payload: { seq: 11, text: 'm11', at: [11] }, createdAt: 1011 });
    expect(seqs(await history.newestAfter(A, 10, 5))).toEqual([26, 27, 28, 29, 30]);
    expect(seqs(await history.newestAfter(A, 10, 5, 20))).toEqual([16, 17, 18, 19, 20]);
    expect(seqs(await history.newestAfter(A, 28, 5))).toEqual([29, 30]);
    expect(await history.countAfter(A, 10)).toBe(20);
    expect(seqs(await history.after(B, 0, 100))).toEqual([1, 2, 3]);
    expect(await history.after(`${A}\u0000`, 0, 10)).toEqual([]);
  });

  it("prunes old rows but each number's newest, and forgets an unregistered number whole", async () => {
    const d = await open(dialect);
    const history = historyOf(d);
    await journal(d, A, 10);
    await journal(d, B, 2, () => 10);
    expect(await history.prune(1008)).toBe(7 + 1);
    expect(seqs(await history.after(A, 0, 100))).toEqual([8, 9, 10]);
    expect(seqs(await history.after(B, 0, 100))).toEqual([2]);
    expect([await history.firstSeq(A), await history.lastSeq(A), await history.lastSeq(B)]).toEqual([8, 10, 2]);
    expect(await history.prune(10_000)).toBe(2);
    expect([await history.lastSeq(A), await history.lastSeq(B)]).toEqual([10, 2]);
    expect(await history.deleteForNumber(A)).toBe(1);
    expect([await history.lastSeq(A), await history.firstSeq(A)]).toEqual([0, null]);
  });
});
