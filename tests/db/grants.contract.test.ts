/** Per-number grants on both dialects: one per user and number, changed in place, gone with either, audited atomically. */
import { describe, expect, it } from '@jest/globals';
import type { GrantStore } from '../../src/db/ports/grants.js';
import { PgGrantRepository } from '../../src/db/pg/repositories/grants.js';
import { GrantRepository } from '../../src/db/repositories/grants.js';
import { auditOn, deviceRow, userRow } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('grants');
const store = (d: TestDatabase): GrantStore => (d.dialect === 'sqlite' ? new GrantRepository(d.db) : new PgGrantRepository(d.db));
const A = '5511900000001';
const B = '5511900000002';

describe.each(DIALECTS)('grants on %s', (dialect) => {
  it('are one per user and number: a second grant changes the level and keeps when it was first given', async () => {
    const d = await open(dialect);
    const grants = store(d);
    const [ana, bia, boss] = [await userRow(d, 'ana'), await userRow(d, 'bia'), await userRow(d, 'boss', 'admin')];
    await deviceRow(d, A);
    await deviceRow(d, B);
    await grants.upsert({ userId: bia, phoneNumber: B, level: 'read', grantedBy: boss }, 10);
    await grants.upsert({ userId: ana, phoneNumber: B, level: 'agent', grantedBy: boss }, 20);
    await grants.upsert({ userId: ana, phoneNumber: A, level: 'read', grantedBy: null }, 30);
    const changed = await grants.upsert({ userId: ana, phoneNumber: A, level: 'manager', grantedBy: boss }, 40);
    expect(changed).toEqual({ userId: ana, phoneNumber: A, level: 'manager', grantedBy: boss, createdAt: 30, updatedAt: 40 });
    expect(await grants.get(ana, A)).toEqual(changed);
    expect(await grants.get(bia, A)).toBeUndefined();
    expect((await grants.all()).map((g) => [g.userId, g.phoneNumber, g.level])).toEqual([
      [ana, A, 'manager'],
      [ana, B, 'agent'],
      [bia, B, 'read'],
    ]);
  });

  it('refuse a user or a number that does not exist, and go with their user or their number', async () => {
    const d = await open(dialect);
    const grants = store(d);
    const [ana, bia] = [await userRow(d, 'ana'), await userRow(d, 'bia')];
    await deviceRow(d, A);
    await deviceRow(d, B);
    expect(await refusal(grants.upsert({ userId: ana, phoneNumber: '5511999999999', level: 'read', grantedBy: null }, 1))).toMatch(/foreign key/i);
    expect(await refusal(grants.upsert({ userId: 9999, phoneNumber: A, level: 'read', grantedBy: null }, 1))).toMatch(/foreign key/i);
    await grants.upsert({ userId: ana, phoneNumber: A, level: 'read', grantedBy: null }, 1);
    await grants.upsert({ userId: ana, phoneNumber: B, level: 'read', grantedBy: null }, 1);
    await grants.upsert({ userId: bia, phoneNumber: A, level: 'read', grantedBy: null }, 1);
    await d.fixture('DELETE FROM devices WHERE phone_number = ?', [B]);
    expect((await grants.all()).map((g) => [g.userId, g.phoneNumber])).toEqual([
      [ana, A],
      [bia, A],
    ]);
    await d.fixture('DELETE FROM users WHERE id = ?', [ana]);
    expect((await grants.all()).map((g) => [g.userId, g.phoneNumber])).toEqual([[bia, A]]);
  });

  it('commit with their audit row, or not at all', async () => {
    const d = await open(dialect);
    const grants = store(d);
    const audit = auditOn(d);
    const ana = await userRow(d, 'ana');
    await deviceRow(d, A);
    const set = audit.link('grant.set');
    await grants.upsert({ userId: ana, phoneNumber: A, level: 'agent', grantedBy: null }, 1, set);
    expect(set.ids).toEqual([1]);
    const refused = audit.link('grant.set');
    expect(await refusal(grants.upsert({ userId: ana, phoneNumber: '5511999999999', level: 'agent', grantedBy: null }, 2, refused))).toMatch(/foreign key/i);
    expect(refused.ids).toEqual([]);
    const removed = audit.link('grant.revoke');
    expect(await grants.delete(ana, A, removed)).toBe(true);
    expect(await grants.delete(ana, A)).toBe(false);
    expect(await grants.delete(ana, 'x\u0000y')).toBe(false);
    expect((await audit.rows()).map((r) => [r.id, r.action])).toEqual([
      [1, 'grant.set'],
      [2, 'grant.revoke'],
    ]);
    expect(removed.ids).toEqual([2]);
    expect(await grants.all()).toEqual([]);
  });
});
