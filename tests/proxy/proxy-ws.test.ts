import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, register, registerPaired } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const PAIRED = '5511991000001';
const STOPPED = '5511991000002';
const FRESH = '5511991000003';

interface Frame {
  code: string;
  message: string;
  result: unknown;
}

/** Open a WebSocket; resolves with the socket and its frames, or with the HTTP status that refused the upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; frames: Frame[] } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const frames: Frame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

function opened(result: Awaited<ReturnType<typeof connect>>): { ws: WebSocket; frames: Frame[] } {
  if ('status' in result) throw new Error(`upgrade refused: ${result.status} ${result.body}`);
  return result;
}

describe('/proxy/whatsapp/{phone}/ws: the child\'s feed through the gateway', () => {
  let gw: TestGateway;
  let wsBase = '';
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({});
    wsBase = gw.url.replace('http', 'ws');
    await registerPaired(gw, PAIRED);
    await register(gw, STOPPED, false);
    await register(gw, FRESH);
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await gw.close();
  });

  it('relays frames both ways with ?token= auth: FETCH_DEVICES → LIST_DEVICES', async () => {
    const { ws, frames } = opened(await connect(`${wsBase}/proxy/whatsapp/${PAIRED}/ws?token=${await gw.token()}`));
    sockets.push(ws);
    ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
    const list = await waitFor(() => frames.find((f) => f.code === 'LIST_DEVICES'), { what: 'LIST_DEVICES' });
    expect(list).toEqual({ code: 'LIST_DEVICES', message: 'Device found', result: [expect.objectContaining({ device: PAIRED, jid: `${PAIRED}@s.whatsapp.net` })] });
  });

  it('accepts the token as an Authorization: Bearer header, and carries the child\'s own events (LOGIN_SUCCESS)', async () => {
    const { ws, frames } = opened(await connect(`${wsBase}/proxy/whatsapp/${FRESH}/ws`, { authorization: `Bearer ${await gw.token()}` }));
    sockets.push(ws);
    await child(gw, FRESH).request('GET', '/app/login');
    await child(gw, FRESH).request('POST', '/_sim/pair', { body: {} });
    const success = await waitFor(() => frames.find((f) => f.code === 'LOGIN_SUCCESS'), { what: 'LOGIN_SUCCESS' });
    expect(success.message).toMatch(new RegExp(`^Successfully pair with ${FRESH}:\\d+@s\\.whatsapp\\.net$`));
  });

  it('chooses the number from X-Phone-Number on the header-less path', async () => {
    const { ws, frames } = opened(await connect(`${wsBase}/proxy/whatsapp/ws?token=${await gw.token()}`, { 'x-phone-number': PAIRED }));
    sockets.push(ws);
    ws.send(JSON.stringify({ code: 'FETCH_DEVICES' }));
    expect((await waitFor(() => frames.find((f) => f.code === 'LIST_DEVICES'), { what: 'LIST_DEVICES' })).result).toEqual([expect.objectContaining({ device: PAIRED })]);
  });

  it('refuses the upgrade: 401 without or with a bad token, 404 unknown number or path, 503 when stopped', async () => {
    const token = await gw.token();
    const cases: [string, Record<string, string>, number][] = [
      [`/proxy/whatsapp/${PAIRED}/ws`, {}, 401],
      [`/proxy/whatsapp/${PAIRED}/ws?token=garbage`, {}, 401],
      [`/proxy/whatsapp/${PAIRED}/ws`, { authorization: 'Basic Z3c6eA==' }, 401],
      [`/proxy/whatsapp/5511991009999/ws?token=${token}`, {}, 404],
      [`/proxy/whatsapp/${PAIRED}/app/status?token=${token}`, {}, 404],
      [`/nothing-here?token=${token}`, {}, 404],
      [`/proxy/whatsapp/${STOPPED}/ws?token=${token}`, {}, 503],
      [`/proxy/whatsapp/ws?token=${token}`, {}, 400],
    ];
    for (const [path, headers, status] of cases) {
      const result = await connect(`${wsBase}${path}`, headers);
      if (!('status' in result)) result.ws.terminate();
      expect([path, 'status' in result ? result.status : 101]).toEqual([path, status]);
    }
    const stopped = await connect(`${wsBase}/proxy/whatsapp/${STOPPED}/ws?token=${token}`);
    expect('status' in stopped && JSON.parse(stopped.body)).toEqual({ error: expect.objectContaining({ code: 'DEVICE_NOT_RUNNING', state: 'stopped' }) });
  });

  it('closes proxied sockets when the number stops and when the gateway shuts down', async () => {
    const token = await gw.token();
    const a = opened(await connect(`${wsBase}/proxy/whatsapp/${FRESH}/ws?token=${token}`)).ws;
    const aClosed = new Promise((resolve) => a.once('close', resolve));
    await gw.request('POST', `/api/devices/${FRESH}/stop`);
    await aClosed;

    const b = opened(await connect(`${wsBase}/proxy/whatsapp/${PAIRED}/ws?token=${token}`)).ws;
    const bClosed = new Promise((resolve) => b.once('close', resolve));
    await gw.close();
    await bClosed;
    expect(b.readyState).toBe(WebSocket.CLOSED);
  });
});
