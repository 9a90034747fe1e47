/**
 * Done-when of the SaaS side: a client of /api/clients (tests/compat/saas-client.ts) runs against the gateway
 * with stand-in children with no change: the same numbers, states, outbox and conversation store as /api/devices.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKey } from '../helpers/access.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { SaasClient } from './saas-client.js';

const PHONE = '5511964000001';
const CUSTOMER = '5511987660001';
let gw: TestGateway;
let app: SaasClient;

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0' } });
  const key = await createKey(gw, undefined, { name: 'saas', scopes: ['compat', 'numbers:read', 'numbers:control', 'numbers:pair', 'messages:send', 'messages:read'], numbers: '*' });
  app = new SaasClient(gw.url, key.key);
  // The operator registers the number once (the front end's own "new client" calls POST /api/devices).
  expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: PHONE, name: 'Loja', autoStart: false } })).status).toBe(201);
});
afterAll(async () => {
  await gw?.close();
});

async function sentByChild(): Promise<{ phone: string; message?: string }[]> {
  const res = await gw.gateway.supervisor.runner(PHONE)?.client?.request<{ sent: { phone: string; message?: string }[] }>('GET', '/_sim/sent');
  return res?.results?.sent ?? [];
}

describe('the SaaS front end, unchanged, against the gateway', () => {
  it('lists, connects, shows the QR code, pairs, sends once, reads chats and messages page by page, disconnects', async () => {
    expect(await app.health()).toMatchObject({ status: 200, body: { status: 'ok', activeClients: 0, timestamp: expect.any(String) } });
    const listed = await app.clients();
    expect(listed.body).toMatchObject({ total: 1, clients: [{ id: PHONE, status: 'disconnected', state: 'stopped' }], totals: { active: 0, connected: 0, waitingForQr: 0, error: 0 } });

    expect(await app.connect(PHONE)).toMatchObject({ status: 200, body: { id: PHONE, state: 'running' } });
    const qr = await app.qr(PHONE);
    expect(qr).toMatchObject({ status: 200, body: { qrCode: expect.stringMatching(/^data:image\/png;base64,/), qr: expect.stringMatching(/^2@/) } });
    expect((await app.clients()).body).toMatchObject({ clients: [{ id: PHONE, status: 'qr' }], totals: { active: 1, waitingForQr: 1 } });

    await gw.gateway.supervisor.runner(PHONE)?.client?.request('POST', '/_sim/pair', { body: { jid: PHONE } });
    await waitFor(async () => (await app.status(PHONE)).body.client?.status === 'connected', { what: 'connected' });
    await waitFor(async () => (await app.status(PHONE)).body.child?.is_logged_in, { what: 'the child logged in' });
    expect((await app.health()).body.activeClients).toBe(1);

    const first = await app.send(PHONE, CUSTOMER, 'Pedido confirmado', 'order-17');
    expect(first).toMatchObject({ status: 202, body: { id: expect.any(String), status: 'queued' } });
    expect(first.headers.get('location')).toBe(`/api/messages/${first.body.id}`);
    const again = await app.send(PHONE, CUSTOMER, 'Pedido confirmado', 'order-17');
    expect(again).toMatchObject({ status: 202, body: { id: first.body.id } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await waitFor(async () => (await sentByChild()).some((s) => s.message === 'Pedido confirmado'), { what: 'sent' });
    expect((await sentByChild()).filter((s) => s.message === 'Pedido confirmado')).toHaveLength(1);

    for (const body of ['um', 'dois', 'três']) await gw.gateway.supervisor.runner(PHONE)?.client?.request('POST', '/_sim/incoming', { body: { from: CUSTOMER, body } });
    const chatId = `${CUSTOMER}@s.whatsapp.net`;
    await waitFor(async () => (await app.messages(PHONE, chatId)).body.data?.length === 4, { what: 'four messages in the chat' });
    expect((await app.chats(PHONE)).body.data.map((c) => c.id)).toEqual([chatId]);
    // Two at a time, following the cursor: every message once (WhatsApp's whole-second times decide the order
    // of messages sent within one second, so only the oldest, the gateway's own send, has a fixed place).
    const page1 = await app.messages(PHONE, chatId, '?limit=2');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.page.hasBefore).toBe(true);
    const page2 = await app.messages(PHONE, chatId, `?limit=2&before=${encodeURIComponent(page1.body.page.before ?? '')}`);
    expect(page2.body.page.hasBefore).toBe(false);
    const texts = [...page1.body.data, ...page2.body.data].map((m) => m.text);
    expect([...texts].sort()).toEqual(['Pedido confirmado', 'dois', 'três', 'um']);
    expect(page2.body.data.at(-1)).toMatchObject({ text: 'Pedido confirmado', direction: 'out' });

    // Disconnect keeps the session: connect again, and it is connected without a QR code.
    expect(await app.disconnect(PHONE)).toMatchObject({ status: 200, body: { id: PHONE, state: 'stopped', status: 'disconnected' } });
    expect(await app.connect(PHONE)).toMatchObject({ status: 200, body: { state: 'running' } });
    await waitFor(async () => (await app.status(PHONE)).body.client?.status === 'connected', { what: 'connected again without a QR code' });
  }, 60_000);

  it('answers bad input and unknown clients as the API does, with nothing sent', async () => {
    const before = (await sentByChild()).length;
    const missing = await app.send(PHONE, CUSTOMER, '');
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', fields: [{ field: 'message' }] } } });
    const badTo = await app.send(PHONE, 'nobody', 'x');
    expect(badTo.body).toMatchObject({ error: { fields: [{ field: 'to' }] } });
    expect((await app.send('5511964000999', CUSTOMER, 'x')).status).toBe(404);
    expect((await app.status('5511964000999')).status).toBe(404);
    expect((await app.messages(PHONE, `${CUSTOMER}@s.whatsapp.net`, '?before=not-a-cursor')).status).toBe(400);
    expect((await sentByChild()).length).toBe(before);
  });

  it('documents every /api/clients route in the OpenAPI document', async () => {
    const doc = await gw.request<{ paths: Record<string, Record<string, { 'x-audit-action'?: string }>> }>('GET', '/api-docs/openapi.json', { token: null });
    const routes = Object.entries(doc.body.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op['x-audit-action']])).filter(([r]) => r?.includes('/api/clients'));
    expect(routes).toEqual([
      ['GET /api/clients', 'compat.clients.list'],
      ['POST /api/clients/{phone}/connect', 'compat.clients.connect'],
      ['POST /api/clients/{phone}/disconnect', 'compat.clients.disconnect'],
      ['GET /api/clients/{phone}/status', 'compat.clients.status'],
      ['GET /api/clients/{phone}/qr', 'compat.clients.qr'],
      ['POST /api/clients/{phone}/send-message', 'compat.clients.send'],
      ['GET /api/clients/{phone}/chats', 'compat.clients.chats'],
      ['GET /api/clients/{phone}/chats/{chatId}/messages', 'compat.clients.messages'],
    ]);
  });
});
