import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { createKey, createUser, grant, login } from '../helpers/access.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { register } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, expectRefused, type TestClient } from '../realtime/socket-helpers.js';

const N = '5511960000001';
const M = '5511960000002';

let gw: TestGateway;
const clients: TestClient[] = [];
const sockets: WebSocket[] = [];

/** A live Socket.IO client and a proxied /ws of number N, both authenticated with `token`. */
async function live(token: string): Promise<{ io: TestClient; ws: WebSocket; ioClosed: () => boolean; wsClosed: () => boolean }> {
  const io = await connectClient(gw.url, token);
  clients.push(io);
  expect(await io.join(`device-${N}`)).toMatchObject({ ok: true });
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/proxy/whatsapp/${N}/ws?token=${encodeURIComponent(token)}`);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
  sockets.push(ws);
  let wsClosed = false;
  ws.once('close', () => (wsClosed = true));
  let ioClosed = false;
  io.socket.once('disconnect', () => (ioClosed = true));
  return { io, ws, ioClosed: () => ioClosed, wsClosed: () => wsClosed };
}

/** Both connections close within a second of the answer to the revoking call. */
async function closedWithinASecond(conn: Awaited<ReturnType<typeof live>>): Promise<void> {
  await waitFor(() => conn.ioClosed() && conn.wsClosed(), { timeoutMs: 1000, intervalMs: 10, what: 'the Socket.IO client and the proxied /ws to be closed' });
}

beforeAll(async () => {
  gw = await startTestGateway();
  await register(gw, N);
  await register(gw, M, false);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.terminate();
});
afterAll(async () => {
  await gw.close();
});

describe('revocation takes effect at once', () => {
  it('revoking a key refuses its next request and closes its sockets and proxied WebSockets', async () => {
    const key = await createKey(gw, undefined, { preset: 'read-only', numbers: '*' });
    const other = await createKey(gw, undefined, { preset: 'read-only', numbers: '*' });
    const conn = await live(key.key);
    const bystander = await live(other.key);
    expect((await gw.request('DELETE', `/api/keys/${key.id}`)).status).toBe(200);
    await closedWithinASecond(conn);
    expect((await gw.request('GET', '/api/devices', { token: key.key })).status).toBe(401);
    expect((await expectRefused(gw.url, key.key)).message).toBe('UNAUTHORIZED');
    // Another key's connections stay open and keep answering.
    const frames: string[] = [];
    bystander.ws.on('message', (data: Buffer) => frames.push(data.toString()));
    bystander.ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
    await waitFor(() => frames.some((f) => f.includes('LIST_DEVICES')), { what: 'the bystander WebSocket to answer' });
    expect(await bystander.io.join(`device-${N}`)).toMatchObject({ ok: true });
    expect([bystander.ioClosed(), bystander.wsClosed()]).toEqual([false, false]);
  });

  it("revoking a user's grant closes that user's connections to the number; the number is then unknown to them", async () => {
    const user = await createUser(gw, 'granted');
    await grant(gw, N, user.id, 'read');
    await grant(gw, M, user.id, 'read');
    const conn = await live(user.token);
    expect((await gw.request('DELETE', `/api/devices/${N}/grants/${user.id}`)).status).toBe(200);
    await closedWithinASecond(conn);
    expect((await gw.request('GET', `/api/devices/${N}`, { token: user.token })).status).toBe(404);
    expect((await gw.request('GET', `/api/devices/${M}`, { token: user.token })).status).toBe(200);
    // A new socket sees only what is left.
    const again = await connectClient(gw.url, user.token);
    clients.push(again);
    expect(await again.join(`device-${N}`)).toMatchObject({ ok: false, error: { code: 'DEVICE_NOT_FOUND' } });
  });

  it('disabling a user closes its connections (and its keys’), and refuses its login', async () => {
    const user = await createUser(gw, 'to-disable');
    await grant(gw, N, user.id, 'read');
    const key = await createKey(gw, user.token, { preset: 'read-only', numbers: [N] });
    const byToken = await live(user.token);
    const byKey = await live(key.key);
    expect((await gw.request('PATCH', `/api/users/${user.id}`, { body: { disabled: true } })).status).toBe(200);
    await closedWithinASecond(byToken);
    await closedWithinASecond(byKey);
    expect((await gw.request('GET', '/api/devices', { token: user.token })).status).toBe(401);
    expect((await gw.request('POST', '/api/auth/login', { body: { username: user.username, password: user.password }, token: null })).status).toBe(401);
    // Enabling again does not revive the old tokens (disabling moved the token generation on).
    expect((await gw.request('PATCH', `/api/users/${user.id}`, { body: { disabled: false } })).status).toBe(200);
    expect((await gw.request('GET', '/api/devices', { token: user.token })).status).toBe(401);
    expect((await gw.request('GET', '/api/devices', { token: key.key })).status).toBe(200);
  });

  it('lowering a role closes the connections, and the next request has the lower rights', async () => {
    const user = await createUser(gw, 'to-lower');
    await grant(gw, N, user.id, 'operator');
    const conn = await live(user.token);
    expect((await gw.request('PATCH', `/api/users/${user.id}`, { body: { role: 'viewer' } })).status).toBe(200);
    await closedWithinASecond(conn);
    const stop = await gw.request<{ error: { missingScope: string } }>('POST', `/api/devices/${N}/queue/resume`, { token: user.token });
    expect(stop.status).toBe(403);
    expect(stop.body.error.missingScope).toBe('queue:manage');
    expect((await gw.request('GET', `/api/devices/${N}`, { token: user.token })).status).toBe(200);
  });

  it("revoking a user's tokens closes its connections; a fresh login works", async () => {
    const user = await createUser(gw, 'to-revoke');
    await grant(gw, N, user.id, 'read');
    const conn = await live(user.token);
    expect((await gw.request('DELETE', `/api/users/${user.id}/sessions`)).status).toBe(200);
    await closedWithinASecond(conn);
    expect((await gw.request('GET', '/api/devices', { token: user.token })).status).toBe(401);
    const fresh = await login(gw, user.username, user.password);
    expect((await gw.request('GET', `/api/devices/${N}`, { token: fresh })).status).toBe(200);
  });

  it("narrowing a key's numbers closes its connections to the numbers it lost", async () => {
    const key = await createKey(gw, undefined, { preset: 'read-only', numbers: [N, M] });
    const conn = await live(key.key);
    expect((await gw.request('PATCH', `/api/keys/${key.id}`, { body: { numbers: [M] } })).status).toBe(200);
    await closedWithinASecond(conn);
    const refused = await gw.request<{ error: { code: string } }>('GET', `/api/devices/${N}`, { token: key.key });
    expect(refused.status).toBe(403);
  });

  it('a socket without events:subscribe is refused at the handshake, naming the scope', async () => {
    const key = await createKey(gw, undefined, { scopes: ['numbers:read'], numbers: '*' });
    const refusal = await expectRefused(gw.url, key.key);
    expect(refusal.message).toBe('FORBIDDEN');
    expect(refusal.data).toMatchObject({ code: 'FORBIDDEN', missingScope: 'events:subscribe' });
  });
});
