/**
 * Done-when of the Flask side: the Flask-like client (tests/compat/flask-app.ts) runs against the gateway with
 * stand-in children with no change, and its webhook receiver gets every incoming text once, in the legacy body,
 * also after being down for a while.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../helpers/wait.js';
import { FlaskApp } from './flask-app.js';
import { FlaskReceiver, incoming, numberOf, startCompatGateway, type CompatGateway } from './support.js';

const SECRET = 'flask-webhook-secret-123';
const PHONE = '5511961000001';
const CUSTOMER = '5511987650001';

let gw: CompatGateway;
let app: FlaskApp;
const flask = new FlaskReceiver();

beforeAll(async () => {
  await flask.start();
  gw = await startCompatGateway({ FLASK_URL: flask.url, FLASK_WEBHOOK_SECRET: SECRET });
  app = new FlaskApp(gw.url);
});
afterAll(async () => {
  await gw?.close();
  await flask.stop();
});

/** The phone scans the QR code Flask showed. */
async function phoneScans(tenantId: string, phone: string): Promise<void> {
  const client = gw.gateway.supervisor.runner(numberOf(gw, tenantId))?.client;
  await client?.request('POST', '/_sim/pair', { body: { jid: phone } });
}

async function sentByChild(): Promise<{ phone: string; message?: string }[]> {
  const client = gw.gateway.supervisor.runner(PHONE)?.client;
  const res = await client?.request<{ sent: { phone: string; message?: string }[] }>('GET', '/_sim/sent');
  return res?.results?.sent ?? [];
}

