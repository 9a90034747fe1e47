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
