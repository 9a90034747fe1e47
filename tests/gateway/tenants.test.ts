import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

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