describe('the Flask app, unchanged, against the gateway', () => {
  it('sets up its company, pairs it, sends, and gets the incoming texts in the legacy body', async () => {
    expect(await app.health()).toMatchObject({ status: 200, body: { status: 'ok', service: 'baileys-whatsapp-multitenant' } });
    expect(await app.createTenant(1)).toMatchObject({ status: 200, body: { success: true, message: 'Tenant 1 criado com sucesso', tenant: { tenantId: '1', connected: false } } });

    const qr = await app.tenantQr(1);
    expect(qr).toMatchObject({ status: 200, body: { success: true, message: 'Escaneie o QR code com seu WhatsApp' } });
    // The raw text the phone's camera reads (Baileys' `ref,publicKey,identityKey,advSecret`), which Flask renders itself.
    expect(qr.body['qrCode']).toMatch(/^2@[^,]+,[^,]+,[^,]+,[^,]+$/);
    expect(qr.body['qrImage']).toMatch(/^data:image\/png;base64,/);
    await phoneScans('1', PHONE);
    await waitFor(async () => (await app.tenantStatus(1)).body['tenant'] as { connected: boolean } | undefined, { what: 'status answers' });
    await waitFor(async () => ((await app.tenantStatus(1)).body['tenant'] as { connected: boolean }).connected, { what: 'connected', timeoutMs: 20_000 });
    expect(numberOf(gw, '1')).toBe(PHONE);

    const sent = await app.sendMessage(1, CUSTOMER, 'Seu horário está confirmado');
    expect(sent).toMatchObject({ status: 200, body: { success: true, empresaId: '1' } });
    await waitFor(async () => (await sentByChild()).some((s) => s.message === 'Seu horário está confirmado'), { what: 'the send reached the child' });
    // An Idempotency-Key (which the Flask app may add) makes a repeat the same message, sent once.
    const keyed = { 'content-type': 'application/json', 'idempotency-key': 'lembrete-42' };
    const once = await gw.legacy<{ messageId: string }>('POST', '/send/1', { phone: CUSTOMER, message: 'Lembrete' }, keyed);
    const twice = await gw.legacy<{ messageId: string }>('POST', '/send/1', { phone: CUSTOMER, message: 'Lembrete' }, keyed);
    expect([once.status, twice.status, twice.body.messageId]).toEqual([200, 200, once.body.messageId]);
    expect(twice.headers.get('idempotent-replayed')).toBe('true');
    await waitFor(async () => (await sentByChild()).some((s) => s.message === 'Lembrete'), { what: 'the keyed send' });
    expect((await sentByChild()).filter((s) => s.message === 'Lembrete')).toHaveLength(1);
    expect(await gw.legacy('POST', '/send/1', { phone: CUSTOMER, message: 'x' }, { 'idempotency-key': 'bad key with spaces' })).toMatchObject({ status: 400, body: { error: 'Erro ao enviar mensagem', field: 'Idempotency-Key' } });

    await incoming(gw, '1', { from: CUSTOMER, from_name: 'Maria', body: 'Obrigada!' });
    const [hit] = await waitForHits(1);
    // Exactly the legacy body: these four keys, nothing else.
    expect(hit?.body).toEqual({ phone: CUSTOMER, message: 'Obrigada!', message_type: 'texto', empresa_id: '1' });
    // Signed with headers Flask may ignore.
    expect(hit?.headers['x-hub-signature-256']).toBe(`sha256=${crypto.createHmac('sha256', SECRET).update(hit?.raw ?? '').digest('hex')}`);
    expect(hit?.headers['x-event-id']).toEqual(expect.any(String));
  }, 60_000);

  it('posts only incoming 1:1 texts: not the number’s own, not groups, not media', async () => {
    const before = flask.hits.length;
    await incoming(gw, '1', { chat_id: CUSTOMER, is_from_me: true, body: 'sent from the phone itself' });
    await incoming(gw, '1', { chat_id: '120363000000000001@g.us', from: CUSTOMER, body: 'in a group' });
    await incoming(gw, '1', { from: CUSTOMER, type: 'image', caption: 'a photo' });
    await incoming(gw, '1', { from: CUSTOMER, body: 'the marker after them' });
    await waitForHits(before + 1);
    expect(flask.texts().slice(before)).toEqual(['the marker after them']);
  }, 30_000);

  it('gives the phone, not the @lid, once WhatsApp revealed it; an unresolved @lid passes as it came', async () => {
    const before = flask.hits.length;
    await incoming(gw, '1', { from: '5511987650002', from_lid: '88812345678901@lid', body: 'first, with both' });
    await incoming(gw, '1', { from: '88812345678901@lid', body: 'then as lid only' });
    await incoming(gw, '1', { from: '77712345678901@lid', body: 'a lid never resolved' });
    const hits = (await waitForHits(before + 3)).slice(before);
    expect(hits.map((h) => [h.body['phone'], h.body['message']])).toEqual([
      ['5511987650002', 'first, with both'],
      ['5511987650002', 'then as lid only'],
      ['77712345678901@lid', 'a lid never resolved'],
    ]);
  }, 30_000);

  it('gets every text once, in order, after being down for a while', async () => {
    const before = flask.hits.length;
    await flask.stop();
    const texts = ['down 1', 'down 2', 'down 3'];
    for (const body of texts) await incoming(gw, '1', { from: CUSTOMER, body });
    // The deliveries are retried while Flask refuses connections.
    await waitFor(() => countDeliveries("status = 'failed'") >= 1, { what: 'a failed attempt' });
    await flask.start();
    await waitForHits(before + 3, 20_000);
    expect(flask.texts().slice(before)).toEqual(texts);
    await waitFor(() => countDeliveries("status IN ('pending', 'failed')") === 0, { what: 'nothing left to deliver' });
    expect(flask.texts().slice(before)).toEqual(texts);
  }, 60_000);

  it('reconnects from /configuracao: disconnect logs out, connect and the QR code pair it again, restart keeps the session', async () => {
    expect(await app.disconnect(1)).toMatchObject({ status: 200, body: { success: true, message: 'Empresa 1 desconectada com sucesso' } });
    expect(((await app.tenantStatus(1)).body['tenant'] as { connected: boolean }).connected).toBe(false);
    expect(await app.connect(1)).toMatchObject({ status: 200, body: { success: true, message: 'Conexão iniciada. Aguarde o QR code.' } });
    const qr = await app.qr(1);
    expect(qr).toMatchObject({ status: 200, body: { success: true, message: 'Escaneie o QR code com seu WhatsApp' } });
    expect(qr.body['qr']).toMatch(/^2@/);
    await phoneScans('1', PHONE);
    await waitFor(async () => ((await app.tenantStatus(1)).body['tenant'] as { connected: boolean }).connected, { what: 'connected again', timeoutMs: 20_000 });
    expect(await app.connect(1)).toMatchObject({ status: 200, body: { success: true, connected: true, message: 'Empresa já está conectada' } });

    const pid = gw.gateway.supervisor.runner(PHONE)?.pid;
    expect(await app.restart(1)).toMatchObject({ status: 200, body: { success: true, message: 'Empresa 1 reinicializada com sucesso', tenant: { tenantId: '1' } } });
    expect(gw.gateway.supervisor.runner(PHONE)?.pid).not.toBe(pid);
    // The session was kept: no QR code, connected again by itself.
    await waitFor(async () => ((await app.tenantStatus(1)).body['tenant'] as { connected: boolean }).connected, { what: 'connected after restart', timeoutMs: 20_000 });
    const overview = await app.overview();
    expect(overview).toMatchObject({ status: 200, body: { success: true, tenantsCount: 1, connections: { '1': { tenantId: '1', connected: true } } } });
  }, 90_000);

  it('removes the company: logged out, gone, and its id free for a new tenant', async () => {
    expect(await app.removeTenant(1)).toMatchObject({ status: 200, body: { success: true, message: 'Tenant 1 desconectado e removido com sucesso' } });
    expect(await app.tenantStatus(1)).toMatchObject({ status: 404, body: { success: false, error: 'Tenant não encontrado' } });
    expect(gw.gateway.supervisor.runner(PHONE)).toBeUndefined();
    expect(await app.createTenant(1)).toMatchObject({ status: 200, body: { success: true, tenant: { tenantId: '1', connected: false } } });
  }, 30_000);
});

function countDeliveries(where: string): number {
  return (gw.gateway.database.sqlite.prepare(`SELECT count(*) AS n FROM webhook_deliveries WHERE scope = 'compat' AND ${where}`).get() as { n: number }).n;
}

async function waitForHits(count: number, timeoutMs = 10_000) {
  await waitFor(() => flask.hits.length >= count, { what: `${count} Flask webhooks`, timeoutMs });
  return flask.hits;
}
