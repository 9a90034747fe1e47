/**
 * Routing by forwarding (DM-20) for the proxied WebSocket: a client of the node that does not run a number's child
 * connects to `/proxy/whatsapp/<number>/ws` there and gets the child's feed through the owner, which checks the
 * credentials; closing either end closes the hop; a number nobody owns is refused as the HTTP router refuses it. The
 * proxy's header form (the number in X-Phone-Number) is forwarded the same way.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { clusterGateways } from '../helpers/cluster-gateways.js';
import type { TestGateway } from '../helpers/gateway.js';
import { child } from '../helpers/messaging.js';
import { postgresForFile } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const server = postgresForFile();
const nodes = clusterGateways();
const PHONE = '5511930000011';

interface Frame {
  code: string;
  message: string;
  result: unknown;
}

type Connected = { ws: WebSocket; frames: Frame[] } | { status: number; retryAfter: string | null; body: { error?: { code?: string } } };

const sockets: WebSocket[] = [];
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

/** Opens a WebSocket; resolves with it and its frames, or with the HTTP answer that refused the upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    sockets.push(ws);
    const frames: Frame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : null, body: JSON.parse(text) as { error?: { code?: string } } }));
    });
    ws.once('error', reject);
  });
}

function opened(result: Connected): { ws: WebSocket; frames: Frame[] } {
  if ('status' in result) throw new Error(`upgrade refused: ${result.status} ${JSON.stringify(result.body)}`);
  return result;
}

function refused(result: Connected): Extract<Connected, { status: number }> {
  if (!('status' in result)) throw new Error('the upgrade was accepted');
  return result;
}

const closed = (ws: WebSocket): Promise<void> => new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));

/** The upgrades that reach a gateway's own server (the forwarded ones arrive there from the other node). */
function arrivals(gw: TestGateway): { readonly seen: { req: IncomingMessage; socket: Duplex }[]; stop(): void } {
  const seen: { req: IncomingMessage; socket: Duplex }[] = [];
  const listener = (req: IncomingMessage, socket: Duplex): void => {
    seen.push({ req, socket });
  };
  gw.gateway.server.on('upgrade', listener);
  return { seen, stop: () => gw.gateway.server.off('upgrade', listener) };
}

/** Two nodes, PHONE running on one of them: [owner, other]. */
async function twoNodes(db: string): Promise<{ owner: TestGateway; other: TestGateway; fence: number }> {
  const url = await server().createDatabase(db);
  const gateways = [await nodes.node(url, 0), await nodes.node(url, 1)];
  expect((await gateways[0]!.request('POST', '/api/devices', { body: { phoneNumber: PHONE } })).status).toBe(201);
  const owner = await waitFor(() => gateways.find((gw) => gw.gateway.supervisor.runner(PHONE)?.state === 'running') ?? null, { timeoutMs: 20_000, what: `${PHONE} running on a node` });
  const fence = owner.gateway.cluster!.ownership.held().get(PHONE)!.fence;
  return { owner, other: gateways.find((gw) => gw !== owner)!, fence };
}

