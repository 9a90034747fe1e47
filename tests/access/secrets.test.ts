import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { ADMIN, makeDataRoot } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { connectClient } from '../realtime/socket-helpers.js';

const PHONE = '5511990000001';

/**
 * The gateway as a real process at LOG_LEVEL=trace: every secret that passes through it (passwords, a wrong
 * password, API keys in a header, in Socket.IO's auth and in a WebSocket query string, a webhook secret) must
 * appear in none of its output, none of its audit rows, and no answer after the one that created it.
 */
describe('secrets', () => {
  let gw: GatewayProcess;
  let dataRoot: string;

  beforeAll(async () => {
    dataRoot = makeDataRoot();
    gw = await spawnGateway(dataRoot, { LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    gw.child.kill('SIGTERM');
    await gw.exited;
  });

  it('never reach the logs, the audit log, or later answers', async () => {
    const call = async (method: string, path: string, body?: unknown, token?: string | null, headers: Record<string, string> = {}) => {
      const bearer = token === undefined ? await gw.token() : token;
      const res = await fetch(`${gw.url}${path}`, {
        method,
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    const secrets: string[] = [ADMIN.password, 'wrong-password-guess-77', 'user-password-secret-1', 'user-password-secret-2', 'webhook-secret-xyz-42'];
    expect((await call('POST', '/api/devices', { phoneNumber: PHONE })).status).toBe(201);
    expect((await call('POST', '/api/auth/login', { username: 'admin', password: 'wrong-password-guess-77' }, null)).status).toBe(401);
    expect((await call('POST', '/api/users', { username: 'sec', password: 'user-password-secret-1' })).status).toBe(201);
    const userLogin = JSON.parse((await call('POST', '/api/auth/login', { username: 'sec', password: 'user-password-secret-1' }, null)).text) as { token: string };
    expect((await call('POST', '/api/auth/password', { currentPassword: 'user-password-secret-1', newPassword: 'user-password-secret-2' }, userLogin.token)).status).toBe(200);
    expect((await call('PATCH', `/api/devices/${PHONE}`, { webhookUrl: 'https://hooks.example.com/wa', webhookSecret: 'webhook-secret-xyz-42' })).status).toBe(200);
    const created = JSON.parse((await call('POST', '/api/keys', { name: 'secret key', scopes: ['numbers:read', 'events:subscribe'] })).text) as { id: string; key: string };
    secrets.push(created.key, created.key.split('_')[3] ?? '');
    expect((await call('GET', '/api/devices', undefined, created.key)).status).toBe(200);
    const client = await connectClient(gw.url, created.key);
    client.close();
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/proxy/whatsapp/${PHONE}/ws?token=${created.key}`);
      ws.once('open', () => {
        ws.close();
        resolve();
      });
      ws.once('error', reject);
    });
    const rotated = JSON.parse((await call('POST', `/api/keys/${created.id}/rotate`, { graceSeconds: 0 })).text) as { key: string };
    secrets.push(rotated.key);
    expect((await call('GET', '/api/devices', undefined, rotated.key)).status).toBe(200);

    const later = [await call('GET', '/api/keys'), await call('GET', `/api/keys/${created.id}`), await call('GET', `/api/devices/${PHONE}`), await call('GET', '/api/audit?limit=500'), await call('GET', '/api/audit/export')];
    // The audit trail is logged at trace: the log saw every one of these calls.
    expect(gw.output.filter((line) => line.includes('"component":"audit"')).length).toBeGreaterThan(8);
    const db = Buffer.concat(['whatsapp.db', 'whatsapp.db-wal'].map((f) => `${dataRoot}/volumes/${f}`).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const secret of secrets) {
      expect({ secret, inLogs: gw.output.some((line) => line.includes(secret)) }).toEqual({ secret, inLogs: false });
      expect({ secret, inAnswers: later.some((answer) => answer.text.includes(secret)) }).toEqual({ secret, inAnswers: false });
    }
    // The audit log (in the answers above) and the database hold no key secret; the webhook secret is the number's own setting.
    for (const secret of secrets.slice(5)) expect({ secret, inDatabase: db.includes(Buffer.from(secret)) }).toEqual({ secret, inDatabase: false });
  });
});
