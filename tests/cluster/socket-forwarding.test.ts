/**
 * The children's events reach every node's sockets (DM-22, interim): what the owner's local journal records for a
 * number is appended to the Postgres journal under its fence, so a Socket.IO client of the other node gets it with
 * the Postgres seq, once, in order; after the owner drains and the other node takes the number over, the new
 * child's events continue the same numbering.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import { pair } from '../helpers/messaging.js';
import { incomingVia } from '../helpers/cluster-incoming.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';

const server = postgresForFile();
const nodes = clusterGateways();
const PHONE = '5511930000021';
const DB = 'socket_forwarding_1';

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

interface Seen {
  readonly seq: number;
  readonly eventId: string;
  readonly body: unknown;
}

const seen = (c: TestClient): Seen[] =>
  c.all('device-websocket-message').map(({ message }) => {
    const m = message as { seq: number; eventId: string; type: string; payload?: { body?: unknown } };
    return { seq: m.seq, eventId: m.eventId, body: m.type === 'message' ? m.payload?.body : undefined };
  });
/** The number's process states as the client saw them (the old child's and the new one's). */
const states = (c: TestClient): unknown[] =>
  c.all('device-websocket-message').flatMap(({ message }) => {
    const m = message as { type: string; change?: string; to?: unknown };
    return m.type === 'status' && m.change === 'state' ? [m.to] : [];
  });
const bodies = (c: TestClient): unknown[] => seen(c).flatMap((s) => (s.body === undefined ? [] : [s.body]));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const incoming = incomingVia(server, DB, PHONE);

/** The Postgres journal of PHONE, oldest first. */
const table = (): Promise<{ seq: number; eventId: string }[]> =>
  server().query<{ seq: number; eventId: string }>(`SELECT seq::int AS seq, payload->>'eventId' AS "eventId" FROM events WHERE phone_number = $1 ORDER BY seq`, [PHONE], DB);

/** The client has every row the table has now, in the table's order, with the same seq and event. */
async function matchesTable(c: TestClient): Promise<void> {
  const rows = await table();
  await c.waitForCount('device-websocket-message', () => true, rows.length);
  expect(seen(c).slice(0, rows.length).map(({ seq, eventId }) => ({ seq, eventId }))).toEqual(rows);
}

describe("the children's events on every node's sockets (DM-22)", () => {
  it('delivers the owner child events to a client of the other node with the Postgres seq, and continues the numbering after a takeover', async () => {
    const url = await server().createDatabase(DB);
    const gateways = [await nodes.node(url, 0), await nodes.node(url, 1)];
    expect((await gateways[0]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE } })).status).toBe(201);
    const owner = await waitFor(() => gateways.find((gw) => gw.gateway.supervisor.runner(PHONE)?.state === 'running') ?? null, { timeoutMs: 20_000, what: `${PHONE} running on a node` });
    const other = gateways.find((gw) => gw !== owner)!;
    expect(other.gateway.supervisor.runner(PHONE)?.state).not.toBe('running');
    await pair(owner, PHONE);

    // A client of the node that does not run the child, with that node's own sign-in.
    const c = await connectClient(other.url, await other.token());
    clients.push(c);
    expect(await c.join({ room: `device-${PHONE}`, since: 0 })).toMatchObject({ ok: true, truncated: false });
    for (const body of ['m1', 'm2', 'm3']) await incoming(owner, body);
    await waitFor(() => bodies(c).length >= 3, { what: 'the first three messages on the other node' });
    expect(bodies(c)).toEqual(['m1', 'm2', 'm3']);
    // Every event of the child so far (its start, the login, the messages), numbered by Postgres from 1, once each.
    expect(seen(c).map((s) => s.seq)).toEqual(range(1, seen(c).length));
    await matchesTable(c);

    // The owner drains; the other node takes the number over and runs it, still logged in (the session is on Postgres).
    const before = seen(c).length;
    await nodes.close(owner);
    await waitFor(() => other.gateway.supervisor.runner(PHONE)?.state === 'running' && other.gateway.supervisor.runner(PHONE)?.session === 'logged_in', { timeoutMs: 20_000, what: `${PHONE} logged in on the other node` });
    for (const body of ['m4', 'm5']) await incoming(other, body);
    await waitFor(() => bodies(c).length >= 5, { what: 'the new child messages' });
    expect(bodies(c)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // The old child's stop, recorded during the drain, was appended before the number was handed on.
    expect(states(c)).toEqual(['starting', 'running', 'stopping', 'stopped', 'starting', 'running']);
    // No gap, no repeat across the move: the new owner's events follow the old owner's last one.
    expect(seen(c).length).toBeGreaterThan(before + 2);
    expect(seen(c).map((s) => s.seq)).toEqual(range(1, seen(c).length));
    expect(new Set(seen(c).map((s) => s.eventId)).size).toBe(seen(c).length);
    await matchesTable(c);
  });
});
