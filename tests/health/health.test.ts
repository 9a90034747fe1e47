import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const METRICS_TOKEN = 'metrics-token-for-tests-123';
let gw: TestGateway;
const UP = '5511950000001';
const BROKEN = '5511950000002';

beforeAll(async () => {
  gw = await startTestGateway({ env: { RESOURCE_SAMPLE_INTERVAL: '200', CRASH_LOOP_MAX: '1', METRICS_TOKEN, METRICS_ALLOW: '192.0.2.1' } });
  for (const phone of [UP, BROKEN]) expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: phone } })).status).toBe(201);
});
afterAll(async () => {
  await gw.close();
});

describe('health endpoints', () => {
  it('answers liveness without a token', async () => {
    const res = await gw.request('GET', '/api/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', version: 'test' });
  });

  it('reports database, disks, supervisor summary and versions', async () => {
    const res = await waitFor(async () => {
      const r = await gw.request<Record<string, unknown> & { version: { binary: string | null } }>('GET', '/api/health/detailed');
      return r.body.version.binary ? r : null;
    }, { what: 'binary version learnt from a child' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      problems: [],
      version: { gateway: 'test', binary: 'v9.2.0' },
      database: { ok: true },
      supervisor: { total: 2, byState: { running: 2, failed: 0 } },
    });
    expect(res.body['disks']).toMatchObject({ sessions: { freeBytes: expect.any(Number) }, data: { totalBytes: expect.any(Number) } });
  });

  it('gives each number its state, process figures and connection', async () => {
    const res = await waitFor(async () => {
      const r = await gw.request<{ devices: Record<string, unknown>[] }>('GET', '/api/health/devices');
      return r.body.devices.every((d) => typeof d['rssBytes'] === 'number' && d['connected'] === true) ? r : null;
    }, { what: 'resource samples' });
    const up = res.body.devices.find((d) => d['phoneNumber'] === UP);
    expect(up).toMatchObject({ state: 'running', restarts: 0, queueDepth: 0, connected: true, loggedIn: false, port: expect.any(Number), pid: expect.any(Number) });
    expect(up?.['rssBytes']).toBeGreaterThan(1024 * 1024);
    expect(typeof up?.['cpuPercent']).toBe('number');
  });

  it('reports host figures', async () => {
    const res = await gw.request<{ host: { cpus: number }; gateway: { eventLoopDelayMs: { p99: number } }; disks: unknown[] }>('GET', '/api/health/system');
    expect(res.status).toBe(200);
    expect(res.body.host.cpus).toBeGreaterThan(0);
    expect(typeof res.body.gateway.eventLoopDelayMs.p99).toBe('number');
    expect(res.body.disks.length).toBeGreaterThan(0);
  });

  it('answers 503 naming a number in a crash loop', async () => {
    const runner = gw.gateway.supervisor.runner(BROKEN);
    for (let i = 0; i < 2 && runner?.state !== 'failed'; i++) {
      const pid = runner?.pid;
      if (pid) process.kill(pid, 'SIGKILL');
      await waitFor(() => runner?.state === 'failed' || (runner?.state === 'running' && runner.pid !== pid), { what: 'crash handled' });
    }
    const res = await gw.request<{ status: string; problems: string[] }>('GET', '/api/health/detailed');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unhealthy');
    expect(res.body.problems.join('\n')).toContain(BROKEN);
  });
});

describe('/metrics', () => {
  it('refuses scrapers without the token or an allowed address', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(401);
  });

  it('exposes valid Prometheus text with per-number series', async () => {
    await gw.request('GET', '/api/devices');
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.]+(e[-+]?[0-9]+)?|NaN|[-+]Inf)( [0-9]+)?$/;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect([line, sample.test(line)]).toEqual([line, true]);
    }
    expect(text).toContain(`wa_device_up{phone="${UP}"} 1`);
    expect(text).toContain(`wa_device_state{phone="${BROKEN}",state="failed"} 1`);
    expect(text).toMatch(new RegExp(`wa_device_rss_bytes\\{phone="${UP}"\\} [1-9]`));
    expect(text).toContain(`wa_queue_depth{phone="${UP}"} 0`);
    expect(text).toMatch(/wa_http_request_duration_seconds_count\{method="GET",route="\/api\/devices",status="200"\} [1-9]/);
    expect(text).toContain('wa_gateway_process_resident_memory_bytes');
  });
});

describe('backlogs in health and metrics', () => {
  it('reports outbox counts and the delivery rate', async () => {
    const client = gw.gateway.supervisor.runner(UP)?.client;
    await client?.request('GET', '/app/login');
    await client?.request('POST', '/_sim/pair', { body: {} });
    await waitFor(() => gw.gateway.supervisor.runner(UP)?.session === 'logged_in', { what: 'logged in' });
    const sent = await gw.request<{ id: string }>('POST', '/api/messages/send', { body: { from: UP, to: '5511888888888', message: 'hello' } });
    expect(sent.status).toBe(202);
    await waitFor(async () => (await gw.request<{ status: string }>('GET', `/api/messages/${sent.body.id}`)).body.status === 'read', { what: 'message read' });
    const health = await gw.request<{ messages: { byStatus: Record<string, number>; deliveryRate: number } }>('GET', '/api/health/detailed');
    expect(health.body.messages).toMatchObject({ byStatus: { read: 1 }, deliveryRate: 1 });
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(text).toContain(`wa_messages{phone="${UP}",status="read"} 1`);
    expect(text).toContain(`wa_delivery_rate{phone="${UP}"} 1`);
  });

  it('names an endpoint with dead webhook deliveries and answers 503', async () => {
    const other = await startTestGateway({ env: { WEBHOOK_URL: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET: 'a-webhook-secret', WEBHOOK_RETRY_PERIOD: '300', WEBHOOK_RETRY_BASE_DELAY: '50', WEBHOOK_RETRY_MAX_DELAY: '100' } });
    try {
      await other.request('POST', '/api/devices', { body: { phoneNumber: '5511950000009', autoStart: false } });
      await other.request('POST', '/api/devices/5511950000009/start');
      const res = await waitFor(async () => {
        const r = await other.request<{ problems: string[]; webhooks: { totals: { dead: number } } }>('GET', '/api/health/detailed');
        return r.body.webhooks.totals.dead > 0 ? r : null;
      }, { what: 'a dead letter' });
      expect(res.status).toBe(503);
      expect(res.body.problems.join('\n')).toContain('dead deliveries to http://127.0.0.1:9/hook');
      const text = await (await fetch(`${other.url}/metrics`)).text();
      expect(text).toMatch(/wa_webhook_backlog\{endpoint="http:\/\/127\.0\.0\.1:9\/hook",state="dead"\} [1-9]/);
    } finally {
      await other.close();
    }
  });
});
