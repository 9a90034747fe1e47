/** Outbound webhook deliveries, the same on both dialects: lanes in order, outcomes settled, history kept and pruned. */
import { describe, expect, it } from '@jest/globals';
import type { DeliveryStore, NewDelivery } from '../../src/db/ports/deliveries.js';
import { PgDeliveryRepository } from '../../src/db/pg/repositories/deliveries.js';
import { DeliveryRepository } from '../../src/db/repositories/deliveries.js';
import { sqliteDeliveryStore } from '../../src/db/repositories/sqlite-ports.js';
import { auditOn } from '../helpers/access-stores.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('deliveries');
const storeOf = (d: TestDatabase): DeliveryStore => (d.dialect === 'sqlite' ? sqliteDeliveryStore(new DeliveryRepository(d.db)) : new PgDeliveryRepository(d.db));
const A = '5511900000001';
const B = '5511900000002';
const CRM = 'https://crm.example/hook';
const BI = 'https://bi.example/in';

const delivery = (phoneNumber: string, endpoint: string, eventId: string, extra: Partial<NewDelivery> = {}): NewDelivery => ({
  eventId,
  phoneNumber,
  endpoint,
  scope: 'device',
  eventType: 'message',
  body: JSON.stringify({ event: 'message', id: eventId, text: 'olá\u0000' }),
  nextAttemptAt: 0,
  giveUpAt: 10_000,
  ...extra,
});

