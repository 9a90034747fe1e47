/**
 * A call another node forwards to a number's owner (DM-20) is judged there by its caller's address, not by the
 * entry node's: each client keeps its own rate limit (counted once, where it connected), and the owner's audit row
 * names the caller. Only a node of the cluster can vouch for an address: a client sending the headers itself is
 * judged by its own.
 */
import http from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { auditRows, auditSettled } from '../helpers/access.js';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import type { TestGateway } from '../helpers/gateway.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const server = postgresForFile();
const cluster = clusterGateways();
const PHONE = '5511933000001';
const LIMIT = 5;

/** One call from a client at `from` (a loopback address of its own). */
function call(gw: TestGateway, method: string, path: string, from: string, token: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${path}`, { method, localAddress: from, agent: false, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a forwarded call at the owner', () => {
  it('counts and audits the caller, not the node that forwarded it; a client cannot vouch for itself', async () => {
    const url = await server().createDatabase('forwarded_client');
    const extra = { API_RATE_LIMIT: String(LIMIT) };
    const gateways = [await cluster.node(url, 0, extra), await cluster.node(url, 1, extra)];
    expect((await gateways[0]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE } })).status).toBe(201);
    const owner = await waitFor(() => gateways.find((gw) => gw.gateway.supervisor.runner(PHONE)?.state === 'running') ?? null, { timeoutMs: 20_000, what: `${PHONE} running on its owner` });
    const entry = gateways.find((gw) => gw !== owner)!;
    const token = await entry.token();

    // Two clients, each within its limit: the owner sees 2 × 4 calls from the entry node, more than the limit.
    const statuses: number[] = [];
    for (const from of ['127.0.0.2', '127.0.0.3']) for (let i = 0; i < LIMIT - 1; i++) statuses.push(await call(entry, 'GET', `/api/devices/${PHONE}`, from, token));
    expect(statuses).toEqual(Array(2 * (LIMIT - 1)).fill(200));

    // The owner's audit row of a forwarded restart names the caller.
    expect(await call(entry, 'POST', `/api/devices/${PHONE}/restart`, '127.0.0.4', token)).toBe(200);
    // A client's own try at vouching, straight to the owner: judged by its own address.
    const forged = { 'x-cluster-peer': 'bm90LWEtcHJvb2Y', 'x-cluster-client': '10.9.8.7' };
    expect(await call(owner, 'POST', `/api/devices/${PHONE}/restart`, '127.0.0.5', await owner.token(), forged)).toBe(200);
    await auditSettled(owner);
    const restarts = auditRows(owner).filter((r) => r.action === 'number.restart' && r.phone_number === PHONE) as unknown as { ip: string }[];
    expect(restarts.map((r) => r.ip)).toEqual(['127.0.0.4', '127.0.0.5']);

    // The limit still holds for one client, counted where it connected.
    const one: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) one.push(await call(entry, 'GET', `/api/devices/${PHONE}`, '127.0.0.6', token));
    expect(one.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect(one[LIMIT]).toBe(429);
  });
});
