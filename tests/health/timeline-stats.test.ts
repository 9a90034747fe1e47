import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, registerPaired } from '../helpers/messaging.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const PHONE = '5511940000001';

interface Entry {
  id: number;
  type: string;
  fromState: string | null;
  toState: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

/** The history behind the dashboard's number page: the state timeline and the charts. */
describe('timeline and stats of a number', () => {
  let gw: TestGateway;
  let tenant: string;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { RESOURCE_SAMPLE_INTERVAL: '200', SIM_ACK_DELAY_MS: '50' } });
    await registerPaired(gw, PHONE);
    await gw.request('POST', '/api/users', { body: { username: 'tenant', password: 'tenant-password' } });
    tenant = (await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'tenant', password: 'tenant-password' }, token: null })).body.token;
  });
  afterAll(() => gw.close());

  it('records a crash with its signal, the backoff and the restart, newest first, page by page', async () => {
    const pid = gw.gateway.supervisor.runner(PHONE)?.pid as number;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid) && gw.gateway.supervisor.runner(PHONE)?.state === 'running' && gw.gateway.supervisor.runner(PHONE)?.pid !== pid, { what: 'the restart' });
    const res = await gw.request<{ entries: Entry[]; hasMore: boolean }>('GET', `/api/devices/${PHONE}/timeline`);
    expect(res.status).toBe(200);
    const types = res.body.entries.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['ready', 'start']);
    expect(types.at(-1)).toBe('registered');
    // (On a loaded machine a start may fail once more before this one: the kill is the first crash.)
    const crashes = res.body.entries.filter((e) => e.type === 'crashed');
    expect(crashes.at(-1)).toMatchObject({ fromState: 'running', toState: 'backoff', detail: { exitCode: null, signal: 'SIGKILL', reason: expect.stringMatching(/^restart in \d+ ms$/) } });
    expect(res.body.entries.find((e) => e.type === 'session' && e.toState === 'logged_in')?.detail).toEqual({ jid: `${PHONE}@s.whatsapp.net` });
    const ids = res.body.entries.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const first = await gw.request<{ entries: Entry[]; hasMore: boolean }>('GET', `/api/devices/${PHONE}/timeline?limit=2`);
    expect(first.body.hasMore).toBe(true);
    const second = await gw.request<{ entries: Entry[]; hasMore: boolean }>('GET', `/api/devices/${PHONE}/timeline?limit=2&before=${first.body.entries[1]?.id}`);
    expect([...first.body.entries, ...second.body.entries].map((e) => e.id)).toEqual(ids.slice(0, 4));
  });

  it('keeps exit codes of a stop and of a crash with a code', async () => {
    await child(gw, PHONE).request('POST', '/_sim/crash', { body: { exit_code: 3 } }).catch(() => undefined);
    await waitFor(async () => (await gw.request<{ entries: Entry[] }>('GET', `/api/devices/${PHONE}/timeline?limit=5`)).body.entries.some((e) => e.type === 'crashed' && e.detail?.['exitCode'] === 3), { what: 'the crash with exit code 3' });
  });

  it('counts messages sent, delivered and received per minute, and samples RSS and CPU', async () => {
    await waitFor(() => gw.gateway.supervisor.runner(PHONE)?.session === 'logged_in', { what: 'logged in again' });
    const sent = await gw.request<{ id: string }>('POST', '/api/messages/send', { body: { from: PHONE, to: '5511988887777', message: 'hello' } });
    expect(sent.status).toBe(202);
    await waitFor(async () => ['delivered', 'read'].includes((await gw.request<{ status: string }>('GET', `/api/messages/${sent.body.id}`)).body.status), { what: 'delivered' });
    await child(gw, PHONE).request('POST', '/_sim/incoming', { body: { body: 'hi', count: 2 } });
    const stats = await waitFor(async () => {
      const res = await gw.request<{ resources: { rssBytes: number }[]; activity: { minute: string; sent: number; received: number }[]; totals: { sent: number; delivered: number; received: number; deliveryRate: number | null } }>('GET', `/api/devices/${PHONE}/stats?minutes=10`);
      return res.body.totals.received === 2 && res.body.resources.length > 0 ? res.body : null;
    }, { what: 'stats with the messages' });
    expect(stats.totals).toEqual({ sent: 1, delivered: 1, received: 2, deliveryRate: 1 });
    expect(stats.activity.every((m) => Date.parse(m.minute) % 60_000 === 0)).toBe(true);
    expect(stats.resources.some((r) => r.rssBytes > 1_000_000)).toBe(true);
  });

  it('shows a number to no one else', async () => {
    for (const path of ['timeline', 'stats']) {
      expect((await gw.request('GET', `/api/devices/${PHONE}/${path}`, { token: tenant })).status).toBe(404);
    }
    expect((await gw.request('GET', `/api/devices/${PHONE}/stats?minutes=0`)).status).toBe(400);
    expect((await gw.request('GET', `/api/devices/${PHONE}/timeline?before=x`)).status).toBe(400);
  });
});
