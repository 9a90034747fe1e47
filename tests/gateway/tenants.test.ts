import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

let gw: TestGateway;
let aliceToken: string;

beforeAll(async () => {
  gw = await startTestGateway();
  const created = await gw.request('POST', '/api/users', { body: { username: 'alice', password: 'alice-password' } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ username: 'alice', role: 'user' });
  aliceToken = ((await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'alice', password: 'alice-password' }, token: null })).body).token;
});
afterAll(async () => {
  await gw.close();
});

describe('accounts and device ownership', () => {
  it('lets only admins manage accounts', async () => {
    const res = await gw.request('POST', '/api/users', { body: { username: 'mallory', password: 'mallory-password' }, token: aliceToken });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const dup = await gw.request('POST', '/api/users', { body: { username: 'alice', password: 'another-password' } });
    expect(dup.status).toBe(409);
  });

  it("shows a user only their own numbers and hides others' as not found", async () => {
    await gw.request('POST', '/api/devices', { body: { phoneNumber: '5511930000001', autoStart: false } });
    const mine = await gw.request('POST', '/api/devices', { body: { phoneNumber: '5511930000002', autoStart: false }, token: aliceToken });
    expect(mine.status).toBe(201);
    const list = await gw.request<{ devices: { phoneNumber: string }[] }>('GET', '/api/devices', { token: aliceToken });
    expect(list.body.devices.map((d) => d.phoneNumber)).toEqual(['5511930000002']);
    const other = await gw.request('GET', '/api/devices/5511930000001', { token: aliceToken });
    expect(other.status).toBe(404);
    const stop = await gw.request('POST', '/api/devices/5511930000001/start', { token: aliceToken });
    expect(stop.status).toBe(404);
    const all = await gw.request<{ total: number }>('GET', '/api/devices');
    expect(all.body.total).toBe(2);
  });
});

describe('a number deleted and registered again by someone else', () => {
  it('inherits nothing: no WhatsApp session, no messages, no events', async () => {
    const phone = '5511930000009';
    await gw.request('POST', '/api/devices', { body: { phoneNumber: phone } });
    const client = gw.gateway.supervisor.runner(phone)?.client;
    await client?.request('GET', '/app/login');
    await client?.request('POST', '/_sim/pair', { body: {} });
    await waitFor(() => gw.gateway.supervisor.runner(phone)?.session === 'logged_in', { what: 'logged in' });
    const sent = await gw.request<{ id: string }>('POST', '/api/messages/send', { body: { from: phone, to: '5511888888888', message: 'private' } });
    await waitFor(async () => (await gw.request<{ status: string }>('GET', `/api/messages/${sent.body.id}`)).body.status !== 'queued', { what: 'sent' });
    expect((await gw.request('DELETE', `/api/devices/${phone}`)).status).toBe(200);

    const mine = await gw.request('POST', '/api/devices', { body: { phoneNumber: phone }, token: aliceToken });
    expect(mine.status).toBe(201);
    const status = await gw.request<{ child: { is_logged_in: boolean; jid?: string } }>('GET', `/api/devices/${phone}/status`, { token: aliceToken });
    expect(status.body.child).toMatchObject({ is_logged_in: false });
    expect(status.body.child.jid ?? '').toBe('');
    expect((await gw.request('GET', `/api/messages/${sent.body.id}`, { token: aliceToken })).status).toBe(404);
    expect((await gw.request<{ total: number }>('GET', `/api/messages?from=${phone}`, { token: aliceToken })).body.total).toBe(0);
    const history = await gw.request<{ events: { seq: number }[] }>('GET', `/api/devices/${phone}/events?since=0`, { token: aliceToken });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain('private');
    expect(JSON.stringify(history.body)).not.toContain('"to":"logged_in"');
    expect(history.body.events[0]).toMatchObject({ seq: 1 });
  });
});

describe('webhook targets', () => {
  it("refuses a tenant's webhook aimed at the gateway's own network; admins may", async () => {
    for (const url of ['http://127.0.0.1:3000/internal/webhooks/1', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://localhost:8000/app/status', 'http://10.0.0.5/hook']) {
      const created = await gw.request<{ error: { code: string; fields: { field: string }[] } }>('POST', '/api/devices', { body: { phoneNumber: '5511930000011', autoStart: false, webhookUrl: url }, token: aliceToken });
      expect([url, created.status]).toEqual([url, 400]);
      expect(created.body.error.fields.map((f) => f.field)).toEqual(['webhookUrl']);
    }
    const mine = await gw.request('POST', '/api/devices', { body: { phoneNumber: '5511930000011', autoStart: false, webhookUrl: 'https://hooks.example.com/wa' }, token: aliceToken });
    expect(mine.status).toBe(201);
    const patched = await gw.request('PATCH', '/api/devices/5511930000011', { body: { webhookUrl: 'http://192.168.1.10/hook' }, token: aliceToken });
    expect(patched.status).toBe(400);
    const byAdmin = await gw.request('PATCH', '/api/devices/5511930000011', { body: { webhookUrl: 'http://127.0.0.1:9/hook' } });
    expect(byAdmin.status).toBe(200);
  });
});
