import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, register } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../realtime/socket-helpers.js';

const PHONE = '5511930000101';
const CODE_PHONE = '5511930000102';

/** A QR shown on a page stays scannable: the gateway fetches and pushes the next one when it expires. */
describe('QR codes rotated by the gateway', () => {
  let gw: TestGateway;
  let socket: TestClient;
  const qrs = (phone: string) => socket.all('device-websocket-message', (d) => d.message.phoneNumber === phone && d.message.type === 'qr').map((d) => d.message as { qr: string; expiresAt: string; seq: number });

  beforeAll(async () => {
    // The stand-in's codes live 1 s here (30 s in the real binary); at most two fresh codes per request.
    gw = await startTestGateway({ env: { SIM_QR_DURATION_SEC: '1', QR_CODE_TIMEOUT: '5000', QR_REFRESH_LIMIT: '2' } });
    await register(gw, PHONE);
    await register(gw, CODE_PHONE);
    socket = await connectClient(gw.url, await gw.token());
    await socket.join({ room: `device-${PHONE}` });
    await socket.join({ room: `device-${CODE_PHONE}` });
  });
  afterAll(async () => {
    socket.close();
    await gw.close();
  });

  it('pushes a new code over Socket.IO each time one expires unscanned, up to QR_REFRESH_LIMIT, without being asked', async () => {
    const res = await gw.request<{ qrCode: string; expiresAt: string }>('GET', `/api/devices/${PHONE}/qr`);
    expect(res.status).toBe(200);
    expect(gw.gateway.qr.rotating(PHONE)).toBe(true);
    await waitFor(() => qrs(PHONE).length === 3 && !gw.gateway.qr.rotating(PHONE), { what: 'the first code and two pushed ones, then the end of rotation' });
    const codes = qrs(PHONE);
    expect(codes[0]?.qr).toBe(res.body.qrCode);
    expect(new Set(codes.map((c) => c.qr)).size).toBe(3);
    // Each one is pushed once its predecessor has expired, and expires later.
    for (let i = 1; i < codes.length; i++) expect(Date.parse(codes[i]?.expiresAt ?? '')).toBeGreaterThan(Date.parse(codes[i - 1]?.expiresAt ?? ''));
    // Someone asking again starts a new budget.
    expect((await gw.request('GET', `/api/devices/${PHONE}/qr`)).status).toBe(200);
    expect(gw.gateway.qr.rotating(PHONE)).toBe(true);
  });

  it('stops rotating once the phone scans the code', async () => {
    await waitFor(() => gw.gateway.qr.rotating(PHONE), { what: 'rotation' });
    await child(gw, PHONE).request('POST', '/_sim/pair', { body: {} });
    await waitFor(() => gw.gateway.supervisor.runner(PHONE)?.session === 'logged_in', { what: 'logged in' });
    expect(gw.gateway.qr.rotating(PHONE)).toBe(false);
  });

  it('stops rotating when the user asks for a pairing code instead (a new QR would replace that code)', async () => {
    expect((await gw.request('GET', `/api/devices/${CODE_PHONE}/qr`)).status).toBe(200);
    expect(gw.gateway.qr.rotating(CODE_PHONE)).toBe(true);
    const code = await gw.request<{ pairCode: string }>('POST', `/api/devices/${CODE_PHONE}/pair-code`);
    expect(code.status).toBe(200);
    expect(gw.gateway.qr.rotating(CODE_PHONE)).toBe(false);
  });

  it('stops rotating when the process stops', async () => {
    await child(gw, CODE_PHONE).request('POST', '/_sim/unlink').catch(() => undefined);
    await waitFor(async () => (await gw.request('GET', `/api/devices/${CODE_PHONE}/qr`)).status === 200, { what: 'a QR again' });
    expect(gw.gateway.qr.rotating(CODE_PHONE)).toBe(true);
    await gw.request('POST', `/api/devices/${CODE_PHONE}/stop`);
    expect(gw.gateway.qr.rotating(CODE_PHONE)).toBe(false);
  });
});
