/** Accounts on both dialects: unique names, ids in order, read-modify-write in one transaction, audited atomically. */
import { describe, expect, it } from '@jest/globals';
import type { UserStore } from '../../src/db/ports/users.js';
import { PgUserRepository } from '../../src/db/pg/repositories/users.js';
import { UserRepository } from '../../src/db/repositories/users.js';
import { GatewayError } from '../../src/domain/errors.js';
import { auditOn } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('users');
const store = (d: TestDatabase): UserStore => (d.dialect === 'sqlite' ? new UserRepository(d.db) : new PgUserRepository(d.db));
const code = async (work: Promise<unknown>): Promise<string> => {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  return err instanceof GatewayError ? err.code : `not a GatewayError: ${String(err)}`;
};

describe.each(DIALECTS)('users on %s', (dialect) => {
  it('are created with defaults, listed by id, and found by id and by exact name', async () => {
    const d = await open(dialect);
    const users = store(d);
    const ana = await users.insert({ username: 'ana', passwordHash: 'scrypt$a', role: 'admin' }, 100);
    const bia = await users.insert({ username: 'bia', passwordHash: 'scrypt$b', role: 'viewer' }, 200);
    expect(ana).toEqual({ id: ana.id, username: 'ana', passwordHash: 'scrypt$a', role: 'admin', disabledAt: null, tokenGeneration: 0, createdAt: 100, updatedAt: 100 });
    expect(bia.id).toBeGreaterThan(ana.id);
    expect((await users.list()).map((u) => u.username)).toEqual(['ana', 'bia']);
    expect(await users.findById(bia.id)).toEqual(bia);
    expect(await users.findByUsername('bia')).toEqual(bia);
    expect(await users.findByUsername('BIA')).toBeUndefined();
    expect(await users.findByUsername('bi\u0000a')).toBeUndefined();
    expect(await users.findById(9999)).toBeUndefined();
  });

  it('refuse a taken name with USER_EXISTS, also when two create it at once, and write no audit row for it', async () => {
    const d = await open(dialect);
    const users = store(d);
    const audit = auditOn(d);
    await users.insert({ username: 'ana', passwordHash: 'x', role: 'user' }, 1, audit.link('user.create'));
    expect(await code(users.insert({ username: 'ana', passwordHash: 'y', role: 'admin' }, 2, audit.link('user.create')))).toBe('USER_EXISTS');
    const race = await Promise.allSettled([1, 2, 3].map((i) => users.insert({ username: 'cris', passwordHash: `h${i}`, role: 'user' }, 3, audit.link('user.create'))));
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.flatMap((r) => (r.status === 'rejected' && r.reason instanceof GatewayError ? [r.reason.code] : []))).toEqual(['USER_EXISTS', 'USER_EXISTS']);
    expect((await audit.rows()).map((r) => r.action)).toEqual(['user.create', 'user.create']);
    expect((await users.list()).map((u) => u.username)).toEqual(['ana', 'cris']);
  });

  it('change from the row as it is in the transaction: counters never lose a step, a refusal writes nothing', async () => {
    const d = await open(dialect);
    const users = store(d);
    const audit = auditOn(d);
    const ana = await users.insert({ username: 'ana', passwordHash: 'x', role: 'admin' }, 1);
    await Promise.all(Array.from({ length: 10 }, () => users.update(ana.id, (u) => ({ tokenGeneration: u.tokenGeneration + 1 }), 5)));
    expect(await users.findById(ana.id)).toMatchObject({ tokenGeneration: 10, updatedAt: 5 });
    const refused = audit.link('user.update');
    const refusal = users.update(
      ana.id,
      () => {
        throw new GatewayError('LAST_ADMIN', 'no');
      },
      6,
      refused,
    );
    expect(await code(refusal)).toBe('LAST_ADMIN');
    const disabled = audit.link('user.update');
    expect(await users.update(ana.id, () => ({ disabledAt: 7, role: 'viewer' }), 7, disabled)).toMatchObject({ disabledAt: 7, role: 'viewer', tokenGeneration: 10 });
    expect([refused.ids, disabled.ids]).toEqual([[], [1]]);
    expect(await users.update(9999, () => ({ role: 'admin' }), 8, audit.link('user.update'))).toBeUndefined();
    expect((await audit.rows()).map((r) => r.id)).toEqual([1]);
  });

  it('count the enabled admins inside the change, so two admins demoting each other at once leave one', async () => {
    const d = await open(dialect);
    const users = store(d);
    const [ana, bia] = [await users.insert({ username: 'ana', passwordHash: 'x', role: 'admin' }, 1), await users.insert({ username: 'bia', passwordHash: 'x', role: 'admin' }, 1)];
    await users.insert({ username: 'off', passwordHash: 'x', role: 'admin' }, 1).then((off) => users.update(off.id, () => ({ disabledAt: 1 }), 1));
    const demote = (id: number) =>
      users.update(
        id,
        (_user, admins) => {
          if (admins <= 1) throw new GatewayError('LAST_ADMIN', 'last admin');
          return { role: 'user' };
        },
        2,
      );
    const results = await Promise.allSettled([demote(ana.id), demote(bia.id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await users.list()).filter((u) => u.role === 'admin' && u.disabledAt === null)).toHaveLength(1);
  });
});
