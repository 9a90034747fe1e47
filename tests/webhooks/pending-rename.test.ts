/**
 * A pending number's webhook deliveries across the bind to its phone, with a real gateway, a real stand-in and a
 * real receiver: the rows move to the phone in the rename's transaction while one of them is on the wire, and
 * every one is still delivered exactly once, in order, the device.bound event after them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver, type Hit, type Receiver } from './receiver.js';

const PHONE = '5511946000001';

interface DeliveryRow {
  id: number;
  phone_number: string;
  status: string;
  event_type: string;
}

let gw: TestGateway;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await startTestGateway({
    env: {
      HISTORY_SYNC_DAYS: '0',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: 'rename-secret',
      WEBHOOK_RETRY_BASE_DELAY: '50',
      WEBHOOK_RETRY_MAX_DELAY: '200',
      // The request held across the bind must not time out meanwhile (that would be a retry, not a duplicate).
      WEBHOOK_TIMEOUT: '60000',
    },
  });
});
afterAll(async () => {
  receiver.release(200);
  await gw?.close();
  await receiver?.close();
});

const deliveries = (key: string): DeliveryRow[] =>
  gw.gateway.database.sqlite
    .prepare("SELECT id, phone_number, status, event_type FROM webhook_deliveries WHERE phone_number = ? AND scope = 'global' ORDER BY id")
    .all(key) as DeliveryRow[];
const deliveryId = (hit: Hit) => Number(hit.headers['x-delivery-id']);

describe('a pending number bound to its phone while its webhooks are on their way', () => {
  it('delivers every row it had and the ones after, each once and in order, the one in flight included', async () => {
    // The first delivery of the pending number stays on the wire until the bind is over; the rest queue behind it.
    let holding = true;
    receiver.respond = () => (holding ? ((holding = false), 'hold') : 200);
    const created = await gw.request<{ phoneNumber: string }>('POST', '/api/devices', { body: { pending: true, name: 'rename desk' } });
    expect(created.status).toBe(201);
    const pendingId = created.body.phoneNumber;
    await receiver.waitFor((hit) => hit.status === null && hit.json.phoneNumber === pendingId);
    await waitFor(() => deliveries(pendingId).length >= 2, { what: 'deliveries queued behind the one held' });
    const held = receiver.hits.find((hit) => hit.status === null);
    if (!held) throw new Error('no held delivery');

    const qr = await gw.request('GET', `/api/devices/${pendingId}/qr`);
    expect(qr.status).toBe(200);
    await gw.gateway.supervisor.runner(pendingId)?.client?.request('POST', '/_sim/pair', { body: { jid: PHONE } });
    await waitFor(async () => (await gw.request<{ loggedIn: boolean }>('GET', `/api/devices/${PHONE}`)).body.loggedIn === true, { what: 'the number bound and logged in' });
    expect(deliveries(pendingId)).toEqual([]);
    const moved = deliveries(PHONE);
    expect(moved.map((d) => d.id)).toContain(deliveryId(held));
    expect(moved.map((d) => d.event_type)).toContain('device.bound');

    receiver.release(200);
    const all = await waitFor(() => {
      const rows = deliveries(PHONE);
      return rows.every((d) => d.status === 'delivered') ? rows : null;
    }, { what: 'every delivery of the number delivered' });
    // Each row reached the receiver once (a second attempt while the first was on the wire would show here),
    // and in the order the rows were written: the pending id's events, then device.bound and what followed.
    const answered = receiver.hits.filter((hit) => hit.status === 200 && (hit.json.phoneNumber === pendingId || hit.json.phoneNumber === PHONE));
    expect(answered.map(deliveryId).sort((a, b) => a - b)).toEqual(all.map((d) => d.id));
    const sent = receiver.hits.filter((hit) => hit.json.phoneNumber === pendingId || hit.json.phoneNumber === PHONE).map(deliveryId);
    expect(sent).toEqual(all.map((d) => d.id));
    expect(all.findIndex((d) => d.event_type === 'device.bound')).toBeGreaterThan(moved.findIndex((d) => d.id === deliveryId(held)));
  });
});
