import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiDevice, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { isAlive, waitFor, waitForExit } from '../helpers/wait.js';

let gw: TestGateway;
const PHONE = '5511900000001';

beforeAll(async () => {
  gw = await startTestGateway({ env: { MAX_PROCESSES: '2' } });
});
afterAll(async () => {
  await gw.close();
});

function dbRow(phone: string): Record<string, unknown> | undefined {
  return gw.gateway.database.sqlite.prepare('SELECT * FROM devices WHERE phone_number = ?').get(phone) as Record<string, unknown> | undefined;
}

describe('registering a number', () => {
  let device: ApiDevice;

  it('starts a real child on a port in range and writes its row', async () => {
    const res = await gw.request<ApiDevice>('POST', '/api/devices', { body: { phoneNumber: `+${PHONE}`, name: 'Support desk' } });
    expect(res.status).toBe(201);
    device = res.body;
    expect(device).toMatchObject({ phoneNumber: PHONE, state: 'running', desiredState: 'running' });
    expect(device.port).toBeGreaterThanOrEqual(gw.config.PROCESS_BASE_PORT);
    expect(device.port).toBeLessThanOrEqual(gw.config.PROCESS_MAX_PORT);
    expect(isAlive(device.pid ?? -1)).toBe(true);
    expect(dbRow(PHONE)).toMatchObject({ phone_number: PHONE, name: 'Support desk', state: 'running', port: device.port, pid: device.pid });
    expect(fs.existsSync(path.join(gw.config.paths.sessions, PHONE, 'storages'))).toBe(true);
  });

  it('gives the child one device slot named after the number, and reports its /app/status', async () => {
    const res = await gw.request<{ device: ApiDevice; child: { device_id: string; is_logged_in: boolean } }>('GET', `/api/devices/${PHONE}/status`);
    expect(res.status).toBe(200);
    expect(res.body.child).toMatchObject({ device_id: PHONE, is_logged_in: false });
    const slots = await gw.gateway.supervisor.runner(PHONE)?.client?.listDevices();
    expect(slots?.map((s) => s.id)).toEqual([PHONE]);
  });

  it('binds the child to loopback only, with credentials of its own', async () => {
    const open = await fetch(`http://127.0.0.1:${device.port}/app/status`);
    expect(open.status).toBe(401);
    const cmdline = fs.readFileSync(`/proc/${device.pid}/environ`, 'utf8').split('\0');
    expect(cmdline).toContain('APP_HOST=127.0.0.1');
    expect(cmdline.some((kv) => kv.startsWith('JWT_SECRET') || kv.startsWith('DEFAULT_ADMIN_PASS'))).toBe(false);
  });

  it('refuses a duplicate with 409', async () => {
    const res = await gw.request('POST', '/api/devices', { body: { phoneNumber: PHONE, name: 'again' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'DEVICE_EXISTS' } });
  });

  it('keeps the child output in the logs API', async () => {
    const res = await gw.request<{ lines: { stream: string; line: string }[] }>('GET', `/api/devices/${PHONE}/logs?lines=50`);
    expect(res.status).toBe(200);
    expect(res.body.lines.some((l) => l.stream === 'stdout' && l.line.includes('Server started on'))).toBe(true);
    expect(fs.readFileSync(path.join(gw.config.paths.sessions, PHONE, 'logs', 'process.log'), 'utf8')).toContain('Server started on');
    const bad = await gw.request('GET', `/api/devices/${PHONE}/logs?lines=-4`);
    expect(bad.status).toBe(400);
  });

  it('stops on request (process gone) and starts again on the same port', async () => {
    const pid = device.pid ?? -1;
    const stopped = await gw.request<ApiDevice>('POST', `/api/devices/${PHONE}/stop`);
    expect(stopped.body).toMatchObject({ state: 'stopped', desiredState: 'stopped', pid: null });
    expect(isAlive(pid)).toBe(false);
    const started = await gw.request<ApiDevice>('POST', `/api/devices/${PHONE}/start`);
    expect(started.body).toMatchObject({ state: 'running', port: device.port });
    expect(started.body.pid).not.toBe(pid);
    device = started.body;
  });

  it('restarts with a new process', async () => {
    const res = await gw.request<ApiDevice>('POST', `/api/devices/${PHONE}/restart`);
    expect(res.body.state).toBe('running');
    expect(res.body.pid).not.toBe(device.pid);
    expect(isAlive(device.pid ?? -1)).toBe(false);
    device = res.body;
  });

  it('enforces MAX_PROCESSES with a clear error and writes nothing', async () => {
    const second = await gw.request('POST', '/api/devices', { body: { phoneNumber: '5511900000002' } });
    expect(second.status).toBe(201);
    const third = await gw.request<{ error: { code: string; message: string } }>('POST', '/api/devices', { body: { phoneNumber: '5511900000003' } });
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: 'MAX_PROCESSES_REACHED' });
    expect(third.body.error.message).toMatch(/MAX_PROCESSES \(2\)/);
    expect(dbRow('5511900000003')).toBeUndefined();
    const parked = await gw.request('POST', '/api/devices', { body: { phoneNumber: '5511900000003', autoStart: false } });
    expect(parked.status).toBe(201);
    expect(parked.body).toMatchObject({ state: 'stopped' });
  });

  it('deletes: the child is stopped, the row gone, the folder set aside unless purge=true', async () => {
    const pid = device.pid ?? -1;
    const res = await gw.request('DELETE', `/api/devices/${PHONE}`);
    expect(res.body).toEqual({ deleted: true, purged: false });
    await waitForExit(pid);
    expect(dbRow(PHONE)).toBeUndefined();
    // Kept for an operator, but out of the way of whoever registers the number next.
    expect(fs.existsSync(path.join(gw.config.paths.sessions, PHONE))).toBe(false);
    const aside = fs.readdirSync(path.join(gw.config.paths.sessions, '.deleted'));
    expect(aside).toEqual([expect.stringMatching(new RegExp(`^${PHONE}-\\d+$`))]);
    expect(fs.existsSync(path.join(gw.config.paths.sessions, '.deleted', aside[0] ?? '', 'storages'))).toBe(true);

    // Running (a loaded machine may have restarted it meanwhile): its pid is the process the delete must stop.
    const other = await waitFor(async () => {
      const res = await gw.request<ApiDevice>('GET', '/api/devices/5511900000002');
      return res.body.state === 'running' && res.body.pid ? res : null;
    }, { what: '5511900000002 running' });
    const purged = await gw.request('DELETE', '/api/devices/5511900000002?purge=true');
    expect(purged.body).toEqual({ deleted: true, purged: true });
    expect(isAlive(other.body.pid ?? 0)).toBe(false);
    expect(fs.existsSync(path.join(gw.config.paths.sessions, '5511900000002'))).toBe(false);
    const list = await gw.request<{ total: number }>('GET', '/api/devices');
    expect(list.body.total).toBe(1);
    await waitFor(() => (gw.request('GET', `/api/devices/${PHONE}`).then((r) => r.status === 404)), { what: 'deleted device to 404' });
  });
});