describe.each(DIALECTS)('webhook deliveries on %s', (dialect) => {
  it('are stored as given, and a lane hands out its open deliveries oldest first, failed ones included', async () => {
    const d = await open(dialect);
    const store = storeOf(d);
    const rows = await store.insert([delivery(A, CRM, 'e1'), delivery(A, CRM, 'e2'), delivery(A, BI, 'e1'), delivery(B, CRM, 'e3'), delivery(A, CRM, 'e4', { scope: 'global' })], 100);
    expect(rows.map((r) => [r.eventId, r.endpoint, r.status, r.attempts, r.createdAt])).toEqual([
      ['e1', CRM, 'pending', 0, 100],
      ['e2', CRM, 'pending', 0, 100],
      ['e1', BI, 'pending', 0, 100],
      ['e3', CRM, 'pending', 0, 100],
      ['e4', CRM, 'pending', 0, 100],
    ]);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((x, y) => x - y));
    expect(await store.get(rows[0]!.id)).toEqual(rows[0]);
    expect(JSON.parse((await store.get(rows[0]!.id))!.body)).toEqual({ event: 'message', id: 'e1', text: 'olá\u0000' });
    const lane = { endpoint: CRM, scope: 'device' as const, phoneNumber: A };
    await store.settle(rows[0]!.id, { status: 'failed', attempts: 1, lastStatus: 503, lastError: 'busy', nextAttemptAt: 500, at: 110 });
    expect((await store.heads(lane, 10)).map((r) => [r.eventId, r.status])).toEqual([
      ['e1', 'failed'],
      ['e2', 'pending'],
    ]);
    expect((await store.heads(lane, 1)).map((r) => r.eventId)).toEqual(['e1']);
    await store.settle(rows[0]!.id, { status: 'delivered', attempts: 2, lastStatus: 200, at: 600 });
    expect(await store.get(rows[0]!.id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200, lastError: null, deliveredAt: 600, updatedAt: 600 });
    expect((await store.heads(lane, 10)).map((r) => r.eventId)).toEqual(['e2']);
    await store.settle(rows[1]!.id, { status: 'dead', attempts: 9, lastStatus: null, lastError: 'gave up', at: 700 });
    expect(await store.heads(lane, 10)).toEqual([]);
    const lanes = (await store.openLanes()).map((l) => `${l.phoneNumber} ${l.endpoint} ${l.scope}`).sort();
    expect(lanes).toEqual([`${A} ${BI} device`, `${A} ${CRM} global`, `${B} ${CRM} device`]);
    expect((await store.openLanes(B)).map((l) => `${l.phoneNumber} ${l.endpoint} ${l.scope}`)).toEqual([`${B} ${CRM} device`]);
  });

  it('replay with its audit row in one commit; an unknown delivery writes none', async () => {
    const d = await open(dialect);
    const store = storeOf(d);
    const audit = auditOn(d);
    const [row] = await store.insert([delivery(A, CRM, 'e1')], 100);
    await store.settle(row!.id, { status: 'dead', attempts: 3, lastStatus: 500, lastError: 'no', at: 120 });
    const replay = audit.link('webhook.replay');
    expect(await store.update(row!.id, { status: 'pending', attempts: 0, nextAttemptAt: 200 }, 200, replay)).toMatchObject({ status: 'pending', attempts: 0, updatedAt: 200 });
    expect(replay.ids).toEqual([1]);
    const none = audit.link('webhook.replay');
    expect(await store.update(999_999, { nextAttemptAt: 0 }, 200, none)).toBeUndefined();
    expect(none.ids).toEqual([]);
    expect((await audit.rows()).map((r) => r.action)).toEqual(['webhook.replay']);
  });

  it('list newest first with filters and totals, count per endpoint, and let a dead delivery be replayed', async () => {
    const d = await open(dialect);
    const store = storeOf(d);
    const rows = await store.insert([delivery(A, CRM, 'e1'), delivery(A, CRM, 'e2'), delivery(B, CRM, 'e3'), delivery(B, BI, 'e4')], 100);
    await store.settle(rows[1]!.id, { status: 'dead', attempts: 3, lastStatus: 500, lastError: 'no', at: 120 });
    await store.settle(rows[2]!.id, { status: 'failed', attempts: 1, lastStatus: null, lastError: 'refused', nextAttemptAt: 900, at: 130 });
    const page = await store.list({}, 2, 1);
    expect({ ids: page.rows.map((r) => r.eventId), total: page.total }).toEqual({ ids: ['e3', 'e2'], total: 4 });
    expect((await store.list({ phones: [B], status: 'failed' }, 10, 0)).rows.map((r) => r.eventId)).toEqual(['e3']);
    expect((await store.list({ phoneNumber: A }, 10, 0)).total).toBe(2);
    expect(await store.list({ phones: [] }, 10, 0)).toEqual({ rows: [], total: 0 });
    expect(await store.countsByEndpoint({})).toEqual([
      { endpoint: BI, scope: 'device', pending: 1, retrying: 0, dead: 0, oldestPendingAt: 100 },
      { endpoint: CRM, scope: 'device', pending: 2, retrying: 1, dead: 1, oldestPendingAt: 100 },
    ]);
    expect(await store.countsByEndpoint({ phones: [A] })).toEqual([{ endpoint: CRM, scope: 'device', pending: 1, retrying: 0, dead: 1, oldestPendingAt: 100 }]);
    expect(await store.countsByEndpoint({ phones: [] })).toEqual([]);
    const replayed = await store.update(rows[1]!.id, { status: 'pending', attempts: 0, nextAttemptAt: 0, lastError: null }, 200);
    expect(replayed).toMatchObject({ status: 'pending', attempts: 0, updatedAt: 200, eventId: 'e2' });
    expect(await store.update(999_999, { status: 'pending' }, 200)).toBeUndefined();
  });

  it('forget a number with its deliveries, and prune only finished history older than the cut', async () => {
    const d = await open(dialect);
    const store = storeOf(d);
    const rows = await store.insert([delivery(A, CRM, 'old-ok'), delivery(A, CRM, 'old-dead'), delivery(A, CRM, 'open'), delivery(A, CRM, 'new-ok'), delivery(B, CRM, 'b')], 100);
    await store.settle(rows[0]!.id, { status: 'delivered', attempts: 1, lastStatus: 200, at: 150 });
    await store.settle(rows[1]!.id, { status: 'dead', attempts: 5, lastStatus: 410, lastError: 'gone', at: 160 });
    await store.settle(rows[3]!.id, { status: 'delivered', attempts: 1, lastStatus: 200, at: 900 });
    expect(await store.prune(500)).toBe(2);
    expect((await store.list({ phoneNumber: A }, 10, 0)).rows.map((r) => r.eventId)).toEqual(['new-ok', 'open']);
    expect(await store.deleteForNumber(A)).toBe(2);
    expect((await store.list({}, 10, 0)).rows.map((r) => r.eventId)).toEqual(['b']);
    expect(await store.insert([], 1)).toEqual([]);
  });
});
