import fs from 'node:fs';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows, createKey, createUser, lastAuditId, type TestUser } from '../helpers/access.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const MINE = '5511950000001';
const OTHER = '5511950000002';
const UNAUTHORIZED = { error: { code: 'UNAUTHORIZED', message: 'missing, invalid or expired credentials' } };

let gw: TestGateway;
let alice: TestUser;
let bob: TestUser;

function keyCount(): number {
  return (gw.gateway.database.sqlite.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
}

beforeAll(async () => {
  gw = await startTestGateway({ env: { API_KEY_MAX_TTL_DAYS: '30' } });
  alice = await createUser(gw, 'alice');
  bob = await createUser(gw, 'bob');
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: MINE, autoStart: false }, token: alice.token })).status).toBe(201);
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: OTHER, autoStart: false }, token: bob.token })).status).toBe(201);
});
afterAll(async () => {
  await gw.close();
});

describe('creating a key', () => {
  it('shows the secret once, stores only its HMAC, and lists a prefix and the last characters', async () => {
    const before = lastAuditId(gw);
    const created = await gw.request<{ id: string; key: string; prefix: string; lastFour: string; hint: string; scopes: string[]; numbers: unknown; expiresAt: string }>('POST', '/api/keys', {
      body: { name: 'crm', preset: 'integration-send', numbers: [MINE], expiresInDays: 10 },
      token: alice.token,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { key, id } = created.body;
    expect(key).toMatch(new RegExp(`^wmg_test_${id}_[A-Za-z0-9]{43}$`));
    expect(created.body).toMatchObject({ prefix: `wmg_test_${id}`, lastFour: key.slice(-4), hint: `wmg_test_${id}_…${key.slice(-4)}`, scopes: ['numbers:read', 'messages:send', 'messages:read'], numbers: [MINE] });
    const secret = key.split('_')[3] ?? '';
    const listed = await gw.request('GET', '/api/keys', { token: alice.token });
    const one = await gw.request('GET', `/api/keys/${id}`, { token: alice.token });
    for (const answer of [listed, one]) expect(JSON.stringify(answer.body)).not.toContain(secret);
    const row = gw.gateway.database.sqlite.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown>;
    expect(row['secret_hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);
    const audit = auditRows(gw, before).filter((r) => r.action === 'key.create');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ result: 'ok', target_id: id, http_status: 201, actor_id: alice.id });
    expect(JSON.stringify(auditRows(gw))).not.toContain(secret);
    // The database file itself never holds the secret (WAL included).
    gw.gateway.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(fs.readFileSync(gw.config.paths.database).includes(Buffer.from(secret))).toBe(false);
  });

  it('works as Authorization: Bearer, within its scopes and numbers', async () => {
    const { key } = await createKey(gw, alice.token, { preset: 'integration-send', numbers: [MINE] });
    const list = await gw.request<{ devices: { phoneNumber: string }[] }>('GET', '/api/devices', { token: key });
    expect(list.status).toBe(200);
    expect(list.body.devices.map((d) => d.phoneNumber)).toEqual([MINE]);
    const sent = await gw.request('POST', '/api/messages/send', { body: { from: MINE, to: '5511888888888', message: 'hi' }, token: key });
    expect(sent.status).toBe(202);
    const outside = await gw.request<{ error: { code: string; message: string; missingScope: string } }>('POST', `/api/devices/${MINE}/stop`, { token: key });
    expect(outside.status).toBe(403);
    expect(outside.body.error).toMatchObject({ code: 'FORBIDDEN', missingScope: 'numbers:control' });
    expect(outside.body.error.message).toContain('numbers:control');
    expect((await gw.request('GET', `/api/devices/${OTHER}`, { token: key })).status).toBe(404);
  });

  it('refuses a key wider than its owner or its maker, and writes nothing', async () => {
    const count = keyCount();
    const cases: [string, Record<string, unknown>, string | undefined, number, string?][] = [
      ['a scope the role lacks', { scopes: ['users:manage'] }, alice.token, 403, 'users:manage'],
      ["another user's number", { preset: 'read-only', numbers: [OTHER] }, alice.token, 404],
      ['a key for another user, by a non-admin', { preset: 'read-only', ownerId: bob.id }, alice.token, 403],
      ["an admin scope for a user's key", { scopes: ['system:admin'], ownerId: bob.id }, undefined, 403, 'system:admin'],
      ['account (people only)', { scopes: ['account'] }, alice.token, 400],
      ['no scope at all', { numbers: '*' }, alice.token, 400],
      ['no expiry for a non-admin', { preset: 'read-only', expiresInDays: undefined }, alice.token, 400],
      ['an expiry beyond API_KEY_MAX_TTL_DAYS', { preset: 'read-only', expiresInDays: 31 }, alice.token, 400],
      ['an expiry in the past', { preset: 'read-only', expiresInDays: undefined, expiresAt: '2001-01-01T00:00:00Z' }, alice.token, 400],
      ['a bad address range', { preset: 'read-only', allowedCidrs: ['10.0.0.0/99'] }, alice.token, 400],
    ];
    for (const [label, body, token, status, scope] of cases) {
      const res = await gw.request<{ error: { missingScope?: string } }>('POST', '/api/keys', { body: { name: label, expiresInDays: 10, ...body }, ...(token ? { token } : {}) });
      expect([label, res.status]).toEqual([label, status]);
      if (scope) expect(res.body.error.missingScope).toBe(scope);
    }
    expect(keyCount()).toBe(count);
  });

  it('lets a key make keys only within itself', async () => {
    const maker = await createKey(gw, alice.token, { scopes: ['keys:manage', 'numbers:read'], numbers: [MINE] });
    const narrower = await gw.request('POST', '/api/keys', { body: { name: 'child', scopes: ['numbers:read'], numbers: [MINE], expiresInDays: 5 }, token: maker.key });
    expect(narrower.status).toBe(201);
    const wider = await gw.request<{ error: { missingScope: string } }>('POST', '/api/keys', { body: { name: 'child', scopes: ['messages:send'], numbers: [MINE], expiresInDays: 5 }, token: maker.key });
    expect(wider.status).toBe(403);
    expect(wider.body.error.missingScope).toBe('messages:send');
    const everyNumber = await gw.request('POST', '/api/keys', { body: { name: 'child', scopes: ['numbers:read'], numbers: '*', expiresInDays: 5 }, token: maker.key });
    expect(everyNumber.status).toBe(403);
  });

  it('lets admins make keys without expiry, and for other users within their role', async () => {
    const forever = await gw.request<{ expiresAt: string | null }>('POST', '/api/keys', { body: { name: 'ops', scopes: ['system:admin'] } });
    expect(forever.status).toBe(201);
    expect(forever.body.expiresAt).toBeNull();
    const forBob = await gw.request<{ ownerId: number; owner: string }>('POST', '/api/keys', { body: { name: 'bob', preset: 'read-only', ownerId: bob.id, expiresInDays: 5 } });
    expect(forBob.body).toMatchObject({ ownerId: bob.id, owner: 'bob' });
    // A user sees only its own keys; an admin sees them all.
    const bobs = await gw.request<{ keys: { ownerId: number }[] }>('GET', '/api/keys', { token: bob.token });
    expect(new Set(bobs.body.keys.map((k) => k.ownerId))).toEqual(new Set([bob.id]));
    const all = await gw.request<{ keys: { ownerId: number }[] }>('GET', '/api/keys');
    expect(new Set(all.body.keys.map((k) => k.ownerId))).toEqual(new Set([1, alice.id, bob.id]));
    expect((await gw.request('GET', `/api/keys/${(await createKey(gw, alice.token, { preset: 'read-only' })).id}`, { token: bob.token })).status).toBe(404);
  });
});

describe('bad credentials', () => {
  it('answer 401 with the same body, whatever is wrong', async () => {
    const good = await createKey(gw, alice.token, { preset: 'read-only' });
    const [, env, id, secret] = good.key.split('_');
    const revoked = await createKey(gw, alice.token, { preset: 'read-only' });
    expect((await gw.request('DELETE', `/api/keys/${revoked.id}`, { token: alice.token })).status).toBe(200);
    const expiring = await createKey(gw, undefined, { preset: 'read-only', expiresInDays: undefined, expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await gw.request('GET', '/api/devices', { token: expiring.key })).status).toBe(200);
    await waitFor(async () => (await gw.request('GET', '/api/devices', { token: expiring.key })).status === 401, { what: 'the key to expire', timeoutMs: 5000 });
    const candidates: Record<string, string> = {
      'an unknown key id': `wmg_${env}_aaaaaaaa_${secret}`,
      'a wrong secret of a real key': `wmg_${env}_${id}_${'A'.repeat(43)}`,
      'the wrong environment': `wmg_live_${id}_${secret}`,
      'a truncated key': good.key.slice(0, -1),
      'a revoked key': revoked.key,
      'an expired key': expiring.key,
      'a JWT signed with another secret': jwt.sign({ sub: '1', username: 'admin', role: 'admin', gen: 0 }, 'another-secret-another-secret-123', { algorithm: 'HS256', expiresIn: 60 }),
      garbage: 'not-a-credential',
    };
    for (const [label, token] of Object.entries(candidates)) {
      const res = await gw.request('GET', '/api/devices', { token });
      expect([label, res.status, res.body]).toEqual([label, 401, UNAUTHORIZED]);
    }
    expect((await gw.request('GET', `/api/devices?token=${good.key}`, { token: null })).status).toBe(401);
  });

  it('refuses a key from an address outside its allow-list, and of a disabled owner', async () => {
    const outside = await createKey(gw, alice.token, { preset: 'read-only', allowedCidrs: ['203.0.113.0/24'] });
    expect(await gw.request('GET', '/api/devices', { token: outside.key })).toMatchObject({ status: 401, body: UNAUTHORIZED });
    const inside = await createKey(gw, alice.token, { preset: 'read-only', allowedCidrs: ['127.0.0.0/8', '::1/128'] });
    expect((await gw.request('GET', '/api/devices', { token: inside.key })).status).toBe(200);
    const carol = await createUser(gw, 'carol');
    const carols = await createKey(gw, carol.token, { preset: 'read-only' });
    expect((await gw.request('PATCH', `/api/users/${carol.id}`, { body: { disabled: true } })).status).toBe(200);
    expect(await gw.request('GET', '/api/devices', { token: carols.key })).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect((await gw.request('PATCH', `/api/users/${carol.id}`, { body: { disabled: false } })).status).toBe(200);
    expect((await gw.request('GET', '/api/devices', { token: carols.key })).status).toBe(200);
  });
});

describe('changing a key', () => {
  it('narrows scopes from the next request, and records last use', async () => {
    const key = await createKey(gw, alice.token, { preset: 'inbox-agent', numbers: [MINE] });
    expect((await gw.request('GET', `/api/messages?from=${MINE}`, { token: key.key })).status).toBe(200);
    const patched = await gw.request<{ scopes: string[]; lastUsedAt: string; lastUsedIp: string }>('PATCH', `/api/keys/${key.id}`, { body: { scopes: ['numbers:read'] }, token: alice.token });
    expect(patched.status).toBe(200);
    expect(patched.body.scopes).toEqual(['numbers:read']);
    expect(patched.body.lastUsedAt).not.toBeNull();
    expect(patched.body.lastUsedIp).toMatch(/127\.0\.0\.1/);
    const refused = await gw.request<{ error: { missingScope: string } }>('GET', `/api/messages?from=${MINE}`, { token: key.key });
    expect(refused.status).toBe(403);
    expect(refused.body.error.missingScope).toBe('messages:read');
  });

  it('rotates: the new secret works at once, the old one for its grace period only', async () => {
    const key = await createKey(gw, alice.token, { preset: 'read-only' });
    const rotated = await gw.request<{ key: string; previousSecretValidUntil: string }>('POST', `/api/keys/${key.id}/rotate`, { body: { graceSeconds: 2 }, token: alice.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).not.toBe(key.key);
    expect(rotated.body.key.startsWith(`wmg_test_${key.id}_`)).toBe(true);
    expect(Date.parse(rotated.body.previousSecretValidUntil)).toBeGreaterThan(Date.now());
    expect((await gw.request('GET', '/api/devices', { token: rotated.body.key })).status).toBe(200);
    expect((await gw.request('GET', '/api/devices', { token: key.key })).status).toBe(200);
    await waitFor(async () => (await gw.request('GET', '/api/devices', { token: key.key })).status === 401, { what: 'the grace period to end', timeoutMs: 6000 });
    expect((await gw.request('GET', '/api/devices', { token: rotated.body.key })).status).toBe(200);
    const again = await gw.request<{ key: string }>('POST', `/api/keys/${key.id}/rotate`, { body: { graceSeconds: 0 }, token: alice.token });
    expect((await gw.request('GET', '/api/devices', { token: rotated.body.key })).status).toBe(401);
    expect((await gw.request('GET', '/api/devices', { token: again.body.key })).status).toBe(200);
  });

  it('revokes at once, and keeps the revoked key listed as revoked', async () => {
    const key = await createKey(gw, alice.token, { preset: 'read-only' });
    expect((await gw.request('GET', '/api/devices', { token: key.key })).status).toBe(200);
    const revoked = await gw.request<{ status: string; revokedAt: string }>('DELETE', `/api/keys/${key.id}`, { token: alice.token });
    expect(revoked.body.status).toBe('revoked');
    expect((await gw.request('GET', '/api/devices', { token: key.key })).status).toBe(401);
    expect((await gw.request<{ status: string }>('GET', `/api/keys/${key.id}`, { token: alice.token })).body.status).toBe('revoked');
    const rotate = await gw.request<{ error: { fields: { field: string }[] } }>('POST', `/api/keys/${key.id}/rotate`, { body: {}, token: alice.token });
    expect(rotate.status).toBe(400);
    expect(rotate.body.error.fields.map((f) => f.field)).toEqual(['id']);
  });
});
