/**
 * The gateway's node agent in distributed mode: a number registered on any node runs on exactly one, its owner, on
 * its fenced Postgres session store; every node shows its state; when the owner leaves, another node starts it.
 */
import { describe, expect, it } from '@jest/globals';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import type { TestGateway } from '../helpers/gateway.js';
import { postgresForFile } from '../helpers/postgres.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const server = postgresForFile();
const PHONE = '5511930000001';
const cluster = clusterGateways();
const node = (url: string, index: number): Promise<TestGateway> => cluster.node(url, index);

const runningOn = (gateways: readonly TestGateway[]): TestGateway[] => gateways.filter((gw) => gw.gateway.supervisor.runner(PHONE)?.state === 'running');

describe('the node agent in the gateway', () => {
  it('runs a number registered on any node on its owner only, and on another node once the owner leaves', async () => {
    const url = await server().createDatabase('gateway_agent_1');
    const gateways = [await node(url, 0), await node(url, 1)];
    expect((await gateways[1]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE } })).status).toBe(201);

    const [owner] = await waitFor(() => (runningOn(gateways).length > 0 ? runningOn(gateways) : null), { what: `${PHONE} running on a node` });
    expect(runningOn(gateways)).toEqual([owner]);
    expect(owner!.gateway.cluster?.ownership.held().get(PHONE)?.kind).toBe('owned');
    const pid = owner!.gateway.supervisor.runner(PHONE)?.pid;
    expect(pid).toEqual(expect.any(Number));
    // Its session lives in its own schema of the shared Postgres (the stand-in honours DB_URI as the binary does).
    const tables = await server().query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema LIKE 'wa\\_%'", [], 'gateway_agent_1');
    expect(tables[0]?.n).toBeGreaterThan(0);
    // Both nodes answer the owner's state.
    for (const gw of gateways) await waitFor(async () => (await gw.request<{ state: string }>('GET', `/api/devices/${PHONE}`)).body.state === 'running', { what: 'the state on every node' });

    const survivor = gateways.find((gw) => gw !== owner)!;
    // Only the owner acts on the child: a restart asked of the other node is forwarded to the owner (DM-20).
    expect(await survivor.request('POST', `/api/devices/${PHONE}/restart`)).toMatchObject({ status: 200, body: { state: 'running' } });
    expect(runningOn(gateways)).toEqual([owner]);
    expect(owner!.gateway.supervisor.runner(PHONE)?.pid).not.toBe(pid);
    const restarted = owner!.gateway.supervisor.runner(PHONE)!.pid!;
    await cluster.close(owner!);
    expect(isAlive(pid!)).toBe(false);
    expect(isAlive(restarted)).toBe(false);
    await waitFor(() => survivor.gateway.supervisor.runner(PHONE)?.state === 'running', { timeoutMs: 20_000, what: `${PHONE} running on the survivor` });
    // Handed over by the leaving node's drain, then claimed as released (not taken after its lease ran out).
    const moves = await server().query<{ to_node: string | null; reason: string }>('SELECT to_node, reason FROM ownership_moves WHERE phone_number = $1 ORDER BY id', [PHONE], 'gateway_agent_1');
    expect(moves.slice(-2)).toEqual([
      { to_node: null, reason: 'drain' },
      { to_node: survivor.gateway.cluster!.membership.nodeId, reason: 'released' },
    ]);
    expect(survivor.gateway.cluster?.ownership.held().get(PHONE)?.kind).toBe('owned');
  });

  it('leaves a number registered stopped unstarted on its owner', async () => {
    const url = await server().createDatabase('gateway_agent_2');
    const gateways = [await node(url, 0), await node(url, 1)];
    expect((await gateways[0]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE, autoStart: false } })).status).toBe(201);
    const owner = await waitFor(() => gateways.find((gw) => gw.gateway.cluster?.ownership.held().get(PHONE)?.kind === 'owned') ?? null, { what: 'an owner' });
    await waitFor(() => owner.gateway.supervisor.runner(PHONE) !== undefined, { what: 'the owner to supervise it' });
    expect(runningOn(gateways)).toEqual([]);
  });
});
