/** The audit log's store on both dialects: the chain, its order and pages, visibility, pruning, append-only. */
import { describe, expect, it } from '@jest/globals';
import { AuditLog, SYSTEM_ACTOR, type AuditEntry } from '../../src/audit/audit-log.js';
import type { AuditStore } from '../../src/db/ports/audit.js';
import { createLogger } from '../../src/lib/logger.js';
import { auditStoreOf as store, clockAt } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('audit');
const logOf = (d: TestDatabase, t = { now: 1000 }) => new AuditLog(store(d), clockAt(t), createLogger('silent'));
const user = (id: number, name: string) => ({ type: 'user' as const, id, name, keyId: null });
const entry = (action: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({ actor: SYSTEM_ACTOR, action, result: 'ok', ...extra });

describe.each(DIALECTS)('the audit store on %s', (dialect) => {
  it('chains rows in the order written, and reads them back exactly as written (U+0000 only inside params)', async () => {
    const d = await open(dialect);
    const log = logOf(d);
    const params = { note: 'olá\u0000✓', nested: { z: 1, a: [true, null] }, password: 'hunter2' };
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await log.append(entry(`test.step${i}`, { userAgent: `agent\u0000${i}`, params, phoneNumber: '5511900000001' })));
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    const rows = await store(d).ascending({}, { all: true }, 0, 100);
    expect(rows.map((r) => r.action)).toEqual(['test.step0', 'test.step1', 'test.step2', 'test.step3', 'test.step4']);
    expect(rows[0]).toMatchObject({ userAgent: 'agent0', params: { note: 'olá\u0000✓', nested: { z: 1, a: [true, null] }, password: '[redacted]' } });
    expect(Object.keys(rows[0]?.params ?? {})).toEqual(['note', 'nested', 'password']);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
    expect(await log.verify()).toMatchObject({ ok: true, checked: 5, firstId: 1, lastId: 5, headHash: rows[4]?.hash });
  });

  it('keeps one chain when appends race (each links to the row before it)', async () => {
    const d = await open(dialect);
    const log = logOf(d);
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(entry(`race.${i}`))));
    const rows = await store(d).ascending({}, { all: true }, 0, 100);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await log.verify()).toMatchObject({ ok: true, checked: 20 });
  });

  it('pages newest first with a cursor, filters by actor, key, number, action prefix, result and time', async () => {
    const d = await open(dialect);
    const t = { now: 1000 };
    const log = logOf(d, t);
    const ana = user(7, 'ana');
    for (let i = 0; i < 6; i++) {
      t.now = 1000 + i * 10;
      await log.append(entry(i % 2 ? 'number.start' : 'key.create', { actor: i < 3 ? ana : SYSTEM_ACTOR, phoneNumber: i % 3 === 0 ? '5511900000001' : null, result: i === 5 ? 'denied' : 'ok' }));
    }
    const audit = store(d);
    const first = await audit.page({}, { all: true }, null, 4);
    expect(first.map((r) => r.id)).toEqual([6, 5, 4, 3]);
    expect((await audit.page({}, { all: true }, 3, 4)).map((r) => r.id)).toEqual([2, 1]);
    const ids = async (filter: Parameters<AuditStore['page']>[0]) => (await audit.page(filter, { all: true }, null, 100)).map((r) => r.id);
    expect(await ids({ actorId: 7 })).toEqual([3, 2, 1]);
    expect(await ids({ action: 'number.*' })).toEqual([6, 4, 2]);
    expect(await ids({ action: 'Number.*' })).toEqual([6, 4, 2]);
    expect(await ids({ action: 'number' })).toEqual([]);
    // A wildcard typed into the filter is not one.
    expect(await ids({ action: '%.*' })).toEqual([]);
    expect(await ids({ action: 'k_y.*' })).toEqual([]);
    expect(await ids({ phoneNumber: '5511900000001' })).toEqual([4, 1]);
    expect(await ids({ result: 'denied' })).toEqual([6]);
    expect(await ids({ from: 1010, to: 1030 })).toEqual([3, 2]);
    // A reader who is not an admin: rows of the numbers it manages, and its own rows on numbers it sees or none.
    const mine = { all: false, managed: [], visible: ['5511900000001'], actorId: 7 } as const;
    expect((await audit.page({}, mine, null, 100)).map((r) => r.id)).toEqual([3, 2, 1]);
    expect((await audit.page({}, { ...mine, visible: [] }, null, 100)).map((r) => r.id)).toEqual([3, 2]);
    expect((await audit.page({}, { all: false, managed: ['5511900000001'], visible: [], actorId: 99 }, null, 100)).map((r) => r.id)).toEqual([4, 1]);
    expect((await audit.ascending({ actorId: 7 }, { all: true }, 1, 100)).map((r) => r.id)).toEqual([2, 3]);
  });

  it('prunes from the oldest end, records the pruning, and still verifies; the newest row always stays', async () => {
    const d = await open(dialect);
    const t = { now: 1000 };
    const log = logOf(d, t);
    for (let i = 0; i < 4; i++) {
      t.now = 1000 + i;
      await log.append(entry(`old.${i}`));
    }
    expect(await log.prune(900)).toBe(0);
    t.now = 5000;
    expect(await log.prune(1002)).toBe(2);
    const rows = await store(d).ascending({}, { all: true }, 0, 100);
    expect(rows.map((r) => r.action)).toEqual(['old.2', 'old.3', 'audit.prune']);
    expect(rows[2]?.params).toMatchObject({ deleted: 2, throughId: 2 });
    expect(await log.verify()).toMatchObject({ ok: true, checked: 3, firstId: 3 });
    // Everything is old: all but the newest row go (the prune record itself is the newest).
    t.now = 9000;
    expect(await log.prune(8000)).toBe(2);
    expect((await store(d).ascending({}, { all: true }, 0, 100)).map((r) => r.action)).toEqual(['audit.prune', 'audit.prune']);
    expect(await log.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it('refuses an edit, and verify names a row deleted from the middle or from the end', async () => {
    const d = await open(dialect);
    const log = logOf(d);
    for (let i = 0; i < 4; i++) await log.append(entry(`row.${i}`));
    expect(await refusal(d.fixture("UPDATE audit_events SET action = 'forged' WHERE id = 2"))).toMatch(/append-only/);
    await d.fixture('DELETE FROM audit_events WHERE id = 4');
    expect(await log.verify()).toMatchObject({ ok: false, problem: { id: 4, reason: 'rows 4–4 were deleted from the end' } });
    await d.fixture('DELETE FROM audit_events WHERE id = 2');
    expect(await log.verify()).toMatchObject({ ok: false, problem: { id: 2, reason: 'row deleted' } });
  });
});
