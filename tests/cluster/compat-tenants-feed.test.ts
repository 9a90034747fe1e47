/**
 * The compat layer's tenants between two gateways on one Postgres: a tenant created, renamed or removed on one
 * reaches the other's memory (what its Flask webhook looks numbers up in), and a feed re-opened after a gap reads
 * every tenant again.
 */
import { describe, expect, it } from '@jest/globals';
import { followTable } from '../../src/db/follow-changes.js';
import type { ChangeSource } from '../../src/db/ports/changes.js';
import { TenantDirectory } from '../../src/compat/tenants/tenant-directory.js';
import { PgCompatTenantRepository } from '../../src/db/pg/repositories/compat-tenants.js';
import { systemClock } from '../../src/lib/clock.js';
import { waitFor } from '../helpers/wait.js';
import { sharedDatabases, type SharedDatabase } from '../helpers/shared-database.js';

const shared = sharedDatabases('compatfeed');
const tenant = (tenantId: string, phoneNumber: string) => ({ tenantId, phoneNumber, flaskUrl: null, empresaIdType: null });

/** A gateway's tenants in memory on the shared database, following the (started) change feed. */
async function gatewayOn(database: SharedDatabase, name: string) {
  const { pool, db } = database.pool(name);
  const tenants = await TenantDirectory.load(new PgCompatTenantRepository(db));
  const feed = database.feed(name);
  const errors: unknown[] = [];
  // Counts announcements heard and refreshes done: a refresh already announced still reads after the feed stops.
  const counts = { heard: 0, done: 0 };
  const counted: ChangeSource = {
    onChange: (table, listener) =>
      feed.onChange(table, (key) => {
        counts.heard += 1;
        listener(key);
      }),
  };
  const memory = { refresh: (key: string | null) => tenants.refresh(key).finally(() => (counts.done += 1)) };
  const stop = followTable(counted, 'compat_tenants', memory, systemClock, 100, (err) => errors.push(err));
  await feed.start();
  database.onClose(async () => stop());
  const settled = () => waitFor(() => counts.done === counts.heard, { what: `${name} to finish the refreshes it heard` });
  return { pool, tenants, feed, errors, settled };
}

async function cluster() {
  const database = await shared();
  return { a: await gatewayOn(database, 'a'), b: await gatewayOn(database, 'b') };
}

describe('compat tenants between two gateways', () => {
  it('brings a tenant created on one gateway to the other, and takes it away when it is removed there', async () => {
    const { a, b } = await cluster();
    const made = await a.tenants.insert(tenant('1', '5511900000001'));
    expect(await waitFor(() => b.tenants.byNumber('5511900000001'), { what: 'the tenant on B' })).toEqual(made);
    expect(b.tenants.list()).toEqual([made]);

    await a.tenants.delete('1');
    await waitFor(() => b.tenants.get('1') === undefined, { what: 'the tenant gone on B' });
    expect(b.tenants.byNumber('5511900000001')).toBeUndefined();

    await a.tenants.insert(tenant('2', 'pending-2'));
    await waitFor(() => b.tenants.get('2'), { what: 'the second tenant on B' });
    await a.tenants.forgetNumber('pending-2');
    await waitFor(() => b.tenants.byNumber('pending-2') === undefined, { what: 'the unregistered number gone on B' });
    expect([a.errors, b.errors]).toEqual([[], []]);
  });

  it('moves a tenant whose pending number took its phone on the other gateway', async () => {
    const { a, b } = await cluster();
    await a.tenants.insert(tenant('acme', 'pending-acme'));
    await waitFor(() => b.tenants.byNumber('pending-acme'), { what: 'the pending tenant on B' });
    // The rename moves every number table's rows in one transaction (here as its statement on compat_tenants).
    await a.pool.query("UPDATE compat_tenants SET phone_number = '5511900000009' WHERE phone_number = 'pending-acme'");
    a.tenants.renamed('pending-acme', '5511900000009');
    expect((await waitFor(() => b.tenants.byNumber('5511900000009'), { what: 'the renamed tenant on B' })).tenantId).toBe('acme');
    expect(b.tenants.byNumber('pending-acme')).toBeUndefined();
    expect(a.tenants.byNumber('5511900000009')).toEqual(b.tenants.get('acme'));
  });

  it('reads every tenant again when its feed is re-opened after a gap', async () => {
    const { a, b } = await cluster();
    await a.tenants.insert(tenant('old', '5511900000001'));
    await waitFor(() => b.tenants.get('old'), { what: 'the first tenant on B' });
    await b.feed.stop();
    await b.settled();
    await a.tenants.delete('old');
    await a.tenants.insert(tenant('new', '5511900000002'));
    expect(b.tenants.get('old')).toBeDefined();
    expect(b.tenants.get('new')).toBeUndefined();
    await b.feed.start();
    await waitFor(() => b.tenants.get('new') && b.tenants.get('old') === undefined, { what: 'B to read the tenants again' });
    expect(b.tenants.list().map((t) => t.tenantId)).toEqual(['new']);
  });
});
