import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SupervisorEvents } from '../../src/supervisor/types.js';
import { registerRunning, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { isAlive, waitFor, waitForExit } from '../helpers/wait.js';

type StateEvent = SupervisorEvents['state'];

let gw: TestGateway;
const seen: StateEvent[] = [];
const exits: SupervisorEvents['exited'][] = [];

beforeAll(async () => {
  gw = await startTestGateway({ env: { RESTART_BASE_DELAY: '300', RESTART_MAX_DELAY: '5000', CRASH_LOOP_MAX: '3', HEALTH_CHECK_INTERVAL: '200', HEALTH_CHECK_FAILURES: '3' } });
  gw.gateway.supervisor.events.on('state', (e) => seen.push(e));
  gw.gateway.supervisor.events.on('exited', (e) => exits.push(e));
});
afterAll(async () => {
  await gw.close();
});

const register = (phone: string): Promise<number> => registerRunning(gw, phone);

function runner(phone: string) {
  const r = gw.gateway.supervisor.runner(phone);
  if (!r) throw new Error(`no runner for ${phone}`);
  return r;
}

/** Calls the stand-in's control API on the child (a hook the real binary does not have). */
async function control(phone: string, action: string, body: unknown = {}): Promise<void> {
  const client = runner(phone).client;
  if (!client) throw new Error('child not running');
  await client.request('POST', `/_sim/${action}`, { body }).catch(() => undefined);
}

/**
 * A positive barrier for "nothing happened": a separate number crashed twice and seen restarted twice has
 * waited out two backoff delays (base, then double), longer than any first restart of the number under test.
 */
async function outlastBackoff(metronome: string): Promise<void> {
  let pid = await register(metronome);
  for (let i = 0; i < 2; i++) {
    process.kill(pid, 'SIGKILL');
    pid = await waitForNewPid(metronome, pid);
  }
  await gw.request('DELETE', `/api/devices/${metronome}?purge=true`);
}

function backoffDelays(phone: string): number[] {
  return seen
    .filter((e) => e.phoneNumber === phone && e.to === 'backoff')
    .map((e) => Number(/restart in (\d+) ms/.exec(e.reason)?.[1]));
}

async function waitForNewPid(phone: string, old: number): Promise<number> {
  return waitFor(() => (runner(phone).state === 'running' && runner(phone).pid !== old ? runner(phone).pid : null), { what: `${phone} restarted` });
}

describe('crash detection and restart', () => {
  const PHONE = '5511910000001';

  it('restarts a child killed with SIGKILL, with a growing delay', async () => {
    let pid = await register(PHONE);
    for (let i = 0; i < 2; i++) {
      process.kill(pid, 'SIGKILL');
      pid = await waitForNewPid(PHONE, pid);
    }
    const delays = backoffDelays(PHONE);
    expect(delays).toHaveLength(2);
    // 300 ms ±20 % then 600 ms ±20 %.
    expect(delays[0]).toBeGreaterThanOrEqual(240);
    expect(delays[0]).toBeLessThanOrEqual(360);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
    const row = await gw.request<{ restartCount: number; lastExitSignal: string }>('GET', `/api/devices/${PHONE}`);
    expect(row.body).toMatchObject({ restartCount: 2, lastExitSignal: 'SIGKILL' });
    expect(exits.filter((e) => e.phoneNumber === PHONE && e.willRestart)).toHaveLength(2);
  });

  it('marks a crash loop as failed and stops restarting until a human restart', async () => {
    let pid = runner(PHONE).pid ?? -1;
    // Two crashes are already in the window; two more exceed CRASH_LOOP_MAX=3.
    process.kill(pid, 'SIGKILL');
    pid = await waitForNewPid(PHONE, pid);
    await control(PHONE, 'crash', { exit_code: 3 });
    await waitFor(() => runner(PHONE).state === 'failed', { what: 'failed state' });
    expect(isAlive(pid)).toBe(false);
    const row = await gw.request<{ state: string; lastExitCode: number; pid: number | null }>('GET', `/api/devices/${PHONE}`);
    expect(row.body).toMatchObject({ state: 'failed', lastExitCode: 3, pid: null });
    const restarted = await gw.request<{ state: string }>('POST', `/api/devices/${PHONE}/restart`);
    expect(restarted.body.state).toBe('running');
  });

  it("gives a number a fresh crash budget after a person's restart; automatic restarts keep counting", async () => {
    // Four crashes are in the window from the tests above: without a fresh budget, the next one would be "failed".
    let pid = runner(PHONE).pid ?? -1;
    const before = backoffDelays(PHONE).length;
    for (let crash = 1; crash <= 3; crash++) {
      process.kill(pid, 'SIGKILL');
      pid = await waitForNewPid(PHONE, pid);
    }
    // The backoff started again from the base delay (300 ms ±20 %).
    const delays = backoffDelays(PHONE).slice(before);
    expect(delays).toHaveLength(3);
    expect(delays[0]).toBeLessThanOrEqual(360);
    // The fourth crash since the restart exceeds CRASH_LOOP_MAX=3 again: the automatic restarts counted.
    process.kill(pid, 'SIGKILL');
    await waitFor(() => runner(PHONE).state === 'failed', { what: 'failed again after four crashes' });
    const started = await gw.request<{ state: string }>('POST', `/api/devices/${PHONE}/start`);
    expect(started.body.state).toBe('running');
    // A person's start gives a fresh budget too: one crash is restarted, not "failed".
    const afterStart = runner(PHONE).pid ?? -1;
    process.kill(afterStart, 'SIGKILL');
    await waitForNewPid(PHONE, afterStart);
  });
});

describe('exit 0 without a stop request', () => {
  it('is a session opened elsewhere: replaced, not restarted', async () => {
    const PHONE = '5511910000002';
    const pid = await register(PHONE);
    await control(PHONE, 'stream-replaced');
    await waitFor(() => runner(PHONE).state === 'replaced', { what: 'replaced state' });
    await waitForExit(pid);
    expect(exits.find((e) => e.phoneNumber === PHONE)).toMatchObject({ code: 0, willRestart: false, expected: false });
    await outlastBackoff('5511910000097');
    // Nothing started it again by itself, although any restart would have happened by now.
    const history = gw.gateway.database.sqlite.prepare("SELECT type FROM device_events WHERE phone_number = ? ORDER BY id").all(PHONE) as { type: string }[];
    expect(history.map((h) => h.type).slice(-1)).toEqual(['replaced']);
    expect(runner(PHONE).state).toBe('replaced');
  });
});

describe('a deliberate stop', () => {
  it('is never restarted', async () => {
    const PHONE = '5511910000003';
    const pid = await register(PHONE);
    await gw.request('POST', `/api/devices/${PHONE}/stop`);
    expect(isAlive(pid)).toBe(false);
    expect(exits.find((e) => e.phoneNumber === PHONE)).toMatchObject({ expected: true, willRestart: false });
    await outlastBackoff('5511910000098');
    expect(backoffDelays(PHONE)).toEqual([]);
    expect(runner(PHONE).state).toBe('stopped');
    expect(runner(PHONE).pid).toBeNull();
  });
});

describe('a hung child', () => {
  it('is killed after failing its health check N times in a row, then restarted', async () => {
    const PHONE = '5511910000004';
    const pid = await register(PHONE);
    await control(PHONE, 'hang');
    const next = await waitForNewPid(PHONE, pid);
    expect(isAlive(pid)).toBe(false);
    expect(next).not.toBe(pid);
    const notes = gw.gateway.database.sqlite.prepare("SELECT detail FROM device_events WHERE phone_number = ? AND type = 'unhealthy'").all(PHONE);
    expect(notes).toHaveLength(1);
  });
});

describe('one number never hurts another', () => {
  it('keeps a healthy number running while its neighbour crash-loops', async () => {
    const calm = '5511910000005';
    const wild = '5511910000006';
    const calmPid = await register(calm);
    let wildPid = await register(wild);
    for (let i = 0; i < 4 && runner(wild).state !== 'failed'; i++) {
      process.kill(wildPid, 'SIGKILL');
      const settled = await waitFor(() => (runner(wild).state === 'failed' || (runner(wild).state === 'running' && runner(wild).pid !== wildPid) ? runner(wild).state : null), { what: 'wild settled' });
      if (settled === 'running') wildPid = runner(wild).pid ?? -1;
    }
    expect(runner(wild).state).toBe('failed');
    expect(runner(calm).state).toBe('running');
    expect(runner(calm).pid).toBe(calmPid);
    const status = await gw.request<{ child: { device_id: string } }>('GET', `/api/devices/${calm}/status`);
    expect(status.body.child.device_id).toBe(calm);
  });
});