describe('proxied WebSockets in distributed mode (DM-20)', () => {
  it('are piped from any node to the owner: its child events and frames both ways; refused by the owner without credentials; closed on both sides', async () => {
    const { owner, other, fence } = await twoNodes('ws_forward_1');
    const wsOther = `${other.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws`;
    const atOwner = arrivals(owner);
    try {
      // The other node's own sign-in: the owner checks the credential the caller sent.
      const { ws, frames } = opened(await connect(wsOther, { authorization: `Bearer ${await other.token()}` }));
      expect(atOwner.seen).toHaveLength(1);
      expect(atOwner.seen[0]!.req.headers).toMatchObject({ 'x-fence': String(fence), 'x-hops': '1', authorization: expect.stringMatching(/^Bearer /) });
      // The child's own events, as the phone pairs through the owner's child.
      await child(owner, PHONE).request('GET', '/app/login');
      await child(owner, PHONE).request('POST', '/_sim/pair', { body: {} });
      const success = await waitFor(() => frames.find((f) => f.code === 'LOGIN_SUCCESS'), { what: 'LOGIN_SUCCESS through the other node' });
      expect(success.message).toMatch(new RegExp(`^Successfully pair with ${PHONE}:\\d+@s\\.whatsapp\\.net$`));
      // A frame from the client reaches the child, and its answer comes back.
      ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
      const list = await waitFor(() => frames.find((f) => f.code === 'LIST_DEVICES'), { what: 'LIST_DEVICES' });
      expect(list.result).toEqual([expect.objectContaining({ device: PHONE })]);

      // Closing the client closes the connection the owner got from the other node.
      const upstream = atOwner.seen[0]!.socket;
      ws.close();
      await closed(ws);
      await waitFor(() => upstream.destroyed, { what: 'the forwarded connection closed on the owner' });

      // No credentials: forwarded all the same, and refused by the owner.
      const anonymous = refused(await connect(`${wsOther}`));
      expect(anonymous).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
      expect(atOwner.seen).toHaveLength(2);
      expect(refused(await connect(`${wsOther}?token=garbage`)).status).toBe(401);

      // The owner serves its own callers as before (nothing forwarded, no routing headers).
      const local = opened(await connect(`${owner.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws?token=${await owner.token()}`));
      expect(atOwner.seen.at(-1)!.req.headers['x-hops']).toBeUndefined();
      local.ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
      await waitFor(() => local.frames.find((f) => f.code === 'LIST_DEVICES'), { what: 'LIST_DEVICES on the owner' });
    } finally {
      atOwner.stop();
    }
  });

  it('forwards the header form (/proxy/whatsapp/<path> with X-Phone-Number) to the owner, plain calls and WebSockets', async () => {
    const { owner, other } = await twoNodes('ws_forward_header');
    const atOwner = arrivals(owner);
    try {
      // The other node runs no child for it (it would answer 503 DEVICE_NOT_RUNNING): the owner's child answers.
      const plain = await other.request<{ code: string }>('GET', '/proxy/whatsapp/app/devices', { headers: { 'x-phone-number': PHONE } });
      expect(plain).toMatchObject({ status: 200, body: { code: 'SUCCESS' } });
      expect(other.gateway.supervisor.runner(PHONE)).toBeUndefined();
      const { ws, frames } = opened(await connect(`${other.url.replace('http', 'ws')}/proxy/whatsapp/ws`, { authorization: `Bearer ${await other.token()}`, 'x-phone-number': PHONE }));
      expect(atOwner.seen.map((a) => a.req.headers['x-hops'])).toEqual(['1']);
      ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
      await waitFor(() => frames.find((f) => f.code === 'LIST_DEVICES'), { what: 'LIST_DEVICES through the other node' });
    } finally {
      atOwner.stop();
    }
  });

  it('closes its forwarded WebSockets, both sides, when the entry node closes', async () => {
    const { owner, other } = await twoNodes('ws_forward_2');
    const atOwner = arrivals(owner);
    try {
      const { ws } = opened(await connect(`${other.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws?token=${await other.token()}`));
      const upstream = atOwner.seen[0]!.socket;
      await nodes.close(other);
      await closed(ws);
      await waitFor(() => upstream.destroyed, { what: 'the forwarded connection closed on the owner' });
      // The owner still serves the number.
      expect(owner.gateway.supervisor.runner(PHONE)?.state).toBe('running');
    } finally {
      atOwner.stop();
    }
  });

  it('refuses a number nobody owns with 503 and Retry-After, one the cluster does not know with 404, a stale fence with 421 and the hop limit with 508', async () => {
    const { owner, other, fence } = await twoNodes('ws_forward_3');
    const unowned = '5511930000099';
    // A number no node can claim (its binary version is newer than any node's): it stays unowned.
    await server().query(`INSERT INTO assignments (phone_number, min_gowa_version) VALUES ($1, '99.0.0')`, [unowned], 'ws_forward_3');
    for (const gw of [owner, other]) {
      const base = `${gw.url.replace('http', 'ws')}/proxy/whatsapp`;
      const token = await gw.token();
      const noOwner = refused(await connect(`${base}/${unowned}/ws?token=${token}`));
      expect(noOwner).toMatchObject({ status: 503, body: { error: { code: 'CLUSTER_NO_OWNER' } } });
      expect(Number(noOwner.retryAfter)).toBeGreaterThanOrEqual(1);
      // The HTTP router answers the same.
      const http = await gw.request('GET', `/proxy/whatsapp/${unowned}/app/devices`);
      expect([http.status, http.headers.get('retry-after')]).toEqual([503, noOwner.retryAfter]);
      expect(refused(await connect(`${base}/5511930000098/ws?token=${token}`))).toMatchObject({ status: 404, body: { error: { code: 'CLUSTER_NUMBER_UNKNOWN' } } });
    }
    // Upgrades that claim to be forwarded already are never forwarded again, as plain calls.
    const wsPath = (gw: TestGateway): string => `${gw.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws`;
    expect(refused(await connect(wsPath(owner), { 'x-fence': String(fence - 1), 'x-hops': '1' }))).toMatchObject({ status: 421, body: { error: { code: 'CLUSTER_NOT_OWNER' } } });
    expect(refused(await connect(wsPath(other), { 'x-fence': String(fence), 'x-hops': '1' }))).toMatchObject({ status: 421, body: { error: { code: 'CLUSTER_NOT_OWNER' } } });
    expect(refused(await connect(wsPath(other), { 'x-fence': String(fence), 'x-hops': '2' }))).toMatchObject({ status: 508, body: { error: { code: 'CLUSTER_HOP_LIMIT' } } });
  });
});
