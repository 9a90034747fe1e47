/** The numbers' rows and their history, the same on both dialects. */
import { describe, expect, it } from '@jest/globals';
import type { DeviceEventStore, DeviceStore } from '../../src/db/ports/devices.js';
import { PgDeviceEventRepository } from '../../src/db/pg/repositories/device-events.js';
import { PgDeviceRepository } from '../../src/db/pg/repositories/devices.js';
import { PgGrantRepository } from '../../src/db/pg/repositories/grants.js';
import { GrantRepository } from '../../src/db/repositories/grants.js';
import { DeviceEventRepository } from '../../src/db/repositories/device-events.js';
import { sqliteDeviceEventStore, sqliteDeviceStore } from '../../src/db/repositories/sqlite-ports.js';
import { DeviceRepository } from '../../src/db/repositories/devices.js';
import { userRow } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('devices');
const devicesOf = (d: TestDatabase): DeviceStore => (d.dialect === 'sqlite' ? sqliteDeviceStore(new DeviceRepository(d.db), d.db) : new PgDeviceRepository(d.db));
const historyOf = (d: TestDatabase): DeviceEventStore => (d.dialect === 'sqlite' ? sqliteDeviceEventStore(new DeviceEventRepository(d.db)) : new PgDeviceEventRepository(d.db));
const grantsOf = (d: TestDatabase) => (d.dialect === 'sqlite' ? new GrantRepository(d.db) : new PgGrantRepository(d.db));
const A = '5511900000001';
const B = '5511900000002';
const PENDING = 'pending-7f3a';

describe.each(DIALECTS)('devices on %s', (dialect) => {
  it('read back as written, oldest first; a taken number or pending id is DEVICE_EXISTS and changes nothing', async () => {
    const d = await open(dialect);
    const devices = devicesOf(d);
    const owner = await userRow(d, 'ana');
    const b = await devices.insert({ phoneNumber: B, name: 'Vendas', ownerId: owner, createdAt: 10, updatedAt: 10 });
    expect(b).toMatchObject({ phoneNumber: B, name: 'Vendas', ownerId: owner, state: 'stopped', desiredState: 'stopped', sessionState: 'unknown', restartCount: 0, pendingId: null, queuePolicy: null, webhookEvents: null, createdAt: 10, updatedAt: 10 });
    await devices.insert({ phoneNumber: PENDING, pendingId: PENDING, name: 'new', createdAt: 20, updatedAt: 20 });
    await devices.insert({ phoneNumber: A, name: 'Suporte', createdAt: 10, updatedAt: 10 });
    await expect(devices.insert({ phoneNumber: A, name: 'again' })).rejects.toMatchObject({ code: 'DEVICE_EXISTS' });
    await expect(devices.insert({ phoneNumber: '5511900000009', pendingId: PENDING, name: 'twin' })).rejects.toMatchObject({ code: 'DEVICE_EXISTS' });
    expect((await devices.list()).map((r) => [r.phoneNumber, r.name])).toEqual([
      [A, 'Suporte'],
      [B, 'Vendas'],
      [PENDING, 'new'],
    ]);
    expect(await devices.count()).toBe(3);
    expect(await devices.get(B)).toEqual(b);
    expect((await devices.getByPendingId(PENDING))?.phoneNumber).toBe(PENDING);
    expect(await devices.get('5511900000009')).toBeUndefined();
    expect(await devices.getByPendingId('pending-none')).toBeUndefined();
  });

  it('change what the patch names and when, keep the rest; a number that is not there is undefined; JSON reads back whole', async () => {
    const d = await open(dialect);
    const devices = devicesOf(d);
    await devices.insert({ phoneNumber: A, name: 'Suporte', webhookUrl: 'https://crm.example/hook', createdAt: 10, updatedAt: 10 });
    const running = await devices.update(A, { state: 'running', pid: 4242, port: 8123, queuePolicy: { concurrency: 1, interval: 1000, intervalCap: 5 }, webhookEvents: ['message', 'receipt'] }, 50);
    expect(running).toMatchObject({ state: 'running', pid: 4242, port: 8123, name: 'Suporte', webhookUrl: 'https://crm.example/hook', queuePolicy: { concurrency: 1, interval: 1000, intervalCap: 5 }, webhookEvents: ['message', 'receipt'], createdAt: 10, updatedAt: 50 });
    const stopped = await devices.update(A, { state: 'stopped', pid: null, lastExitCode: 1, lastExitSignal: 'SIGKILL', lastError: 'exited' }, 60);
    expect(stopped).toMatchObject({ state: 'stopped', pid: null, port: 8123, lastExitCode: 1, lastExitSignal: 'SIGKILL', updatedAt: 60 });
    expect(await devices.get(A)).toEqual(stopped);
    expect(await devices.update(B, { state: 'running' }, 70)).toBeUndefined();
    expect(await devices.count()).toBe(1);
  });

  it('delete once, with the grants on the number', async () => {
    const d = await open(dialect);
    const devices = devicesOf(d);
    const ana = await userRow(d, 'ana');
    await devices.insert({ phoneNumber: A, name: 'a' });
    await devices.insert({ phoneNumber: B, name: 'b' });
    await grantsOf(d).upsert({ userId: ana, phoneNumber: A, level: 'read', grantedBy: null }, 1);
    await grantsOf(d).upsert({ userId: ana, phoneNumber: B, level: 'agent', grantedBy: null }, 1);
    expect(await devices.delete(A)).toBe(true);
    expect(await devices.delete(A)).toBe(false);
    expect((await devices.list()).map((r) => r.phoneNumber)).toEqual([B]);
    expect((await grantsOf(d).all()).map((g) => g.phoneNumber)).toEqual([B]);
  });

  it('keep a name or an error with U+0000 readable (stored without it on Postgres), and find no number by a key holding it', async () => {
    const d = await open(dialect);
    const devices = devicesOf(d);
    await devices.insert({ phoneNumber: A, name: 'caixa\u0000 1' });
    const row = await devices.update(A, { lastError: 'bad\u0000 output' }, 5);
    expect(row?.name.replaceAll('\u0000', '')).toBe('caixa 1');
    expect(row?.lastError?.replaceAll('\u0000', '')).toBe('bad output');
    expect(await devices.get(`${A}\u0000`)).toBeUndefined();
    expect(await devices.update(`${A}\u0000`, { name: 'x' }, 6)).toBeUndefined();
    expect(await devices.delete(`${A}\u0000`)).toBe(false);
  });
});

