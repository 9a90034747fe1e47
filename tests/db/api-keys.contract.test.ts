/** API key rows on both dialects: unique ids, owner cascade, changes decided in their transaction, last use never goes back. */
import { describe, expect, it } from '@jest/globals';
import type { ApiKeyStore, NewApiKey } from '../../src/db/ports/api-keys.js';
import { PgApiKeyRepository } from '../../src/db/pg/repositories/api-keys.js';
import { ApiKeyRepository } from '../../src/db/repositories/api-keys.js';
import { isUniqueViolation } from '../../src/db/unique.js';
import { auditOn, userRow } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('keys');
const store = (d: TestDatabase): ApiKeyStore => (d.dialect === 'sqlite' ? new ApiKeyRepository(d.db) : new PgApiKeyRepository(d.db));
const key = (id: string, ownerId: number, createdAt: number): NewApiKey => ({
  id,
  env: 'test',
  name: `key ${id}`,
  ownerId,
  createdBy: null,
  secretHash: 'aa'.repeat(32),
  lastFour: 'abcd',
  scopes: ['numbers:read', 'messages:send'],
  numbers: ['5511900000001'],
  allowedCidrs: null,
  expiresAt: null,
  createdAt,
  updatedAt: createdAt,
});

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  it('read back as written, oldest first; a taken id is a unique violation; they go with their owner', async () => {
    const d = await open(dialect);
    const keys = store(d);
    const [ana, bia] = [await userRow(d, 'ana'), await userRow(d, 'bia')];
    await keys.insert(key('k2', ana, 20));
    await keys.insert({ ...key('k1', bia, 10), allowedCidrs: ['203.0.113.0/24'], numbers: ['*'] });
    await keys.insert(key('k3', ana, 20));
    const err = await keys.insert(key('k1', ana, 30)).then(() => null, (e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    const all = await keys.all();
    expect(all.map((k) => k.id)).toEqual(['k1', 'k2', 'k3']);
    expect(all[0]).toMatchObject({ numbers: ['*'], allowedCidrs: ['203.0.113.0/24'], scopes: ['numbers:read', 'messages:send'], lastUsedAt: null, revokedAt: null, previousSecretHash: null });
    expect(await keys.get('k1')).toEqual(all[0]);
    expect(await keys.get('k9')).toBeUndefined();
    await d.fixture('DELETE FROM users WHERE id = ?', [ana]);
    expect((await keys.all()).map((k) => k.id)).toEqual(['k1']);
    expect(await keys.get('k2')).toBeUndefined();
  });

  it('rotate from the secret current in the transaction, with their audit row; two rotations keep one chain of secrets', async () => {
    const d = await open(dialect);
    const keys = store(d);
    const audit = auditOn(d);
    const ana = await userRow(d, 'ana');
    await keys.insert(key('k1', ana, 1));
    const rotate = (next: string) => keys.update('k1', (current) => ({ secretHash: next, previousSecretHash: current.secretHash, previousValidUntil: 99, rotatedAt: 5 }), audit.link('key.rotate'));
    await Promise.all([rotate('bb'.repeat(32)), rotate('cc'.repeat(32))]);
    const [row] = await keys.all();
    expect([row?.secretHash, row?.previousSecretHash].sort()).toEqual(['bb'.repeat(32), 'cc'.repeat(32)].sort());
    const revoked = await keys.update('k1', () => ({ revokedAt: 7, revokedBy: ana, previousSecretHash: null, previousValidUntil: null, name: 'old\u0000name' }), audit.link('key.revoke'));
    expect(revoked).toMatchObject({ revokedAt: 7, revokedBy: ana, previousSecretHash: null });
    expect(revoked?.name).toBe(dialect === 'postgres' ? 'oldname' : 'old\u0000name');
    expect(await keys.update('nope', () => ({ name: 'x' }), audit.link('key.update'))).toBeUndefined();
    expect((await audit.rows()).map((r) => r.action)).toEqual(['key.rotate', 'key.rotate', 'key.revoke']);
  });

  it('keep the newest last use when gateways flush out of order', async () => {
    const d = await open(dialect);
    const keys = store(d);
    const ana = await userRow(d, 'ana');
    await keys.insert(key('k1', ana, 1));
    await keys.insert(key('k2', ana, 1));
    await keys.touch([{ id: 'k1', at: 50, ip: '10.0.0.1' }, { id: 'k2', at: 10, ip: null }]);
    await keys.touch([{ id: 'k1', at: 40, ip: '10.0.0.2' }, { id: 'gone', at: 60, ip: null }]);
    expect((await keys.all()).map((k) => [k.id, k.lastUsedAt, k.lastUsedIp])).toEqual([
      ['k1', 50, '10.0.0.1'],
      ['k2', 10, null],
    ]);
  });
});
