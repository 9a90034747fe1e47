/**
 * Two gateways' directories of numbers on one Postgres: what one writes (the owner recording a state, a number
 * registered, renamed or removed) is in the other's memory and announced there; a gateway reads its own writes at
 * once and hears nothing twice; a feed re-opened after a gap reads everything again.
 */
import { describe, expect, it } from '@jest/globals';
import { DeviceDirectory } from '../../src/db/device-directory.js';
import { followTable } from '../../src/db/follow-changes.js';
import { PgDeviceRepository } from '../../src/db/pg/repositories/devices.js';
import { PgNumberKeys } from '../../src/db/pg/repositories/number-keys.js';
import { systemClock } from '../../src/lib/clock.js';
import { nextEvent, sharedDatabases, type SharedDatabase } from '../helpers/shared-database.js';

const A = '5511900000001';
const PENDING = 'pending-1b2c';
const shared = sharedDatabases('directory');

async function gatewayOn(database: SharedDatabase, name: string) {
  const { pool, db } = database.pool(name);
  const directory = await DeviceDirectory.load({ devices: new PgDeviceRepository(db), numberKeys: new PgNumberKeys(db) }, systemClock);
  const feed = database.feed(name);
  const errors: unknown[] = [];
  const stop = followTable(feed, 'devices', directory, systemClock, 100, (err) => errors.push(err));
  database.onClose(async () => stop());
  await feed.start();
  return { pool, directory, feed, errors };
}

async function twoGateways() {
  const database = await shared();
  return { a: await gatewayOn(database, 'a'), b: await gatewayOn(database, 'b') };
}

describe('the directory of numbers between two gateways', () => {
  it('shows a number registered, its state recorded and its removal on the other gateway, with changed events', async () => {
    const { a, b } = await twoGateways();
    const added = nextEvent(b.directory.events, 'changed', (c) => c.phoneNumber === A);
    const row = await a.directory.insert({ phoneNumber: A, name: 'Suporte' });
    expect(a.directory.get(A)).toEqual(row);
    expect((await added).row).toEqual(row);
    expect(b.directory.list().map((r) => r.phoneNumber)).toEqual([A]);

    const running = nextEvent(b.directory.events, 'changed', (c) => c.row?.state === 'running');
    await a.directory.update(A, { state: 'running', pid: 4242, port: 8100 });
    expect((await running).row).toMatchObject({ phoneNumber: A, state: 'running', pid: 4242, port: 8100 });
    expect(b.directory.get(A)?.state).toBe('running');
    expect(b.directory.count()).toBe(1);

    const removed = nextEvent(b.directory.events, 'changed', (c) => c.row === null);
    expect(await a.directory.delete(A)).toBe(true);
    expect(await removed).toEqual({ phoneNumber: A, row: null });
    expect([a.directory.get(A), b.directory.get(A), b.directory.count()]).toEqual([undefined, undefined, 0]);
    expect([a.errors, b.errors]).toEqual([[], []]);
  });

  it('follows a pending number to its phone: the old key is gone, the new one is found by the pending id too', async () => {
    const { a, b } = await twoGateways();
    const pending = nextEvent(b.directory.events, 'changed', (c) => c.phoneNumber === PENDING);
    await a.directory.insert({ phoneNumber: PENDING, pendingId: PENDING, name: 'new' });
    await pending;
    const seenOnA: unknown[] = [];
    a.directory.events.on('changed', (c) => seenOnA.push(c));
    const bound = nextEvent(b.directory.events, 'changed', (c) => c.phoneNumber === A);
    const left = nextEvent(b.directory.events, 'changed', (c) => c.phoneNumber === PENDING && c.row === null);
    a.directory.record(PENDING, { state: 'starting' });
    const row = await a.directory.rename(PENDING, A, () => undefined);
    // The renaming gateway knows it by its phone at once; the state recorded just before moved with it.
    expect(row).toMatchObject({ phoneNumber: A, pendingId: PENDING, state: 'starting' });
    expect([a.directory.get(PENDING), a.directory.get(A), a.directory.getByPendingId(PENDING)]).toEqual([undefined, row, row]);
    await Promise.all([bound, left]);
    expect(b.directory.get(PENDING)).toBeUndefined();
    expect(b.directory.getByPendingId(PENDING)).toEqual(row);
    await a.directory.refresh(null);
    expect(seenOnA).toEqual([]);
  });

  it('announces nothing on the writer when its own write comes back', async () => {
    const { a, b } = await twoGateways();
    const seen: unknown[] = [];
    a.directory.events.on('changed', (c) => seen.push(c));
    await a.directory.insert({ phoneNumber: A, name: 'Suporte' });
    const arrived = nextEvent(b.directory.events, 'changed', (c) => c.row?.name === 'Vendas');
    await a.directory.update(A, { name: 'Vendas' });
    await arrived;
    await a.directory.refresh(A);
    await a.directory.refresh(null);
    expect(seen).toEqual([]);
  });

  it('reads everything again when its feed is re-opened after a gap', async () => {
    const { a, b } = await twoGateways();
    // Once B has heard of this number, its first whole read (at the feed's start) is behind it too: refreshes are serial.
    const marker = nextEvent(b.directory.events, 'changed', (c) => c.phoneNumber === PENDING);
    await a.directory.insert({ phoneNumber: PENDING, pendingId: PENDING, name: 'marker' });
    await marker;
    await b.feed.stop();
    await a.directory.insert({ phoneNumber: A, name: 'Suporte' });
    expect(b.directory.get(A)).toBeUndefined();
    const caughtUp = nextEvent(b.directory.events, 'changed', (c) => c.phoneNumber === A);
    await b.feed.start();
    expect((await caughtUp).row).toMatchObject({ phoneNumber: A, name: 'Suporte' });
  });
});

