import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { registerPaired, simSent } from '../helpers/messaging.js';

const PHONE = '5511992000001';
const LIMITED = '5511992000002';

interface ErrorBody {
  error: { code: string; message: string; [key: string]: unknown };
}

/**
 * /proxy/* runs on its own chain beside Express (src/http/server.ts). What Express used to give it for free must
 * still hold there: the error envelope, the shared rate limit, case-insensitive mounting, streamed bodies of any
 * size and shape, metrics, and WebSocket upgrades left to the WebSocket proxy.
 */
describe('/proxy/*: the lean chain', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { QUEUE_INTERVAL: '0' } });
    await registerPaired(gw, PHONE);
  });
  afterAll(() => gw.close());

  it('refuses a missing or bad token with the gateway error envelope, before anything reaches a child', async () => {
    for (const token of [null, 'not-a-token', `${await gw.token()}x`]) {
      const res = await gw.request<ErrorBody>('GET', `/proxy/whatsapp/${PHONE}/app/status`, { token });
      expect({ token, status: res.status, type: res.headers.get('content-type'), body: res.body }).toEqual({
        token,
        status: 401,
        type: 'application/json; charset=utf-8',
        body: { error: { code: 'UNAUTHORIZED', message: expect.any(String) } },
      });
    }
    // Another path under /proxy: refused without a token, unknown with one.
    expect((await gw.request('GET', '/proxy/other', { token: null })).status).toBe(401);
    const unknown = await gw.request<ErrorBody>('GET', '/proxy/other/thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'NOT_FOUND', message: 'no route for GET /proxy/other/thing' });
  });

  it('answers forbidden and unknown targets in the same envelope', async () => {
    const managed = await gw.request<ErrorBody>('POST', `/proxy/whatsapp/${PHONE}/devices`, { body: { device_id: 'intruder' } });
    expect(managed.status).toBe(403);
    expect(managed.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(managed.body.error).toMatchObject({ code: 'FORBIDDEN', path: '/devices' });
    const unknown = await gw.request<ErrorBody>('GET', '/proxy/whatsapp/5511992009999/app/status');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('DEVICE_NOT_FOUND');
  });

  it('matches /proxy without regard to case, as the Express mount did', async () => {
    const res = await gw.request<{ code: string; results: { device_id: string } }>('GET', `/PROXY/WhatsApp/${PHONE}/app/status`);
    expect(res.status).toBe(200);
    expect(res.body.results.device_id).toBe(PHONE);
  });

  it('streams request bodies through untouched: larger than the API JSON limit, and chunked', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const large = await gw.request<{ code: string }>('POST', `/proxy/whatsapp/${PHONE}/send/message`, { body: { phone: '5511888885000', message: big } });
    expect(large.status).toBe(200);
    const encoder = new TextEncoder();
    const parts = ['{"phone":"5511888885001",', '"message":"sent in ', 'three chunks"}'];
    const chunked = await fetch(`${gw.url}/proxy/whatsapp/${PHONE}/send/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gw.token()}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(encoder.encode(part));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    const sent = await simSent(gw, PHONE);
    expect(sent.find((e) => e.phone.startsWith('5511888885000'))?.message).toHaveLength(big.length);
    expect(sent.find((e) => e.phone.startsWith('5511888885001'))?.message).toBe('sent in three chunks');
  });

  it('times proxied calls under the /proxy/* route in /metrics', async () => {
    expect((await gw.request('GET', `/proxy/whatsapp/${PHONE}/app/status`)).status).toBe(200);
    const metrics = await gw.request<string>('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/wa_http_request_duration_seconds_count\{method="GET",route="\/proxy\/\*",status="200"\} [1-9]/);
    expect(metrics.body).toMatch(/wa_http_request_duration_seconds_count\{method="GET",route="\/proxy\/\*",status="401"\} [1-9]/);
  });

  it('leaves WebSocket upgrades to the WebSocket proxy', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws?token=${await gw.token()}`);
    try {
      const frame = await new Promise<{ code: string }>((resolve, reject) => {
        ws.once('open', () => ws.send(JSON.stringify({ code: 'FETCH_DEVICES' })));
        ws.once('message', (data) => resolve(JSON.parse(String(data)) as { code: string }));
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      });
      expect(frame.code).toBe('LIST_DEVICES');
    } finally {
      ws.terminate();
    }
  });
});

describe('/proxy/*: rate limit', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { API_RATE_LIMIT: '12' } });
    await registerPaired(gw, LIMITED);
  });
  afterAll(() => gw.close());

  it('counts proxied calls and API calls against one limit per client, and answers 429 RATE_LIMITED with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestGateway['request']>> | null = null;
    for (let i = 0; i < 12; i++) {
      last = await gw.request<ErrorBody>('GET', `/proxy/whatsapp/${LIMITED}/app/status`);
      statuses.push(last.status);
    }
    // The login and the registration took two of the twelve.
    expect(statuses.slice(0, 10)).toEqual(new Array<number>(10).fill(200));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(last?.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.headers.get('ratelimit')).toMatch(/^"12-in-1min"; r=0; t=\d+$/);
    expect(last?.headers.get('ratelimit-policy')).toMatch(/^"12-in-1min"; q=12; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    // The same count for /api: this client is over its limit there too.
    expect((await gw.request('GET', '/api/devices')).status).toBe(429);
  });
});
