/**
 * Socket.IO as PRODUCT.md describes it, with real processes: a global listener, `join` + a room listener,
 * `process-stopped` on kill -9, handshake auth, tenant isolation, and the child-feed link (reconnect, close).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { incoming, pair, registerRunning } from './sim.js';
import { connectClient, expectRefused, type TestClient } from './socket-helpers.js';

const ADMIN_PHONE = '5511940000001';
const ALICE_PHONE = '5511940000002';

let gw: TestGateway;
let adminToken: string;
let aliceToken: string;
const clients: TestClient[] = [];

async function client(token: string): Promise<TestClient> {
  const c = await connectClient(gw.url, token);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  // Health checks that tolerate a child paused for a few seconds (the feed test stops one with SIGSTOP).
  gw = await startTestGateway({ env: { CHILD_FEED_PING_INTERVAL: '200', HEALTH_CHECK_FAILURES: '40', SIM_ACK_DELAY_MS: '50' } });
  adminToken = await gw.token();
  const created = await gw.request('POST', '/api/users', { body: { username: 'alice', password: 'alice-password' } });
  expect(created.status).toBe(201);
  aliceToken = (await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'alice', password: 'alice-password' }, token: null })).body.token;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await gw.close();
});

describe('handshake', () => {
  it('refuses a connection without a token, or with a bad one', async () => {
    const none = await expectRefused(gw.url, null);
    expect(none.message).toBe('UNAUTHORIZED');
    expect(none.data).toMatchObject({ code: 'UNAUTHORIZED' });
    const bad = await expectRefused(gw.url, `${adminToken}x`);
    expect(bad.message).toBe('UNAUTHORIZED');
  });

  it('accepts the token as auth.token or as an Authorization: Bearer header', async () => {
    const viaAuth = await client(adminToken);
    expect(viaAuth.socket.connected).toBe(true);
    const headerClient = await connectClient(gw.url, null, { extraHeaders: { authorization: `Bearer ${adminToken}` } });
    clients.push(headerClient);
    expect(headerClient.socket.connected).toBe(true);
  });
});

describe('a client written against PRODUCT.md', () => {
  let admin: TestClient;
  let room: TestClient;

  beforeAll(async () => {
    admin = await client(adminToken);
    room = await client(adminToken);
  });

  it('sees the feed link open and the process come up', async () => {
    await registerRunning(gw, ADMIN_PHONE);
    const port = gw.gateway.supervisor.runner(ADMIN_PHONE)?.port;
    await expect(admin.waitFor('container-websocket-connected', (d) => d.phoneNumber === ADMIN_PHONE)).resolves.toEqual({ phoneNumber: ADMIN_PHONE, port });
    const status = await admin.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ADMIN_PHONE && d.message.type === 'status' && d.message.to === 'running');
    expect(status).toMatchObject({ phoneNumber: ADMIN_PHONE, message: { type: 'status', change: 'state', from: 'starting', to: 'running', event: 'device.state' } });
    expect(typeof status.timestamp).toBe('string');
    expect(status.message.seq).toBeGreaterThan(0);
  });

  it('joins the room of its number and gets the QR code, then ready, on both streams', async () => {
    const joined = await room.join(`device-${ADMIN_PHONE}`);
    expect(joined).toMatchObject({ ok: true, room: `device-${ADMIN_PHONE}`, replayed: 0, truncated: false });

    const qr = await gw.request<{ qrCode: string }>('GET', `/api/devices/${ADMIN_PHONE}/qr`);
    expect(qr.status).toBe(200);
    const globalQr = await admin.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ADMIN_PHONE && d.message.type === 'qr');
    expect(globalQr.message).toMatchObject({ type: 'qr', qr: qr.body.qrCode });
    expect(globalQr.message.type === 'qr' && globalQr.message.qr.startsWith('data:image/png;base64,')).toBe(true);
    const roomQr = await room.waitFor('device-websocket-message', (d) => d.message.type === 'qr');
    expect(roomQr).toEqual({ message: globalQr.message, timestamp: globalQr.timestamp });

    await pair(gw, ADMIN_PHONE);
    const ready = await admin.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ADMIN_PHONE && d.message.type === 'ready');
    expect(ready.message).toMatchObject({ type: 'ready', jid: `${ADMIN_PHONE}@s.whatsapp.net` });
    await room.waitFor('device-websocket-message', (d) => d.message.type === 'ready');
    // The child's own LOGIN_SUCCESS frame is passed on untouched as well.
    const frame = await room.waitFor('device-websocket-message', (d) => d.message.type === 'raw' && d.message.event === 'LOGIN_SUCCESS');
    expect(frame.message).toMatchObject({ source: 'ws', raw: { code: 'LOGIN_SUCCESS' } });
  });

  it('gets incoming messages, with increasing sequence numbers', async () => {
    const [id] = await incoming(gw, ADMIN_PHONE, 'hello from a customer');
    const msg = await room.waitFor('device-websocket-message', (d) => d.message.type === 'message');
    expect(msg.message).toMatchObject({ type: 'message', source: 'webhook', event: 'message', payload: { id, body: 'hello from a customer' } });
    const global = await admin.waitFor('whatsapp-websocket-message', (d) => d.message.type === 'message');
    expect(global).toMatchObject({ phoneNumber: ADMIN_PHONE, port: gw.gateway.supervisor.runner(ADMIN_PHONE)?.port, message: msg.message });
    const seqs = room.all('device-websocket-message').map((d) => d.message.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('delivers a burst whole and in order to every client (frames of one turn are written together)', async () => {
    const burst = 300;
    const before = room.all('device-websocket-message').length;
    const globalBefore = admin.all('whatsapp-websocket-message').length;
    const ids = await incoming(gw, ADMIN_PHONE, 'burst', burst);
    expect(ids).toHaveLength(burst);
    const payloadOf = (m: object): { id?: string; body?: string } => ('payload' in m ? (m.payload as { id?: string; body?: string }) : {});
    const isBurst = (m: { type: string }): boolean => m.type === 'message' && payloadOf(m).body === 'burst';
    await room.waitForCount('device-websocket-message', (d) => isBurst(d.message), burst, 20_000);
    await admin.waitForCount('whatsapp-websocket-message', (d) => isBurst(d.message), burst, 20_000);
    const roomSeqs = room.all('device-websocket-message').slice(before).map((d) => d.message.seq);
    const globalSeqs = admin.all('whatsapp-websocket-message').slice(globalBefore).filter((d) => d.phoneNumber === ADMIN_PHONE).map((d) => d.message.seq);
    // Everything the number stored from the burst on, each once, in sequence, on both streams.
    const consecutive = (seqs: number[]): number[] => Array.from({ length: seqs.length }, (_, i) => (seqs[0] ?? 0) + i);
    expect(roomSeqs).toEqual(consecutive(roomSeqs));
    expect(globalSeqs).toEqual(consecutive(globalSeqs));
    expect(globalSeqs[0]).toBe(roomSeqs[0]);
    expect(new Set(room.all('device-websocket-message').filter((d) => isBurst(d.message)).map((d) => payloadOf(d.message).id))).toEqual(new Set(ids));
  });

  it('announces an unexpected exit (kill -9) as process-stopped, then the restart', async () => {
    const runner = gw.gateway.supervisor.runner(ADMIN_PHONE);
    const pid = runner?.pid ?? -1;
    const port = runner?.port ?? -1;
    const connectedBefore = admin.all('container-websocket-connected').length;
    process.kill(pid, 'SIGKILL');
    const stopped = await admin.waitFor('process-stopped', (d) => d.phoneNumber === ADMIN_PHONE);
    expect(stopped).toEqual({ phoneNumber: ADMIN_PHONE, port, code: null, signal: 'SIGKILL', willRestart: true });
    await admin.waitFor('container-websocket-closed', (d) => d.phoneNumber === ADMIN_PHONE);
    await admin.waitForCount('container-websocket-connected', (d) => d.phoneNumber === ADMIN_PHONE, connectedBefore + 1);
    await room.waitFor('device-websocket-message', (d) => d.message.type === 'status' && d.message.to === 'backoff');
  });
});

describe('tenants', () => {
  it("refuses to join another user's room, as if the number did not exist", async () => {
    const alice = await client(aliceToken);
    const result = await alice.join(`device-${ADMIN_PHONE}`);
    expect(result).toEqual({ ok: false, room: `device-${ADMIN_PHONE}`, error: { code: 'DEVICE_NOT_FOUND', message: expect.any(String) } });
    await expect(alice.waitFor('join-error')).resolves.toMatchObject({ room: `device-${ADMIN_PHONE}`, code: 'DEVICE_NOT_FOUND' });
    const garbage = await alice.join({ room: 'device-../../etc' });
    expect(garbage).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it("never sends a user the global events of another user's numbers", async () => {
    const alice = await client(aliceToken);
    const admin = await client(adminToken);
    await registerRunning(gw, ALICE_PHONE, aliceToken);
    await pair(gw, ALICE_PHONE);
    await incoming(gw, ADMIN_PHONE, 'for the admin only');
    await incoming(gw, ALICE_PHONE, 'for alice');
    // The admin sees both numbers; alice sees her own message, and nothing at all of the admin's number.
    await admin.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ADMIN_PHONE && d.message.type === 'message');
    await admin.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ALICE_PHONE && d.message.type === 'message');
    await alice.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ALICE_PHONE && d.message.type === 'message');
    await alice.waitFor('container-websocket-connected', (d) => d.phoneNumber === ALICE_PHONE);
    expect(alice.received.filter((r) => JSON.stringify(r.data).includes(ADMIN_PHONE))).toEqual([]);
    const joined = await alice.join(`device-${ALICE_PHONE}`);
    expect(joined.ok).toBe(true);
  });
});

describe('the child feed link', () => {
  it('reconnects by itself after the link drops, while the process keeps running', async () => {
    const admin = await client(adminToken);
    const runner = gw.gateway.supervisor.runner(ALICE_PHONE);
    const pid = runner?.pid ?? -1;
    const port = runner?.port ?? -1;
    // A paused child keeps its TCP socket open but stops answering pings: the gateway must notice and drop it.
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(admin.waitFor('container-websocket-closed', (d) => d.phoneNumber === ALICE_PHONE)).resolves.toMatchObject({ phoneNumber: ALICE_PHONE, port });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await expect(admin.waitFor('container-websocket-connected', (d) => d.phoneNumber === ALICE_PHONE, 15_000)).resolves.toEqual({ phoneNumber: ALICE_PHONE, port });
    expect(gw.gateway.supervisor.runner(ALICE_PHONE)?.pid).toBe(pid);
    // And the link works again: a message reaches the socket.
    await incoming(gw, ALICE_PHONE, 'after the reconnect');
    await admin.waitFor('whatsapp-websocket-message', (d) => d.message.type === 'message' && d.message.payload['body'] === 'after the reconnect');
  });

  it('closes the link when the number is stopped, and does not reconnect', async () => {
    const admin = await client(adminToken);
    const port = gw.gateway.supervisor.runner(ALICE_PHONE)?.port;
    const stop = await gw.request('POST', `/api/devices/${ALICE_PHONE}/stop`);
    expect(stop.status).toBe(200);
    await expect(admin.waitFor('container-websocket-closed', (d) => d.phoneNumber === ALICE_PHONE)).resolves.toMatchObject({ phoneNumber: ALICE_PHONE, port });
    await admin.waitFor('whatsapp-websocket-message', (d) => d.phoneNumber === ALICE_PHONE && d.message.type === 'status' && d.message.to === 'stopped');
    expect(gw.gateway.pipeline.feeds.isConnected(ALICE_PHONE)).toBe(false);
    expect(admin.all('process-stopped', (d) => d.phoneNumber === ALICE_PHONE)).toEqual([]);
    expect(admin.all('container-websocket-connected', (d) => d.phoneNumber === ALICE_PHONE)).toEqual([]);
  });
});

describe('closing', () => {
  it('frees the port and disconnects clients when the gateway closes', async () => {
    const other = await startTestGateway();
    const c = await connectClient(other.url, await other.token());
    const disconnected = new Promise<string>((resolve) => c.socket.once('disconnect', (reason) => resolve(reason)));
    await other.close();
    await expect(disconnected).resolves.toBeDefined();
    const res = await fetch(`${other.url}/api/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(res).toBe('refused');
    await waitFor(() => !c.socket.connected, { what: 'client disconnected' });
  });
});
