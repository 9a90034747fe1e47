import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { registerRunning, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { isAlive } from '../helpers/wait.js';

let gw: TestGateway;

// Health checks are slow here so that only the stop escalation (SIGTERM → grace → SIGKILL) can end a hung child.
beforeAll(async () => {
  gw = await startTestGateway({ env: { HEALTH_CHECK_INTERVAL: '60000', PROCESS_STOP_GRACE: '1500' } });
});
afterAll(async () => {
  await gw.close();
});

const register = (phone: string): Promise<number> => registerRunning(gw, phone);

async function hang(phone: string): Promise<void> {
  await gw.gateway.supervisor.runner(phone)?.client?.request('POST', '/_sim/hang', { body: {} });
}

describe('stop escalation', () => {
  it('sends SIGKILL to a child that ignores SIGTERM once the grace period is over', async () => {
    const phone = '5511940000001';
    const pid = await register(phone);
    await hang(phone);
    const res = await gw.request<{ state: string; lastExitSignal: string | null }>('POST', `/api/devices/${phone}/stop`);
    expect(res.body).toMatchObject({ state: 'stopped', lastExitSignal: 'SIGKILL' });
    expect(isAlive(pid)).toBe(false);
  });
});

describe('per-number locks', () => {
  it('never lets one slow number hold up another', async () => {
    const slow = '5511940000002';
    const fast = '5511940000003';
    await register(slow);
    await hang(slow);
    const order: string[] = [];
    const stopping = gw.request('POST', `/api/devices/${slow}/stop`).then(() => order.push('slow stopped'));
    const registering = gw.request('POST', '/api/devices', { body: { phoneNumber: fast } }).then((r) => order.push(`fast ${r.status}`));
    await Promise.all([stopping, registering]);
    expect(order).toEqual(['fast 201', 'slow stopped']);
  });

  it('serialises concurrent start/stop/restart of one number: every call answers, one process at most', async () => {
    const phone = '5511940000004';
    await register(phone);
    const actions = ['restart', 'stop', 'start', 'restart', 'stop', 'start', 'restart'];
    const results = await Promise.all(actions.map((a) => gw.request<{ state: string; pid: number | null }>('POST', `/api/devices/${phone}/${a}`)));
    expect(results.map((r) => r.status)).toEqual(actions.map(() => 200));
    // Each answer reflects its own action completed, in submission order.
    expect(results.map((r) => r.body.state)).toEqual(['running', 'stopped', 'running', 'running', 'stopped', 'running', 'running']);
    const pids = new Set(results.map((r) => r.body.pid).filter((p): p is number => p !== null));
    const alive = [...pids].filter(isAlive);
    expect(alive).toEqual([gw.gateway.supervisor.runner(phone)?.pid]);
  });
});
