/**
 * Webhooks in distributed mode (DM-23, F-14 at the gateway): a number's deliveries are written in Postgres in the
 * transaction of the journal batch that stores their event, and posted by the number's owner only. Two gateways
 * with stand-in children on one Postgres, a real HTTP receiver: the owner posts each incoming message once, in
 * order, with the event's id and its Postgres seq; while the receiver fails, the deliveries stay open; the owner
 * drains, and the node that takes the number over posts the open ones (same event ids), then the new ones.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import type { TestGateway } from '../helpers/gateway.js';
import { pair } from '../helpers/messaging.js';
import { incomingVia } from '../helpers/cluster-incoming.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver, type Hit, type Receiver } from '../webhooks/receiver.js';

const server = postgresForFile();
const nodes = clusterGateways();
const PHONE = '5511930000031';
const DB = 'gateway_webhooks_1';
const WEBHOOK_ENV = { WEBHOOK_RETRY_BASE_DELAY: '50', WEBHOOK_RETRY_MAX_DELAY: '300', WEBHOOK_RETRY_PERIOD: '600000', WEBHOOK_TIMEOUT: '5000' };

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

interface HealthBody {
  endpoints: { endpoint: string; pending: number; retrying: number; inFlight: number }[];
}
interface DeliveriesBody {
  deliveries: { id: number; eventId: string; status: string; attempts: number }[];
  total: number;
}

const incoming = incomingVia(server, DB, PHONE);

const bodyOf = (hit: Hit): unknown => hit.json.payload['body'];
const ok = (hit: Hit): boolean => hit.status !== null && hit.status < 300;

/** The Postgres journal's message events of PHONE: each one's id and seq there. */
const journal = (): Promise<{ seq: number; eventId: string }[]> =>
  server().query<{ seq: number; eventId: string }>(`SELECT seq::int AS seq, payload->>'eventId' AS "eventId" FROM events WHERE phone_number = $1 AND type = 'message' ORDER BY seq`, [PHONE], DB);

/** The deliveries table, oldest first. */
const deliveries = (): Promise<{ eventId: string; status: string }[]> =>
  server().query<{ eventId: string; status: string }>(`SELECT event_id AS "eventId", status FROM webhook_deliveries WHERE phone_number = $1 ORDER BY id`, [PHONE], DB);

describe('webhooks in distributed mode (DM-23)', () => {
  it('are posted by the owner once each in order, stay open while the receiver fails, and are posted by the next owner after a drain', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const url = await server().createDatabase(DB);
    const gateways = [await nodes.node(url, 0, WEBHOOK_ENV), await nodes.node(url, 1, WEBHOOK_ENV)];
    const created = await gateways[0]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE, webhookUrl: receiver.url, webhookEvents: ['message'] } });
    expect(created.status).toBe(201);
    const owner = await waitFor(() => gateways.find((gw) => gw.gateway.supervisor.runner(PHONE)?.state === 'running') ?? null, { timeoutMs: 20_000, what: `${PHONE} running on a node` });
    const other = gateways.find((gw) => gw !== owner)!;
    await pair(owner, PHONE);

    // Posted once each, in order, with the event id and the seq the Postgres journal gave the event.
    for (const body of ['m1', 'm2', 'm3']) await incoming(owner, body);
    await receiver.waitFor(ok, 3, 15_000);
    expect(receiver.hits.map(bodyOf)).toEqual(['m1', 'm2', 'm3']);
    expect(receiver.hits.map((hit) => ({ seq: hit.json.seq, eventId: hit.headers['x-event-id'] }))).toEqual((await journal()).map(({ seq, eventId }) => ({ seq, eventId })));
    expect(receiver.hits.map((hit) => hit.json.id)).toEqual((await journal()).map((row) => row.eventId));

    // The receiver holds the next post: the owner has it in flight, the other node none; both read the backlog.
    receiver.respond = () => 'hold';
    await incoming(owner, 'm4');
    await receiver.waitFor((hit) => bodyOf(hit) === 'm4');
    const health = async (gw: TestGateway) => (await gw.request<HealthBody>('GET', '/api/health/webhooks')).body.endpoints.find((e) => e.endpoint === receiver.url);
    expect(await health(owner)).toMatchObject({ pending: 1, inFlight: 1 });
    expect(await health(other)).toMatchObject({ pending: 1, inFlight: 0 });

    // Then it fails: m4 is retried, m5 waits behind it; every node's delivery log says so.
    receiver.respond = () => 500;
    receiver.release(500);
    await incoming(owner, 'm5');
    await receiver.waitFor((hit) => bodyOf(hit) === 'm4', 3, 15_000);
    await waitFor(async () => (await deliveries()).length === 5 || null, { what: 'the five deliveries stored' });
    const open = await other.request<DeliveriesBody>('GET', `/api/webhooks/deliveries?phoneNumber=${PHONE}&status=failed`);
    expect(open.status).toBe(200);
    expect(open.body.deliveries).toHaveLength(1);
    expect(open.body.deliveries[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(receiver.hits.filter((hit) => bodyOf(hit) === 'm5')).toEqual([]);
    const [m4, m5] = (await journal()).slice(3).map((row) => row.eventId);

    // The owner drains; the other node takes the number over and posts the open deliveries, then new ones.
    await nodes.close(owner);
    const failedBefore = receiver.hits.length;
    receiver.respond = () => 200;
    await waitFor(() => (other.gateway.supervisor.runner(PHONE)?.state === 'running' && other.gateway.supervisor.runner(PHONE)?.session === 'logged_in') || null, { timeoutMs: 20_000, what: `${PHONE} logged in on the other node` });
    await receiver.waitFor((hit) => ok(hit) && bodyOf(hit) === 'm5', 1, 20_000);
    await incoming(other, 'm6');
    await receiver.waitFor((hit) => ok(hit) && bodyOf(hit) === 'm6', 1, 15_000);

    // Nothing lost, in order, each delivered once; the open ones kept their event ids.
    const delivered = receiver.hits.filter(ok);
    expect(delivered.map(bodyOf)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(delivered.slice(3, 5).map((hit) => hit.headers['x-event-id'])).toEqual([m4, m5]);
    const rows = await journal();
    expect(delivered.map((hit) => ({ seq: hit.json.seq, id: hit.json.id }))).toEqual(rows.map(({ seq, eventId }) => ({ seq, id: eventId })));
    // After the drain only the new owner posts: the open ones and the new one, once each.
    expect(receiver.hits.slice(failedBefore).map(bodyOf)).toEqual(['m4', 'm5', 'm6']);
    expect(await deliveries()).toEqual(rows.map(({ eventId }) => ({ eventId, status: 'delivered' })));
    const log = await other.request<DeliveriesBody>('GET', `/api/webhooks/deliveries?phoneNumber=${PHONE}&status=delivered`);
    expect(log.body.total).toBe(6);

    // A replay through the node that now owns the number posts the event again with its id.
    const first = log.body.deliveries.at(-1)!;
    expect((await other.request('POST', `/api/webhooks/deliveries/${first.id}/replay`)).status).toBe(200);
    await receiver.waitFor((hit) => ok(hit) && hit.headers['x-event-id'] === first.eventId, 2, 15_000);
  });
});