describe('states recorded by the owner of a number', () => {
  it('are in memory at once, stored in the order recorded, and the other gateway ends on the last one', async () => {
    const { a, b } = await twoGateways();
    await a.directory.insert({ phoneNumber: A, name: 'Suporte' });
    const states = ['starting', 'running', 'backoff', 'starting', 'running', 'stopping', 'stopped', 'starting', 'running'] as const;
    const last = nextEvent(b.directory.events, 'changed', (c) => c.row?.restartCount === states.length);
    states.forEach((state, i) => expect(a.directory.record(A, { state, restartCount: i + 1 })?.state).toBe(state));
    expect(a.directory.get(A)).toMatchObject({ state: 'running', restartCount: states.length });
    await a.directory.recorded();
    expect((await a.pool.query('SELECT state, restart_count FROM devices')).rows).toEqual([{ state: 'running', restart_count: String(states.length) }]);
    expect((await last).row).toMatchObject({ state: 'running', restartCount: states.length });
    expect(a.directory.record('5511999999999', { state: 'running' })).toBeUndefined();
  });

  it('take what another gateway changed meanwhile once they are stored', async () => {
    const { a, b } = await twoGateways();
    await a.directory.insert({ phoneNumber: A, name: 'Suporte' });
    const renamedOnA = nextEvent(a.directory.events, 'changed', (c) => c.row?.name === 'Vendas');
    a.directory.record(A, { state: 'starting' });
    await b.directory.update(A, { name: 'Vendas' });
    a.directory.record(A, { state: 'running' });
    await a.directory.recorded();
    // Announced with whichever state was stored with it (the rename may commit before or after the first write).
    expect((await renamedOnA).row?.name).toBe('Vendas');
    expect(a.directory.get(A)).toMatchObject({ name: 'Vendas', state: 'running' });
    expect(a.errors).toEqual([]);
  });

  it('are kept when the same gateway changes the number settings while they are on their way, and both end stored', async () => {
    const { a } = await twoGateways();
    await a.directory.insert({ phoneNumber: A, name: 'Suporte' });
    a.directory.record(A, { state: 'starting' });
    a.directory.record(A, { state: 'running', pid: 4242 });
    expect(await a.directory.update(A, { name: 'Vendas', webhookUrl: undefined })).toMatchObject({ name: 'Vendas', state: 'running', pid: 4242 });
    expect(a.directory.get(A)).toMatchObject({ name: 'Vendas', state: 'running', pid: 4242 });
    await a.directory.recorded();
    expect((await a.pool.query('SELECT name, state, pid FROM devices')).rows).toEqual([{ name: 'Vendas', state: 'running', pid: '4242' }]);
    expect(a.directory.get(A)).toMatchObject({ name: 'Vendas', state: 'running', pid: 4242 });
  });
});
