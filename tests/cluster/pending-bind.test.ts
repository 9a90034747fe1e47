/**
 * A number created without a phone, in distributed mode: registered on one node, it runs on its owner; the phone
 * that pairs becomes its key on every node, its assignment moves to the phone with the same fence in the same
 * transaction, and its child runs on. When the owner leaves, another node takes the phone over on the session
 * store the number paired in: still logged in, no new pairing.
 */
import { describe, expect, it } from '@jest/globals';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import type { ApiDevice, TestGateway } from '../helpers/gateway.js';
import { postgresForFile } from '../helpers/postgres.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const server = postgresForFile();
const cluster = clusterGateways();
const PHONE = '5511931000001';
const DB = 'pending_bind';

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => server().query<T>(text, params, DB);
const device = async (gw: TestGateway, key: string): Promise<{ status: number; body: ApiDevice }> => gw.request<ApiDevice>('GET', `/api/devices/${key}`);

/** What the number's child says itself about its WhatsApp session, on the node that runs it. */
async function childLoggedIn(gw: TestGateway, key: string): Promise<boolean> {
  const status = await gw.gateway.supervisor.runner(key)?.client?.appStatus().catch(() => null);
  return status?.is_logged_in === true;
}

describe('a pending number in distributed mode', () => {
  it('is bound to its phone on its owner without a restart, and the next owner opens its session', async () => {
    const url = await server().createDatabase(DB);
    const gateways = [await cluster.node(url, 0), await cluster.node(url, 1)];
    const created = await gateways[1]!.request<ApiDevice>('POST', '/api/devices', { body: { pending: true, name: 'Front desk' } });
    expect(created.status).toBe(201);
    const pendingId = created.body.phoneNumber;
    expect(pendingId).toMatch(/^pending-[a-z0-9]{12}$/);

    const owner = await waitFor(() => gateways.find((gw) => gw.gateway.supervisor.runner(pendingId)?.state === 'running') ?? null, { timeoutMs: 20_000, what: 'the pending number running on its owner' });
    const other = gateways.find((gw) => gw !== owner)!;
    const fence = owner.gateway.cluster!.ownership.held().get(pendingId)?.fence;
    expect(fence).toEqual(expect.any(Number));
    const pid = owner.gateway.supervisor.runner(pendingId)!.pid!;

    // The phone scans the QR code the node it was registered on shows (forwarded to the owner when that is another).
    expect((await gateways[1]!.request<{ qrCode: string }>('GET', `/api/devices/${pendingId}/qr`)).body.qrCode).toMatch(/^data:image\/png;base64,/);
    await owner.gateway.supervisor.runner(pendingId)!.client!.request('POST', '/_sim/pair', { body: { jid: PHONE } });

    // Known by its phone on both nodes; the pending id still answers there, naming the phone.
    for (const gw of gateways) {
      const bound = await waitFor(async () => {
        const d = await device(gw, PHONE);
        return d.status === 200 && d.body.sessionState === 'logged_in' ? d.body : null;
      }, { timeoutMs: 20_000, what: `${PHONE} bound on node ${gw.gateway.cluster!.membership.nodeId}` });
      expect(bound).toMatchObject({ phoneNumber: PHONE, pending: false, pendingId, state: 'running' });
      expect((await device(gw, pendingId)).body).toMatchObject({ phoneNumber: PHONE, pendingId });
    }
    // The assignment moved in the same transaction: the phone, the same owner and fence, the store it paired in.
    expect(await sql('SELECT phone_number, node_id, fence::int AS fence, store_key FROM assignments')).toEqual([
      { phone_number: PHONE, node_id: owner.gateway.cluster!.membership.nodeId, fence, store_key: pendingId },
    ]);
    expect(owner.gateway.cluster!.ownership.held().get(PHONE)).toMatchObject({ kind: 'owned', fence });
    expect(owner.gateway.cluster!.ownership.held().has(pendingId)).toBe(false);
    // No hand-over and no restart: the same child, logged in.
    const runner = owner.gateway.supervisor.runner(PHONE);
    expect(runner?.pid).toBe(pid);
    expect(owner.gateway.supervisor.runner(pendingId)).toBeUndefined();
    expect(await childLoggedIn(owner, PHONE)).toBe(true);
    expect(other.gateway.supervisor.runner(PHONE)?.state ?? 'none').not.toBe('running');

    // The owner leaves: the other node takes the phone over on the pending id's store, whose session is still paired.
    await cluster.close(owner);
    expect(isAlive(pid)).toBe(false);
    await waitFor(() => other.gateway.supervisor.runner(PHONE)?.state === 'running', { timeoutMs: 20_000, what: `${PHONE} running on the other node` });
    await waitFor(() => childLoggedIn(other, PHONE), { timeoutMs: 20_000, what: 'the session logged in on the new owner' });
    await waitFor(async () => (await device(other, PHONE)).body.sessionState === 'logged_in', { what: 'the API to show it logged in' });
    const [taken] = await sql<{ node_id: string; fence: number; store_key: string }>('SELECT node_id, fence::int AS fence, store_key FROM assignments WHERE phone_number = $1', [PHONE]);
    expect(taken).toEqual({ node_id: other.gateway.cluster!.membership.nodeId, fence: fence! + 1, store_key: pendingId });
    // No second, empty store was made under the phone.
    expect(await sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'wa\\_%' ORDER BY 1")).toEqual([{ nspname: `wa_pending_${pendingId.slice('pending-'.length)}` }]);
  });
});
