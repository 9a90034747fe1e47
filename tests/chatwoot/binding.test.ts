/**
 * Binding a number to a Chatwoot inbox: checked against the fake Chatwoot before anything is stored (each bad
 * input a 400 naming its field, nothing saved), an existing API inbox pointed at the gateway or a new one
 * created, the token encrypted at rest and never shown, one number per inbox, a tenant's Chatwoot only on a
 * public address, history imported from the store, unbinding clears it all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows, auditSettled } from '../helpers/access.js';
import { TOKENS } from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { cwMessages, deliver, startBridge, type Bridge } from './support.js';

const PHONE = '5511950000401';
const SECOND = '5511950000402';
const HISTORY = '5511950000403';

let b: Bridge;

beforeAll(async () => {
  b = await startBridge();
  for (const phone of [PHONE, SECOND, HISTORY]) {
    await registerRunning(b.gw, phone);
    await pair(b.gw, phone);
  }
});
afterAll(async () => {
  await b?.close();
});

interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; message: string }[] };
}

const put = (phone: string, body: Record<string, unknown>, token?: string) => b.gw.request<ErrorBody & Record<string, unknown>>('PUT', `/api/devices/${phone}/chatwoot`, { body, ...(token ? { token } : {}) });
const rows = () => b.gw.gateway.database.sqlite.prepare('SELECT phone_number FROM chatwoot_bindings').all() as { phone_number: string }[];

describe('a binding that fails a check', () => {
  it.each([
    ['an unreachable Chatwoot', { baseUrl: 'http://127.0.0.1:1', inboxId: 1 }, 'baseUrl', /cannot be reached/],
    ['something that is not Chatwoot', { baseUrl: 'STORAGE', inboxId: 1 }, 'baseUrl', /no Chatwoot API answers there \(HTTP 404\)/],
    ['a wrong token', { inboxId: 1, apiToken: 'not-a-real-token' }, 'apiToken', /Invalid Access Token/],
    ['an account the token cannot see', { inboxId: 1, accountId: 2 }, 'accountId', /not a member of account 2/],
    ['an inbox that does not exist', { inboxId: 77 }, 'inboxId', /no inbox 77/],
    ['an inbox that is not an API inbox', { inboxId: 2 }, 'inboxId', /Channel::WebWidget inbox; the bridge needs an API inbox/],
    ['an inbox created with an agent’s token', { createInbox: { name: 'New' }, apiToken: TOKENS.agent }, 'createInbox', /administrator/],
    ['neither inboxId nor createInbox', {}, 'inboxId', /either inboxId or createInbox/],
  ])('%s: 400 naming the field, nothing saved', async (_what, body, field, message) => {
    const res = await put(PHONE, 'baseUrl' in body && body.baseUrl === 'STORAGE' ? { ...body, baseUrl: b.cw.storageUrl } : body);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.error.fields).toEqual([{ field, message: expect.stringMatching(message) }]);
    expect(rows()).toEqual([]);
    expect((await b.gw.request('GET', `/api/devices/${PHONE}/chatwoot`)).status).toBe(404);
  });

  it('a tenant’s Chatwoot on a private address is refused (an administrator’s is not)', async () => {
    const created = await b.gw.request('POST', '/api/users', { body: { username: 'tenant', password: 'tenant-password-1', role: 'user' } });
    expect(created.status).toBe(201);
    const login = await b.gw.request<{ token: string }>('POST', '/api/auth/login', { body: { username: 'tenant', password: 'tenant-password-1' }, token: null });
    const tenant = login.body.token;
    expect((await b.gw.request('POST', '/api/devices', { body: { phoneNumber: '5511950000499', autoStart: false }, token: tenant })).status).toBe(201);
    const res = await put('5511950000499', { baseUrl: b.cw.apiUrl, inboxId: 1 }, tenant);
    expect(res.status).toBe(400);
    expect(res.body.error.fields?.[0]).toMatchObject({ field: 'baseUrl', message: expect.stringMatching(/must be a public address/) });
    // Somebody else's number is not theirs to bind.
    expect((await put(PHONE, { inboxId: 1 }, tenant)).status).toBe(404);
  });
});

describe('a binding', () => {
  it('to an existing API inbox: points its webhook at the gateway, keeps the token encrypted and never shows it', async () => {
    const res = await put(PHONE, { inboxId: 1, options: { signAgentName: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phoneNumber: PHONE, inboxId: 1, accountId: 1, inboxName: 'WhatsApp', signedWebhooks: true, inboxWebhookSet: true, options: { signAgentName: true, reopenConversations: true } });
    const inbox = ((await b.cw.state(1))['inboxes'] as { id: number; webhook_url: string }[]).find((i) => i.id === 1);
    expect(inbox?.webhook_url).toBe(res.body['webhookUrl']);
    expect(String(res.body['webhookUrl'])).toMatch(new RegExp(`^${b.gw.url}/webhooks/chatwoot/[A-Za-z0-9_-]{24}$`));
    const shown = JSON.stringify((await b.gw.request('GET', `/api/devices/${PHONE}/chatwoot`)).body);
    expect(shown).not.toContain(TOKENS.admin);
    const stored = b.gw.gateway.database.sqlite.prepare('SELECT api_token, webhook_secret FROM chatwoot_bindings WHERE phone_number = ?').get(PHONE) as { api_token: string; webhook_secret: string };
    expect(stored.api_token).toMatch(/^v1\./);
    expect(stored.api_token).not.toContain(TOKENS.admin);
    b.gw.gateway.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const file = fs.readFileSync(path.join(b.gw.config.paths.data, 'whatsapp.db'));
    expect(file.includes(Buffer.from(TOKENS.admin))).toBe(false);
    // Audited with the binding's write (the failed checks above as errors, the tenant's try as a refusal), the token redacted.
    await auditSettled(b.gw);
    const binds = auditRows(b.gw).filter((r) => r.action === 'chatwoot.bind' && r.phone_number === PHONE);
    expect(binds.map((r) => [r.result, r.http_status])).toEqual([...Array.from({ length: 8 }, () => ['error', 400]), ['denied', 404], ['ok', null]]);
    expect(JSON.parse(binds.at(-1)?.params ?? '{}')).toEqual({ inboxId: 1, options: { signAgentName: true } });
  });

  it('is one number per inbox: another number cannot take it', async () => {
    const res = await put(SECOND, { inboxId: 1 });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'CHATWOOT_INBOX_TAKEN' });
  });

  it('with createInbox: an API inbox made by the administrator’s token, pointed at the gateway', async () => {
    const res = await put(SECOND, { createInbox: { name: 'Sales WhatsApp' } });
    expect(res.status).toBe(200);
    const inbox = ((await b.cw.state(1))['inboxes'] as { id: number; name: string; channel_type: string; webhook_url: string }[]).find((i) => i.name === 'Sales WhatsApp');
    expect(inbox).toMatchObject({ id: res.body['inboxId'], webhook_url: res.body['webhookUrl'] });
  });

  it('imports the last N days of the store when asked', async () => {
    const ids = [] as string[];
    for (const text of ['old one', 'old two']) ids.push(...(await deliver(b.gw, HISTORY, { from: '6281300000001', body: text })));
    await waitFor(async () => (await b.gw.request<{ data: unknown[] }>('GET', `/api/devices/${HISTORY}/chats`)).body.data.length === 1, { what: 'stored' });
    expect((await put(HISTORY, { inboxId: 3, options: { importDays: 7 } })).status).toBe(200);
    const imported = await waitFor(async () => {
      const found = (await cwMessages(b.cw)).filter((m) => m.source_id && ids.includes(m.source_id.slice('wamp:'.length)));
      return found.length === 2 ? found : null;
    }, { what: 'the history in Chatwoot' });
    expect(imported.sort((x, y) => x.id - y.id).map((m) => m.content)).toEqual(['old one', 'old two']);
  });

  it('unbinds: the binding and its state go, and the inbox stops posting to the gateway', async () => {
    const res = await b.gw.request<{ unbound: boolean; inboxWebhookCleared: boolean }>('DELETE', `/api/devices/${PHONE}/chatwoot`);
    expect(res.body).toEqual({ unbound: true, inboxWebhookCleared: true });
    expect((await b.gw.request('GET', `/api/devices/${PHONE}/chatwoot`)).status).toBe(404);
    const inbox = ((await b.cw.state(1))['inboxes'] as { id: number; webhook_url: string | null }[]).find((i) => i.id === 1);
    expect(inbox?.webhook_url ?? '').toBe('');
    expect(rows().map((r) => r.phone_number)).not.toContain(PHONE);
    expect((await b.gw.request('DELETE', `/api/devices/${PHONE}/chatwoot`)).status).toBe(404);
    await auditSettled(b.gw);
    expect(auditRows(b.gw).filter((r) => r.action === 'chatwoot.unbind').map((r) => [r.result, r.http_status, r.phone_number])).toEqual([
      ['ok', null, PHONE],
      ['error', 404, PHONE],
    ]);
  });

  it('goes with its number when the number is unregistered', async () => {
    expect((await b.gw.request('DELETE', `/api/devices/${SECOND}`)).status).toBe(200);
    expect(rows().map((r) => r.phone_number)).not.toContain(SECOND);
  });
});

describe('GET /global-status', () => {
  it('needs a token and lists every visible number with its binding and backlog', async () => {
    expect((await fetch(`${b.gw.url}/global-status`)).status).toBe(401);
    const res = await b.gw.request<{ status: string; totals: Record<string, number>; instances: { phoneNumber: string; chatwoot: { inboxId: number } | null }[] }>('GET', '/global-status');
    expect(res.body.status).toBe('ok');
    expect(res.body.instances.find((i) => i.phoneNumber === HISTORY)?.chatwoot).toMatchObject({ inboxId: 3 });
    expect(res.body.totals['bound']).toBeGreaterThanOrEqual(1);
  });
});
