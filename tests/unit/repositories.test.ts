import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { DeviceRepository } from '../../src/db/repositories/devices.js';
import { MessageRepository } from '../../src/db/repositories/messages.js';
import { TurnWriter } from '../../src/db/turn-writer.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';

/** The prepared and cached queries of the hot paths, on a real database file. */
describe('repositories on the hot paths', () => {
  let database: DatabaseHandle;
  let devices: DeviceRepository;
  let messages: MessageRepository;

  beforeAll(() => {
    database = openDatabase(path.join(makeDataRoot(), 'whatsapp.db'), path.join(ROOT, 'drizzle'));
    devices = new DeviceRepository(database.db);
    messages = new MessageRepository(database.db);
  });
  afterAll(() => database.close());

  describe('devices (kept in memory, replaced on every write)', () => {
    it('answers the row as last written, and nothing once deleted', () => {
      devices.insert({ phoneNumber: '5511000000010', name: 'first' });
      expect(devices.get('5511000000010')?.name).toBe('first');
      devices.update('5511000000010', { name: 'renamed', webhookUrl: 'https://example.com/hook' });
      expect(devices.get('5511000000010')).toMatchObject({ name: 'renamed', webhookUrl: 'https://example.com/hook' });
      expect(devices.delete('5511000000010')).toBe(true);
      expect(devices.get('5511000000010')).toBeUndefined();
      devices.insert({ phoneNumber: '5511000000010', name: 'registered again' });
      expect(devices.get('5511000000010')?.name).toBe('registered again');
    });

    it('reads what is already in the file, and hands out rows nobody can change behind its back', () => {
      database.sqlite.prepare("INSERT INTO devices (phone_number, name) VALUES ('5511000000011', 'from the file')").run();
      const row = devices.get('5511000000011');
      expect(row?.name).toBe('from the file');
      expect(() => Object.assign(row ?? {}, { name: 'changed' })).toThrow(TypeError);
      expect(devices.get('5511000000011')?.name).toBe('from the file');
    });
  });

  describe('messages', () => {
    const base = { phoneNumber: '5511000000020', recipient: '5511888888888@s.whatsapp.net', kind: 'text' as const };

    it('fills the schema defaults on insert and returns the first row for a repeated idempotency key', () => {
      const first = messages.insertOnce({ ...base, id: 'a1', payload: { message: 'one' }, idempotencyKey: 'key-1' });
      expect(first.created).toBe(true);
      expect(first.row).toMatchObject({ status: 'queued', attempts: 0, waMessageId: null, payload: { message: 'one' } });
      expect(first.row.createdAt).toBeGreaterThan(0);
      const again = messages.insertOnce({ ...base, id: 'a2', payload: { message: 'two' }, idempotencyKey: 'key-1' });
      expect(again).toEqual({ row: first.row, created: false });
      expect(messages.get('a2')).toBeUndefined();
    });

    it('inserts the rows of one turn in one transaction, in order, a repeated key finding the row of the same turn', async () => {
      // No turn of a slow machine waits a minute: the test counts commits.
      const writer = new TurnWriter(
        database.sqlite,
        (err) => {
          throw err;
        },
        60_000,
      );
      const written: string[] = [];
      const insert = (id: string, key?: string) =>
        writer.write(() => messages.insertOnce({ ...base, id, payload: { message: id }, idempotencyKey: key ?? null }, (row) => written.push(row.id)));
      const results = await Promise.all([insert('m1', 'batch-key'), insert('m2'), insert('m3', 'batch-key')]);
      expect(results.map((r) => [r.row.id, r.created])).toEqual([
        ['m1', true],
        ['m2', true],
        ['m1', false],
      ]);
      expect(messages.get('m3')).toBeUndefined();
      expect(writer.commits).toBe(1);
      // What goes with a row (its audit row) runs for new rows only, in the row's transaction.
      expect(written).toEqual(['m1', 'm2']);
      // A row that cannot be stored (its id is taken) fails its own caller only; the others of its turn are stored.
      const mixed = await Promise.allSettled([insert('m4'), insert('m1'), insert('m5')]);
      expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect([messages.get('m4')?.id, messages.get('m5')?.id]).toEqual(['m4', 'm5']);
      expect(writer.commits).toBe(2);
    });

    it('picks the oldest pending message outside the excluded ids', () => {
      messages.insertOnce({ ...base, phoneNumber: '5511000000021', id: 'b1', payload: {}, createdAt: 1000 });
      messages.insertOnce({ ...base, phoneNumber: '5511000000021', id: 'b2', payload: {}, createdAt: 2000 });
      messages.insertOnce({ ...base, phoneNumber: '5511000000021', id: 'b3', payload: {}, createdAt: 3000 });
      expect(messages.nextPending('5511000000021', [])?.id).toBe('b1');
      expect(messages.nextPending('5511000000021', ['b1'])?.id).toBe('b2');
      expect(messages.nextPending('5511000000021', ['b1', 'b2', 'b3'])).toBeUndefined();
    });

    it('claims, sends and matches WhatsApp ids of one number only', () => {
      messages.insertOnce({ ...base, phoneNumber: '5511000000022', id: 'c1', payload: {} });
      expect(messages.markSending('c1', 5000)).toMatchObject({ status: 'sending', attempts: 1, updatedAt: 5000 });
      expect(messages.markSending('c1', 5001)).toMatchObject({ attempts: 2 });
      expect(messages.markSent('c1', 'WA-C1', 6000)).toMatchObject({ status: 'sent', waMessageId: 'WA-C1', sentAt: 6000 });
      expect(messages.markSent('c1', 'WA-OTHER', 7000)).toBeUndefined();
      expect(messages.knownWaIds('5511000000022', ['WA-C1', 'WA-NONE'])).toEqual(new Set(['WA-C1']));
      expect(messages.knownWaIds('5511000000023', ['WA-C1'])).toEqual(new Set());
    });
  });
});
