import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, register } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

interface QrBody {
  phoneNumber: string;
  qrCode: string;
  expiresAt: string;
  qrDuration: number;
}

interface ErrorBody {
  error: { code: string; message: string; state?: string; device?: { sessionState: string; loggedIn: boolean } };
}

const PHONE = '5511930000001';
const PAIR_PHONE = '5511930000002';
const STOPPED = '5511930000003';

describe('QR code and pairing code', () => {
  let gw: TestGateway;
  const qrEvents: { phoneNumber: string; qrCode: string; expiresAt: string }[] = [];

  beforeAll(async () => {
    // The stand-in's QR lives 2 s here (30 s in the real binary), so expiry is seen in a test.
    gw = await startTestGateway({ env: { SIM_QR_DURATION_SEC: '2', QR_CODE_TIMEOUT: '5000' } });
    gw.gateway.qr.events.on('qr', (e) => qrEvents.push(e));
    await register(gw, PHONE);
    await register(gw, PAIR_PHONE);
    await register(gw, STOPPED, false);
  });
  afterAll(() => gw.close());

  it('returns the QR inline as a 512×512 PNG data URL, reuses it until it expires, then fetches a new one', async () => {
    const [first, concurrent] = await Promise.all([
      gw.request<QrBody>('GET', `/api/devices/${PHONE}/qr`),
      gw.request<QrBody>('GET', `/api/devices/${PHONE}/qr`),
    ]);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.phoneNumber).toBe(PHONE);
    expect(first.body.qrDuration).toBe(2);
    const prefix = 'data:image/png;base64,';
    expect(first.body.qrCode.startsWith(prefix)).toBe(true);
    const png = PNG.sync.read(Buffer.from(first.body.qrCode.slice(prefix.length), 'base64'));
    expect([png.width, png.height]).toEqual([512, 512]);
    // The child's own link (its loopback port) never reaches the caller.
    expect(JSON.stringify(first.body)).not.toMatch(/127\.0\.0\.1|qr_link|statics/);
    // Two callers at once: one login call, one code.
    expect(concurrent.body.qrCode).toBe(first.body.qrCode);

    const again = await gw.request<QrBody>('GET', `/api/devices/${PHONE}/qr`);
    expect(again.body.qrCode).toBe(first.body.qrCode);
    expect(again.body.expiresAt).toBe(first.body.expiresAt);
    expect(qrEvents.filter((e) => e.phoneNumber === PHONE)).toHaveLength(1);
    expect(qrEvents[0]).toMatchObject({ phoneNumber: PHONE, qrCode: first.body.qrCode, expiresAt: first.body.expiresAt });

    await waitFor(() => Date.now() > Date.parse(first.body.expiresAt), { what: 'the QR code to expire' });
    const fresh = await gw.request<QrBody>('GET', `/api/devices/${PHONE}/qr`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.qrCode).not.toBe(first.body.qrCode);
    expect(Date.parse(fresh.body.expiresAt)).toBeGreaterThan(Date.parse(first.body.expiresAt));
    expect(qrEvents.filter((e) => e.phoneNumber === PHONE)).toHaveLength(2);
  });

  it('pairing on the phone (LOGIN_SUCCESS) logs the number in; then a QR is refused with 409 and the device', async () => {
    expect((await gw.request('GET', `/api/devices/${PHONE}/qr`)).status).toBe(200);
    await child(gw, PHONE).request('POST', '/_sim/pair', { body: {} });
    const device = await waitFor(
      async () => {
        const res = await gw.request<{ sessionState: string; loggedIn: boolean; jid: string | null }>('GET', `/api/devices/${PHONE}`);
        return res.body.loggedIn ? res.body : null;
      },
      { what: 'device logged in' },
    );
    expect(device).toMatchObject({ sessionState: 'logged_in', loggedIn: true, jid: `${PHONE}@s.whatsapp.net` });

    const refused = await gw.request<ErrorBody>('GET', `/api/devices/${PHONE}/qr`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('ALREADY_LOGGED_IN');
    expect(refused.body.error.device).toMatchObject({ sessionState: 'logged_in', loggedIn: true });
    expect((await gw.request<ErrorBody>('POST', `/api/devices/${PHONE}/pair-code`)).status).toBe(409);
  });

  it('gives a pairing code for users who cannot scan', async () => {
    const res = await gw.request<{ phoneNumber: string; pairCode: string }>('POST', `/api/devices/${PAIR_PHONE}/pair-code`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ phoneNumber: PAIR_PHONE, pairCode: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/) });
    // Typing it on the phone completes the login like a scan does.
    await child(gw, PAIR_PHONE).request('POST', '/_sim/pair', { body: {} });
    await waitFor(async () => (await gw.request<{ loggedIn: boolean }>('GET', `/api/devices/${PAIR_PHONE}`)).body.loggedIn, { what: 'logged in by code' });
  });

  it('answers 503 with the state when the process is not running, 404 for unknown numbers, 401 without a token', async () => {
    const stopped = await gw.request<ErrorBody>('GET', `/api/devices/${STOPPED}/qr`);
    expect(stopped.status).toBe(503);
    expect(stopped.body.error).toMatchObject({ code: 'DEVICE_NOT_RUNNING', state: 'stopped' });
    expect((await gw.request<ErrorBody>('POST', `/api/devices/${STOPPED}/pair-code`)).status).toBe(503);
    expect((await gw.request<ErrorBody>('GET', '/api/devices/5511930009999/qr')).body.error.code).toBe('DEVICE_NOT_FOUND');
    expect((await gw.request('GET', `/api/devices/${PHONE}/qr`, { token: null })).status).toBe(401);
    expect((await gw.request('GET', '/api/devices/not-a-number/qr')).status).toBe(400);
  });
});