describe.each(DIALECTS)('device history on %s', (dialect) => {
  it('appends with its time and pages back newest first, one number at a time', async () => {
    const d = await open(dialect);
    const devices = devicesOf(d);
    const history = historyOf(d);
    await devices.insert({ phoneNumber: A, name: 'a' });
    await devices.insert({ phoneNumber: B, name: 'b' });
    const first = await history.append({ phoneNumber: A, type: 'registered', toState: 'stopped' }, 100);
    expect(first).toMatchObject({ phoneNumber: A, type: 'registered', fromState: null, toState: 'stopped', detail: null, createdAt: 100 });
    for (let i = 1; i <= 5; i++) await history.append({ phoneNumber: A, type: 'exited', fromState: 'running', toState: 'backoff', detail: { code: i, signal: null, nested: { at: [i] } } }, 100 + i);
    await history.append({ phoneNumber: B, type: 'registered' }, 200);
    const page1 = await history.page(A, null, 3);
    expect(page1.map((r) => r.detail)).toEqual([
      { code: 5, signal: null, nested: { at: [5] } },
      { code: 4, signal: null, nested: { at: [4] } },
      { code: 3, signal: null, nested: { at: [3] } },
    ]);
    const page2 = await history.page(A, page1[2]!.id, 3);
    expect(page2.map((r) => [r.type, r.createdAt])).toEqual([
      ['exited', 102],
      ['exited', 101],
      ['registered', 100],
    ]);
    expect(await history.page(A, page2[2]!.id, 3)).toEqual([]);
    expect((await history.page(B, null, 10)).map((r) => r.type)).toEqual(['registered']);
    expect(await history.page(`${A}\u0000`, null, 10)).toEqual([]);
  });
});
