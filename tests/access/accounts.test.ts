import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUser, grant, login } from '../helpers/access.js';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const PHONE = '5511970000001';

describe('accounts', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { LOGIN_MAX_FAILURES_PER_USER: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '8' } });
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: PHONE, autoStart: false } })).status).toBe(201);
  });
  afterAll(async () => {
    await gw.close();
  });

  it('changes its own password with the current one; every old token ends and the answer carries a new one', async () => {
    const user = await createUser(gw, 'pat');
    const wrong = await gw.request<{ error: { fields: { field: string }[] } }>('POST', '/api/auth/password', { body: { currentPassword: 'not-it', newPassword: 'brand-new-password' }, token: user.token });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields.map((f) => f.field)).toEqual(['currentPassword']);
    const changed = await gw.request<{ token: string }>('POST', '/api/auth/password', { body: { currentPassword: user.password, newPassword: 'brand-new-password' }, token: user.token });
    expect(changed.status).toBe(200);
    expect((await gw.request('GET', '/api/access', { token: user.token })).status).toBe(401);
    expect((await gw.request('GET', '/api/access', { token: changed.body.token })).status).toBe(200);
    expect((await gw.request('POST', '/api/auth/login', { body: { username: 'pat', password: user.password }, token: null })).status).toBe(401);
    await login(gw, 'pat', 'brand-new-password');
  });

  it('lets an admin reset a password (ending the user’s tokens), and nobody else', async () => {
    const user = await createUser(gw, 'rita');
    expect((await gw.request('POST', `/api/users/${user.id}/password`, { body: { password: 'set-by-someone' }, token: user.token })).status).toBe(403);
    expect((await gw.request('POST', `/api/users/${user.id}/password`, { body: { password: 'set-by-the-admin' } })).status).toBe(200);
    expect((await gw.request('GET', '/api/access', { token: user.token })).status).toBe(401);
    await login(gw, 'rita', 'set-by-the-admin');
    expect((await gw.request('POST', '/api/users/999999/password', { body: { password: 'whatever-long' } })).status).toBe(404);
  });

  it('never disables or demotes the last enabled admin', async () => {
    const admins = await gw.request<{ users: { id: number; role: string }[] }>('GET', '/api/users');
    const admin = admins.body.users.find((u) => u.role === 'admin');
    const res = await gw.request<{ error: { code: string } }>('PATCH', `/api/users/${admin?.id}`, { body: { disabled: true } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('LAST_ADMIN');
    expect((await gw.request('PATCH', `/api/users/${admin?.id}`, { body: { role: 'user' } })).status).toBe(409);
    expect((await gw.request('GET', '/api/users')).status).toBe(200);
  });

  it('lists a user’s sign-in sessions and revokes them with every token', async () => {
    const user = await createUser(gw, 'sam');
    const signIn = await fetch(`${gw.url}/api/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dashboard-request': '1', 'user-agent': 'test-browser' }, body: JSON.stringify({ username: 'sam', password: user.password }) });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const sessionToken = ((await signIn.json()) as { token: string }).token;
    const sessions = await gw.request<{ sessions: { userAgent: string }[] }>('GET', `/api/users/${user.id}/sessions`);
    expect(sessions.body.sessions).toEqual([expect.objectContaining({ userAgent: 'test-browser' })]);
    const own = await gw.request<{ sessions: unknown[] }>('GET', '/api/auth/sessions', { token: sessionToken });
    expect(own.body.sessions).toHaveLength(1);
    expect((await gw.request('DELETE', `/api/users/${user.id}/sessions`)).status).toBe(200);
    for (const token of [user.token, sessionToken]) expect((await gw.request('GET', '/api/access', { token })).status).toBe(401);
    const refresh = await fetch(`${gw.url}/api/auth/refresh`, { method: 'POST', headers: { cookie, 'x-dashboard-request': '1' } });
    expect(refresh.status).toBe(401);
    expect((await gw.request<{ sessions: unknown[] }>('GET', `/api/users/${user.id}/sessions`)).body.sessions).toEqual([]);
  });

  it('throttles failed logins per user name (429 + Retry-After), even with the right password, without telling who exists', async () => {
    await createUser(gw, 'tom');
    for (const username of ['tom', 'nobody-by-this-name']) {
      for (let i = 0; i < 3; i++) expect((await gw.request('POST', '/api/auth/login', { body: { username, password: 'wrong-wrong' }, token: null })).status).toBe(401);
      const locked = await gw.request<{ error: { code: string } }>('POST', '/api/auth/login', { body: { username, password: 'tom-password-123' }, token: null });
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('RATE_LIMITED');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    }
    // Another user name from the same address still gets through (until the address limit).
    expect((await gw.request('POST', '/api/auth/login', { body: ADMIN, token: null })).status).toBe(200);
  });

  it('throttles failed logins per client address across user names', async () => {
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++) {
      status = (await gw.request('POST', '/api/auth/login', { body: { username: `spray-${i}`, password: 'wrong-wrong' }, token: null })).status;
    }
    expect(status).toBe(429);
    const admin = await gw.request('POST', '/api/auth/login', { body: ADMIN, token: null });
    expect(admin.status).toBe(429);
    expect(admin.headers.get('retry-after')).toMatch(/^[0-9]+$/);
  });
});

describe('grants', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('are set by the number’s manager; an unknown user or number is a 404; a viewer only reads', async () => {
    const owner = await createUser(gw, 'owner');
    const agent = await createUser(gw, 'agent');
    const viewer = await createUser(gw, 'viewer', 'viewer');
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: PHONE, autoStart: false }, token: owner.token })).status).toBe(201);
    expect((await gw.request('PUT', `/api/devices/${PHONE}/grants/999999`, { body: { level: 'read' }, token: owner.token })).status).toBe(404);
    expect((await gw.request('PUT', `/api/devices/5511970009999/grants/${agent.id}`, { body: { level: 'read' }, token: owner.token })).status).toBe(404);
    expect((await gw.request('PUT', `/api/devices/${PHONE}/grants/${agent.id}`, { body: { level: 'read' }, token: agent.token })).status).toBe(404);
    await grant(gw, PHONE, agent.id, 'agent', owner.token);
    // An agent may send, not stop, and not share the number further.
    expect((await gw.request('POST', '/api/messages/send', { body: { from: PHONE, to: '5511888888888', message: 'hi' }, token: agent.token })).status).toBe(202);
    const stop = await gw.request<{ error: { message: string } }>('POST', `/api/devices/${PHONE}/stop`, { token: agent.token });
    expect(stop.status).toBe(403);
    expect(stop.body.error.message).toMatch(/needs the operator level; you have agent/);
    expect((await gw.request('PUT', `/api/devices/${PHONE}/grants/${viewer.id}`, { body: { level: 'read' }, token: agent.token })).status).toBe(403);
    await grant(gw, PHONE, viewer.id, 'manager', owner.token);
    const access = await gw.request<{ numbers: { phoneNumber: string; level: string }[]; scopes: string[] }>('GET', '/api/access', { token: viewer.token });
    expect(access.body.numbers).toEqual([{ phoneNumber: PHONE, level: 'read' }]);
    expect(access.body.scopes).not.toContain('messages:send');
    const listed = await gw.request<{ grants: { username: string; level: string }[] }>('GET', `/api/devices/${PHONE}/grants`, { token: owner.token });
    expect(listed.body.grants.map((g) => [g.username, g.level])).toEqual([
      ['agent', 'agent'],
      ['viewer', 'manager'],
    ]);
  });

  it('can name the user by user name (a manager knows people, not ids): same rules, same 404s', async () => {
    const owner = await createUser(gw, 'name-owner');
    const helper = await createUser(gw, 'name-helper');
    const phone = '5511970000003';
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: phone, autoStart: false }, token: owner.token })).status).toBe(201);
    const set = await gw.request<{ userId: number; username: string; level: string }>('POST', `/api/devices/${phone}/grants`, { body: { username: 'name-helper', level: 'operator' }, token: owner.token });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ userId: helper.id, username: 'name-helper', level: 'operator' });
    expect((await gw.request<{ numbers: unknown[] }>('GET', '/api/access', { token: helper.token })).body.numbers).toEqual([{ phoneNumber: phone, level: 'operator' }]);
    const unknown = await gw.request<{ error: { code: string } }>('POST', `/api/devices/${phone}/grants`, { body: { username: 'nobody-here', level: 'read' }, token: owner.token });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    const self = await gw.request<{ error: { fields: { field: string }[] } }>('POST', `/api/devices/${phone}/grants`, { body: { username: 'name-owner', level: 'read' }, token: owner.token });
    expect([self.status, self.body.error.fields[0]?.field]).toEqual([400, 'username']);
    // Someone who does not manage the number learns nothing about it.
    expect((await gw.request('POST', `/api/devices/${phone}/grants`, { body: { username: 'name-owner', level: 'read' }, token: helper.token })).status).toBe(403);
  });

  it('go with the number: whoever registers it next shares it with nobody', async () => {
    const owner = await createUser(gw, 'first-owner');
    const friend = await createUser(gw, 'friend');
    const phone = '5511970000002';
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: phone, autoStart: false }, token: owner.token })).status).toBe(201);
    await grant(gw, phone, friend.id, 'read', owner.token);
    expect((await gw.request('GET', `/api/devices/${phone}`, { token: friend.token })).status).toBe(200);
    expect((await gw.request('DELETE', `/api/devices/${phone}`, { token: owner.token })).status).toBe(200);
    expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: phone, autoStart: false } })).status).toBe(201);
    expect((await gw.request('GET', `/api/devices/${phone}`, { token: friend.token })).status).toBe(404);
    expect((await gw.request<{ devices: unknown[] }>('GET', '/api/devices', { token: friend.token })).body.devices).toEqual([]);
    expect(gw.gateway.database.sqlite.prepare('SELECT count(*) AS n FROM number_grants WHERE phone_number = ?').get(phone)).toEqual({ n: 0 });
  });
});

describe('production mode', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({
      env: { NODE_ENV: 'production', DEFAULT_ADMIN_PASS: 'correct-horse-battery', API_KEY_PEPPER: 'p'.repeat(12) + 'e'.repeat(12) + 'q'.repeat(12), SECRETS_ENCRYPTION_KEY: 's'.repeat(20) + 'k'.repeat(20) },
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('enforces the password policy on new accounts and changes', async () => {
    const login = await gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'admin', password: 'correct-horse-battery' }, token: null });
    const token = login.body.token;
    for (const [password, why] of [
      ['short-one', /at least 12/],
      ['the-zoe-password', /user name/],
      ['password1234', /default/],
    ] as const) {
      const res = await gw.request<{ error: { fields: { field: string; message: string }[] } }>('POST', '/api/users', { body: { username: 'zoe', password }, token });
      expect([password, res.status]).toEqual([password, 400]);
      expect(res.body.error.fields[0]?.message).toMatch(why);
    }
    expect((await gw.request('POST', '/api/users', { body: { username: 'zoe', password: 'correct horse battery staple' }, token })).status).toBe(201);
    const key = await gw.request<{ key: string }>('POST', '/api/keys', { body: { name: 'live', scopes: ['numbers:read'] }, token });
    expect(key.body.key).toMatch(/^wmg_live_/);
  });
});
