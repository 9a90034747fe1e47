/**
 * Login flows (docs/binary-contract.md §8), session lifecycle and persistence (§6): the QR PNG, its deletion,
 * pairing via the control API, WS events, the session store file, logout / reconnect / unlink, and slots + session
 * surviving a restart with the delayed auto-connect.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import jsQRModule from 'jsqr';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { createSlot, pairSlot } from '../helpers/sim-actions.js';
import { cleanupSims, IS_STAND_IN, pollUntil, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { openSimWs, type SimWs } from '../helpers/sim-ws.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;
const itSim = IS_STAND_IN ? it : it.skip;
// jsqr is CommonJS with an ES-style `export default` in its types: the function is `.default` or the module.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
// Long enough that a loaded machine still fetches the PNG before it expires.
const QR_SECONDS = 8;

interface Status {
  device_id: string;
  is_connected: boolean;
  is_logged_in: boolean;
  jid: string;
}

let sim: SimProcess;
let feed: SimWs;

const status = async (deviceId: string): Promise<Status | undefined> =>
  (await sim.api<Envelope<Status>>('GET', '/app/status', undefined, { deviceId })).json.results;

function sessionRows(cwd: string, file = 'storages/whatsapp.db'): string[] {
  const db = new Database(join(cwd, file), { readonly: true });
  try {
    return (db.prepare('SELECT jid FROM whatsmeow_device').all() as { jid: string }[]).map((row) => row.jid);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  const knobs = { SIM_QR_DURATION_SEC: String(QR_SECONDS), SIM_AUTOCONNECT_DELAY_MS: '0' };
  sim = await startSim({ basicAuth: 'u:p', env: IS_STAND_IN ? knobs : {} });
  await createSlot(sim, '628111');
  feed = await openSimWs(sim);
});
afterAll(async () => {
  await feed.close();
  await cleanupSims();
});

describe('QR login', () => {
  let qrLink = '';
  let loginAt = 0;

  it('GET /app/login answers qr_link and qr_duration and writes a decodable 512×512 PNG', async () => {
    loginAt = Date.now();
    const res = await sim.api<Envelope<{ device_id: string; qr_duration: number; qr_link: string }>>('GET', '/app/login');
    expect(res.status).toBe(200);
    expect(res.json.message).toBe('Login success');
    const results = res.json.results;
    expect(results?.device_id).toBe('628111');
    expect(results?.qr_duration).toBe(IS_STAND_IN ? QR_SECONDS : 30);
    qrLink = results?.qr_link ?? '';
    const name = /^http:\/\/127\.0\.0\.1:\d+\/statics\/qrcode\/(scan-qr-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.png)$/.exec(qrLink)?.[1];
    expect(name).toBeDefined();
    const png = PNG.sync.read(readFileSync(join(sim.cwd, 'statics/qrcode', name ?? '')));
    expect([png.width, png.height]).toEqual([512, 512]);
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(code?.data).toMatch(/^2@[^,]+,[^,]+,[^,]+,[^,]+$/);
  });

  // With a real binary this would take the full 30 s.
  itSim('the PNG is public and is deleted after qr_duration seconds', async () => {
    const served = await fetch(qrLink);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    const path = join(sim.cwd, 'statics/qrcode', qrLink.split('/').pop() ?? '');
    await pollUntil(() => !existsSync(path), QR_SECONDS * 1000 + 10_000);
    // Deleted once its duration is over, not before (a lower bound only: a loaded machine may be late).
    expect(Date.now() - loginAt).toBeGreaterThanOrEqual(QR_SECONDS * 1000 - 100);
  });
});

describeSim('pairing and the session lifecycle (stand-in control API)', () => {
  it('/_sim/pair without a pending login → 400 NO_PENDING_LOGIN', async () => {
    await createSlot(sim, 'idle');
    const res = await sim.api('POST', '/_sim/pair', {}, { deviceId: 'idle' });
    expect([res.status, (res.json as Envelope).code]).toEqual([400, 'NO_PENDING_LOGIN']);
  });

  it('pairing emits LOGIN_SUCCESS, writes the session store and reports connected + logged in', async () => {
    const jid = await pairSlot(sim, '628111', { push_name: 'Alice' });
    expect(jid).toBe('628111@s.whatsapp.net');
    const frame = await feed.waitFor((f) => f.code === 'LOGIN_SUCCESS');
    expect(frame.message).toMatch(/^Successfully pair with 628111:\d+@s\.whatsapp\.net$/);
    expect(frame.result).toBeNull();
    expect(await status('628111')).toEqual({ device_id: '628111', is_connected: true, is_logged_in: true, jid });
    expect(sessionRows(sim.cwd)).toEqual([expect.stringMatching(/^628111:\d+@s\.whatsapp\.net$/)]);
    const devices = await sim.api<Envelope<Record<string, unknown>[]>>('GET', '/devices');
    expect(devices.json.results?.[0]).toMatchObject({ id: '628111', jid, phone_number: '628111', display_name: 'Alice', state: 'logged_in' });
    const app = await sim.api('GET', '/app/devices', undefined, { deviceId: '628111' });
    expect(app.json).toEqual({ code: 'SUCCESS', message: 'Fetch device success', results: [{ name: 'Alice', device: '628111', jid }] });
  });

  it('a paired slot can be addressed by its JID; a second login → 400 ALREADY_LOGGED_IN', async () => {
    expect((await status('628111@s.whatsapp.net'))?.device_id).toBe('628111');
    const again = await sim.api('GET', '/app/login', undefined, { deviceId: '628111' });
    expect([again.status, again.json]).toEqual([400, { code: 'ALREADY_LOGGED_IN', message: 'you are already logged in.' }]);
  });

  it('login with a pairing code validates the phone and pairs that number', async () => {
    await createSlot(sim, 'beta');
    for (const phone of ['', 'abc', '1234567890123456']) {
      const bad = await sim.api('GET', `/app/login-with-code?phone=${phone}`, undefined, { deviceId: 'beta' });
      expect([bad.status, (bad.json as Envelope).code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    const res = await sim.api<Envelope<{ device_id: string; pair_code: string }>>('GET', '/app/login-with-code?phone=%2B628222', undefined, { deviceId: 'beta' });
    expect(res.json.message).toBe('Login with code success');
    expect(res.json.results?.pair_code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const pair = await sim.api<Envelope<{ jid: string }>>('POST', '/_sim/pair', {}, { deviceId: 'beta' });
    expect(pair.json.results).toEqual({ device_id: 'beta', jid: '628222@s.whatsapp.net' });
  });

  it('POST /devices/{id}/login/code starts a code login', async () => {
    await createSlot(sim, 'gamma');
    const res = await sim.api<Envelope<{ pair_code: string }>>('POST', '/devices/gamma/login/code?phone=628333');
    expect(res.json.message).toBe('Login with code started');
    expect(res.json.results).toEqual({ device_id: 'gamma', pair_code: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/) });
  });

  it('/app/logout keeps the slot, removes the session and emits DEVICE_LOGGED_OUT', async () => {
    const res = await sim.api('GET', '/app/logout', undefined, { deviceId: 'beta' });
    expect(res.json).toEqual({ code: 'SUCCESS', message: 'Success logout', results: { device_id: 'beta' } });
    const frame = await feed.waitFor((f) => f.code === 'DEVICE_LOGGED_OUT' && f.message === 'Device beta logged out (slot kept)');
    expect(frame.result).toMatchObject({ device_id: 'beta', devices: expect.arrayContaining([{ name: '', device: 'beta', jid: '' }]) });
    expect(await status('beta')).toEqual({ device_id: 'beta', is_connected: false, is_logged_in: false, jid: '' });
    expect(sessionRows(sim.cwd).some((jid) => jid.startsWith('628222:'))).toBe(false);
    const info = await sim.api('GET', '/devices/beta');
    expect(info.status).toBe(200);
  });

  it('/app/reconnect: never paired → 500; paired → success', async () => {
    const never = await sim.api('GET', '/app/reconnect', undefined, { deviceId: 'idle' });
    expect([never.status, never.json]).toEqual([500, { code: 'INTERNAL_SERVER_ERROR', message: 'device idle is not logged in (session deleted)' }]);
    const ok = await sim.api('GET', '/app/reconnect', undefined, { deviceId: '628111' });
    expect(ok.json).toEqual({ code: 'SUCCESS', message: 'Reconnect success', results: { device_id: '628111' } });
    expect(await status('628111')).toMatchObject({ is_connected: true, is_logged_in: true });
  });

  it('/_sim/unlink emits DEVICE_LOGGED_OUT {device_id} and drops the session', async () => {
    await pairSlot(sim, 'idle', { jid: '628444' });
    const res = await sim.api('POST', '/_sim/unlink', undefined, { deviceId: 'idle' });
    expect(res.status).toBe(200);
    const frame = await feed.waitFor((f) => f.message === 'Device logged out (slot kept)');
    expect(frame).toEqual({ code: 'DEVICE_LOGGED_OUT', message: 'Device logged out (slot kept)', result: { device_id: 'idle' } });
    expect(await status('idle')).toMatchObject({ is_connected: false, is_logged_in: false });
  });
});

describeSim('persistence across a restart', () => {
  it('slots and the paired session survive; the session auto-connects after SIM_AUTOCONNECT_DELAY_MS', async () => {
    await feed.close();
    expect(await sim.stop()).toEqual({ code: 0, signal: null });
    sim = await startSim({ cwd: sim.cwd, basicAuth: 'u:p', env: { SIM_AUTOCONNECT_DELAY_MS: '700' } });
    const list = await sim.api<Envelope<{ id: string; jid?: string }[]>>('GET', '/devices');
    expect(list.json.results?.map((d) => d.id)).toEqual(['628111', 'idle', 'beta', 'gamma']);
    expect(list.json.results?.[0]?.jid).toBe('628111@s.whatsapp.net');
    // Paired but not connected yet: whatsmeow only reports logged in while connected.
    expect(await status('628111')).toEqual({ device_id: '628111', is_connected: false, is_logged_in: false, jid: '628111@s.whatsapp.net' });
    await pollUntil(async () => (await status('628111'))?.is_logged_in, 5000);
    await sim.waitForOutput('auto-connected device 628111', 'stderr');
    expect(await status('beta')).toMatchObject({ is_connected: false, jid: '' });
  });

  it('a custom DB_URI (file: with a query) is where the session goes', async () => {
    await sim.stop();
    sim = await startSim({ basicAuth: 'u:p', env: { DB_URI: 'file:custom.db?_foreign_keys=on' } });
    await createSlot(sim, '628555');
    await pairSlot(sim, '628555');
    expect(sessionRows(sim.cwd, 'custom.db')).toEqual([expect.stringMatching(/^628555:\d+@s\.whatsapp\.net$/)]);
    expect(existsSync(join(sim.cwd, 'storages/whatsapp.db'))).toBe(false);
  });
});
