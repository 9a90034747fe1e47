/**
 * The legacy API's tenants on both dialects: one tenant per id and one per number (also when two gateways create
 * the same one at once), listed in creation order with ids in byte order, found by id and number, removed by id or
 * with their number; and the compat layer's memory of them, which reads a row again when the change feed names it.
 */
import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { TenantDirectory } from '../../src/compat/tenants/tenant-directory.js';
import type { CompatTenantStore, NewTenant } from '../../src/db/ports/compat-tenants.js';
import { pgDatabase } from '../../src/db/pg/client.js';
import { PgCompatTenantRepository } from '../../src/db/pg/repositories/compat-tenants.js';
import { CompatTenantRepository } from '../../src/db/repositories/compat-tenants.js';
import { DIALECTS, dialectDatabases, refusal, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('compat');
const store = (d: TestDatabase): CompatTenantStore => (d.dialect === 'sqlite' ? new CompatTenantRepository(d.db) : new PgCompatTenantRepository(d.db));
const tenant = (tenantId: string, phoneNumber: string, over: Partial<NewTenant> = {}): NewTenant => ({ tenantId, phoneNumber, flaskUrl: null, empresaIdType: null, ...over });

/** The store as another gateway has it: on Postgres over a pool of its own; on SQLite the one connection. */
function otherGateway(d: TestDatabase): { store: CompatTenantStore; close: () => Promise<void> } {
  if (d.dialect === 'sqlite') return { store: store(d), close: async () => undefined };
  const pool = new pg.Pool({ connectionString: d.db.$client.options.connectionString, max: 4 });
  return { store: new PgCompatTenantRepository(pgDatabase(pool)), close: () => pool.end() };
}

const insertAt = (d: TestDatabase, row: NewTenant, at: number) =>
  d.fixture('INSERT INTO compat_tenants (tenant_id, phone_number, flask_url, empresa_id_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [row.tenantId, row.phoneNumber, row.flaskUrl, row.empresaIdType, at, at]);

describe.each(DIALECTS)('compat tenants on %s', (dialect) => {
  it('are found by id and by number and read back as written', async () => {
    const tenants = store(await open(dialect));
    const before = Date.now();
    const one = await tenants.insert(tenant('1', '5511900000001', { flaskUrl: 'https://flask.example.com', empresaIdType: 'number' }));
    expect(one).toMatchObject({ tenantId: '1', phoneNumber: '5511900000001', flaskUrl: 'https://flask.example.com', empresaIdType: 'number' });
    expect(one.createdAt).toBeGreaterThanOrEqual(before - 1);
    expect(one.updatedAt).toBe(one.createdAt);
    const pending = await tenants.insert(tenant('acme', 'pending-abc'));
    expect(pending).toMatchObject({ flaskUrl: null, empresaIdType: null });
    expect(await tenants.get('1')).toEqual(one);
    expect(await tenants.byNumber('pending-abc')).toEqual(pending);
    expect(await tenants.get('2')).toBeUndefined();
    expect(await tenants.byNumber('5511900000009')).toBeUndefined();
    expect(await tenants.get('1\u0000')).toBeUndefined();
    expect(await tenants.byNumber('\u0000')).toBeUndefined();
  });

  it('are listed oldest first, ids of the same moment in byte order', async () => {
    const d = await open(dialect);
    await insertAt(d, tenant('late', 'n-late'), 30);
    for (const [i, id] of ['a1', 'Z', 'a-1', '9', 'a', '10', 'é'].entries()) await insertAt(d, tenant(id, `n-${i}`), 20);
    await insertAt(d, tenant('early', 'n-early'), 10);
    expect((await store(d).list()).map((t) => t.tenantId)).toEqual(['early', '10', '9', 'Z', 'a', 'a-1', 'a1', 'é', 'late']);
  });

  it('are one per id and one per number, also when two gateways create the same tenant at once', async () => {
    const d = await open(dialect);
    const tenants = store(d);
    await tenants.insert(tenant('1', '5511900000001'));
    expect(await refusal(tenants.insert(tenant('1', '5511900000002')))).toMatch(/unique|duplicate/i);
    expect(await refusal(tenants.insert(tenant('2', '5511900000001')))).toMatch(/unique|duplicate/i);
    const theirs = otherGateway(d);
    try {
      const race = await Promise.allSettled([tenants.insert(tenant('7', 'pending-a')), theirs.store.insert(tenant('7', 'pending-b')), tenants.insert(tenant('7', 'pending-c'))]);
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    } finally {
      await theirs.close();
    }
    expect((await tenants.list()).map((t) => t.tenantId)).toEqual(['1', '7']);
  });

  it('go by id or with their number, and nothing of another tenant', async () => {
    const tenants = store(await open(dialect));
    await tenants.insert(tenant('1', '5511900000001'));
    await tenants.insert(tenant('2', '5511900000002'));
    await tenants.insert(tenant('3', '5511900000003'));
    expect(await tenants.delete('1')).toBe(true);
    expect(await tenants.delete('1')).toBe(false);
    expect(await tenants.delete('\u0000')).toBe(false);
    expect(await tenants.deleteForNumber('5511900000002')).toBe(1);
    expect(await tenants.deleteForNumber('5511900000002')).toBe(0);
    expect((await tenants.list()).map((t) => t.tenantId)).toEqual(['3']);
    // A number that is gone can be a new tenant's, and an id that is gone can be taken again.
    expect(await tenants.insert(tenant('1', '5511900000002'))).toMatchObject({ tenantId: '1', phoneNumber: '5511900000002' });
  });
});

describe.each(DIALECTS)('the tenants in memory on %s', (dialect) => {
  it('answer from memory what was stored, and write through the store', async () => {
    const d = await open(dialect);
    const tenants = store(d);
    await insertAt(d, tenant('b', '5511900000002'), 20);
    await insertAt(d, tenant('a', '5511900000001'), 20);
    const directory = await TenantDirectory.load(tenants);
    expect(directory.list().map((t) => t.tenantId)).toEqual(['a', 'b']);
    expect(directory.byNumber('5511900000002')?.tenantId).toBe('b');
    const made = await directory.insert(tenant('c', 'pending-c'));
    expect(directory.get('c')).toEqual(made);
    expect(await tenants.get('c')).toEqual(made);
    // A refused insert changes nothing in memory.
    expect(await refusal(directory.insert(tenant('d', 'pending-c')))).toMatch(/unique|duplicate/i);
    expect(directory.get('d')).toBeUndefined();
    expect(directory.byNumber('pending-c')?.tenantId).toBe('c');

    directory.renamed('pending-c', '5511900000003');
    expect(directory.byNumber('pending-c')).toBeUndefined();
    expect(directory.byNumber('5511900000003')?.tenantId).toBe('c');
    await directory.forgetNumber('5511900000001');
    expect(directory.get('a')).toBeUndefined();
    expect(await tenants.get('a')).toBeUndefined();
    await directory.delete('b');
    expect(directory.byNumber('5511900000002')).toBeUndefined();
    expect((await tenants.list()).map((t) => t.tenantId)).toEqual(['c']);
  });

  it('read a tenant again when it is named, and every tenant when nothing is', async () => {
    const d = await open(dialect);
    const directory = await TenantDirectory.load(store(d));
    await insertAt(d, tenant('1', 'pending-1'), 10);
    await insertAt(d, tenant('2', '5511900000002'), 20);
    expect(directory.get('1')).toBeUndefined();
    await directory.refresh('1');
    expect(directory.byNumber('pending-1')?.tenantId).toBe('1');
    expect(directory.get('2')).toBeUndefined();

    // Another gateway's rename, removal and creation, then "anything may have changed".
    await d.fixture("UPDATE compat_tenants SET phone_number = '5511900000001' WHERE tenant_id = '1'");
    await d.fixture("DELETE FROM compat_tenants WHERE tenant_id = '2'");
    await insertAt(d, tenant('3', '5511900000002'), 30);
    await directory.refresh(null);
    expect(directory.list().map((t) => [t.tenantId, t.phoneNumber])).toEqual([
      ['1', '5511900000001'],
      ['3', '5511900000002'],
    ]);
    expect(directory.byNumber('pending-1')).toBeUndefined();
    expect(directory.byNumber('5511900000002')?.tenantId).toBe('3');
    await d.fixture("DELETE FROM compat_tenants WHERE tenant_id = '3'");
    await directory.refresh('3');
    expect(directory.byNumber('5511900000002')).toBeUndefined();
  });
});
