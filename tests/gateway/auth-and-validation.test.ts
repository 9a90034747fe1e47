import fs from 'node:fs';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

function rows(): number {
  return (gw.gateway.database.sqlite.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n;
}
function sessionFolders(): string[] {
  const dir = gw.config.paths.sessions;
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('login', () => {
  it('issues a JWT for the admin created at first boot, with a slow hash stored', async () => {
    const res = await gw.request<{ token: string; expiresIn: number }>('POST', '/api/auth/login', { body: ADMIN, token: null });
    expect(res.status).toBe(200);
    expect(res.body.expiresIn).toBe(12 * 3600);
    expect(jwt.decode(res.body.token, { complete: true })?.header.alg).toBe('HS256');
    const stored = gw.gateway.database.sqlite.prepare('SELECT password_hash FROM users WHERE username = ?').get(ADMIN.username) as { password_hash: string };
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.password_hash).not.toContain(ADMIN.password);
  });

  it('refuses wrong credentials with 401 and a JSON error', async () => {
    const res = await gw.request('POST', '/api/auth/login', { body: { username: 'admin', password: 'nope' }, token: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'invalid username or password' } });
  });

  it('names the missing fields', async () => {
    const res = await gw.request<{ error: { fields: { field: string }[] } }>('POST', '/api/auth/login', { body: {}, token: null });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f) => f.field).sort()).toEqual(['password', 'username']);
  });
});

describe('every protected route needs a valid token', () => {
  const routes: [string, string][] = [
    ['GET', '/api/devices'],
    ['POST', '/api/devices'],
    ['GET', '/api/devices/5511999999999'],
    ['DELETE', '/api/devices/5511999999999'],
    ['POST', '/api/devices/5511999999999/start'],
    ['POST', '/api/devices/5511999999999/stop'],
    ['POST', '/api/devices/5511999999999/restart'],
    ['POST', '/api/devices/5511999999999/logout'],
    ['GET', '/api/devices/5511999999999/status'],
    ['GET', '/api/devices/5511999999999/logs'],
    ['GET', '/api/nothing-here'],
    ['GET', '/proxy/whatsapp/app/status'],
  ];
  const secret = 'test-jwt-secret-that-is-long-enough-123456';
  const badTokens: Record<string, () => string | null> = {
    missing: () => null,
    malformed: () => 'not-a-jwt',
    expired: () => jwt.sign({ sub: '1', username: 'admin', role: 'admin' }, secret, { algorithm: 'HS256', expiresIn: -10 }),
    'wrongly signed': () => jwt.sign({ sub: '1', username: 'admin', role: 'admin' }, 'another-secret', { algorithm: 'HS256' }),
    'alg none': () => jwt.sign({ sub: '1', username: 'admin', role: 'admin' }, '', { algorithm: 'none' }),
    'other algorithm': () => jwt.sign({ sub: '1', username: 'admin', role: 'admin' }, secret, { algorithm: 'HS512' }),
    'unknown user': () => jwt.sign({ sub: '999', username: 'ghost', role: 'admin' }, secret, { algorithm: 'HS256' }),
  };

  /** Every route the OpenAPI document marks as secured, with example path parameters. */
  async function documentedRoutes(): Promise<[string, string][]> {
    const doc = await gw.request<{ paths: Record<string, Record<string, { security?: unknown }>> }>('GET', '/api-docs/openapi.json', { token: null });
    const found: [string, string][] = [];
    for (const [route, operations] of Object.entries(doc.body.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security) continue;
        found.push([method.toUpperCase(), route.replace('{phone}', '5511999999999').replace('{id}', '1').replace('{path}', 'app/status').replace(/\{[^}]+\}/g, 'x')]);
      }
    }
    return found;
  }

  it('covers every secured route of the API document', async () => {
    const documented = await documentedRoutes();
    expect(documented.length).toBeGreaterThan(30);
    for (const [method, route] of documented) {
      const res = await gw.request<{ error: { code: string } }>(method, route, { token: null });
      expect([method, route, res.status]).toEqual([method, route, 401]);
    }
  });

  for (const [name, make] of Object.entries(badTokens)) {
    it(`answers 401 JSON to a ${name} token on every route`, async () => {
      const token = make();
      for (const [method, route] of [...routes, ...(await documentedRoutes())]) {
        const res = await gw.request<{ error: { code: string } }>(method, route, { token });
        expect([method, route, res.status]).toEqual([method, route, 401]);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
    });
  }

  it('sends a Bearer token only in the Authorization header', async () => {
    const token = await gw.token();
    const res = await gw.request('GET', `/api/devices?token=${token}`, { token: null });
    expect(res.status).toBe(401);
  });

  it('keeps liveness and the API docs public', async () => {
    expect((await gw.request('GET', '/api/health', { token: null })).status).toBe(200);
    const doc = await gw.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/api-docs/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/devices', '/api/devices/{phone}', '/api/devices/{phone}/logs', '/api/auth/login']));
    const ui = await fetch(`${gw.url}/api-docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });
});

describe('bad input gets a clear 4xx and writes nothing', () => {
  const cases: [string, unknown, RegExp][] = [
    ['path traversal', { phoneNumber: '../../etc', name: 'x' }, /phoneNumber: must be a phone number/],
    ['20 digits', { phoneNumber: '12345678901234567890', name: 'x' }, /phoneNumber/],
    ['letters', { phoneNumber: '55119abc99999', name: 'x' }, /phoneNumber/],
    ['empty body', {}, /phoneNumber: is required/],
    ['wrong types', { phoneNumber: 5511999999999, name: 42 }, /phoneNumber[\s\S]*name/],
    ['bad webhook URL', { phoneNumber: '5511999999999', webhookUrl: 'file:///etc/passwd' }, /webhookUrl/],
  ];
  for (const [label, body, message] of cases) {
    it(`rejects ${label}`, async () => {
      const before = rows();
      const res = await gw.request<{ error: { code: string; message: string } }>('POST', '/api/devices', { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toMatch(message);
      expect(rows()).toBe(before);
      expect(sessionFolders()).toEqual([]);
    });
  }

  it('rejects malformed JSON without echoing it', async () => {
    const res = await gw.request<{ error: { message: string } }>('POST', '/api/devices', { raw: '{"phoneNumber": "55', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('request body is not valid JSON');
  });

  it('rejects a 10 MB body with 413', async () => {
    const big = JSON.stringify({ phoneNumber: '5511999999999', name: 'x'.repeat(10 * 1024 * 1024) });
    const res = await gw.request<{ error: { code: string } }>('POST', '/api/devices', { raw: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(rows()).toBe(0);
  });

  it.each(['..%2F..%2Fetc', '..%252F..', 'abc', '123', '5511999999999999999', '%2B5511%00'])('rejects the path segment %s', async (segment) => {
    const res = await gw.request<{ error: { code: string } }>('GET', `/api/devices/${segment}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 404 for a well-formed unknown number', async () => {
    const res = await gw.request<{ error: { code: string } }>('GET', '/api/devices/5511000000000');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('DEVICE_NOT_FOUND');
  });
});
