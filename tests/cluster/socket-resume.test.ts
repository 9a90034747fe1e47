/**
 * F-13 with the gateway: Socket.IO clients of any node get a number's journal from Postgres whichever node appended
 * it, and a client that moves to another node resumes by `seq` with no gap and no repeat, also while events keep
 * coming. The owner's events are appended by the node's own Postgres journal writer, under its fence.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { JournalAppender } from '../../src/cluster/journal/index.js';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import { ClusterRig } from '../helpers/cluster-members.js';
import type { TestGateway } from '../helpers/gateway.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';

const server = postgresForFile();
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const nodes = clusterGateways();

async function client(gw: TestGateway): Promise<TestClient> {
  const c = await connectClient(gw.url, await gw.token());
  open.push(c);
  return c;
}

const seqs = (c: TestClient): number[] => c.all('device-websocket-message').map((d) => d.message.seq);
const bodies = (c: TestClient): unknown[] => c.all('device-websocket-message').map((d) => (d.message as { payload?: { body?: unknown } }).payload?.body);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Socket.IO on every node (DM-22, F-13)', () => {
  it('delivers the owner events on the other node and resumes there after a move, with no gap and no repeat', async () => {
    const url = await server().createDatabase('socket_resume_1');
    const gateways = [await nodes.node(url, 0), await nodes.node(url, 1)];
    const rig = new ClusterRig(url);
    open.push(rig);
    const [phone] = await rig.addNumbers(1);
    // Registered on one node, known to the other through the shared row and the change feed.
    expect((await gateways[0]!.request('POST', '/api/devices', { body: { phoneNumber: phone, autoStart: false } })).status).toBe(201);
    await waitFor(async () => (await gateways[1]!.request('GET', `/api/devices/${phone}`)).status === 200, { what: `n2 to know ${phone}` });
    const ownerOf = (): TestGateway | undefined => gateways.find((gw) => gw.gateway.cluster?.ownership.held().get(phone!)?.kind === 'owned');
    const owner = await waitFor(() => ownerOf() ?? null, { what: `an owner of ${phone}` });
    const other = gateways.find((gw) => gw !== owner)!;
    const cluster = owner.gateway.cluster!;
    const fence = cluster.ownership.held().get(phone!)!.fence;
    const appender = new JournalAppender({ pool: cluster.pool, nodeId: cluster.membership.nodeId, fences: cluster.ownership, settings: { batchMs: 2 } });
    open.push({ close: () => appender.close() });
    let sent = 0;
    const append = (count: number): Promise<unknown> =>
      Promise.all(
        Array.from({ length: count }, () => {
          sent += 1;
          const at = new Date().toISOString();
          return appender.append(phone!, fence, { type: 'message', payload: { type: 'message', event: 'message', source: 'webhook', phoneNumber: phone, at, eventId: `e-${sent}`, payload: { body: `m${sent}` }, outbound: false, port: null } });
        }),
      );

    await append(3);
    // A client of the node that does not own the number: the three stored, then live ones.
    const first = await client(other);
    expect(await first.join({ room: `device-${phone}`, since: 0 })).toMatchObject({ ok: true, lastSeq: 3, replayed: 3, truncated: false });
    await append(2);
    await first.waitForCount('device-websocket-message', () => true, 5);
    expect(seqs(first)).toEqual(range(1, 5));
    expect(bodies(first)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    first.close();

    await append(4);
    // It moves to the owner node and resumes from the last seq it saw, while more events are being appended.
    const second = await client(owner);
    const during = append(20);
    const resumed = await second.join({ room: `device-${phone}`, since: 5 });
    expect(resumed).toMatchObject({ ok: true, truncated: false });
    await during;
    await second.waitForCount('device-websocket-message', () => true, 24);
    await append(1);
    await second.waitForCount('device-websocket-message', () => true, 25);
    expect(seqs(second)).toEqual(range(6, 30));
    expect(bodies(second)).toEqual(range(6, 30).map((n) => `m${n}`));
  });
});
